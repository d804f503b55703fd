"""An account's page draws its daily history as an inline SVG chart, one point a day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import SocialAccount
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from analytics.models import DailyMetric
from vchata_social.tests.browser.driver import save_readme_screenshot
from vchata_social.tests.test_admin_security import admin_url

pytestmark = pytest.mark.browser

DAYS = 30


def seed_history(account: SocialAccount, days: int) -> None:
    """A month of plausible figures: followers growing, engagement and reach on a weekly beat."""
    today = timezone.now().date()
    DailyMetric.objects.bulk_create(
        DailyMetric(
            social_account=account,
            day=today - timedelta(days=days - 1 - index),
            followers=12_000 + 35 * index + (index % 3) * 10,
            engagement=300 + 120 * (index % 7 in (5, 6)) + 7 * index,
            reach=4_000 + 900 * (index % 7 in (5, 6)) + 40 * index,
        )
        for index in range(days)
    )


def test_an_accounts_page_charts_one_point_a_day(browser, account_factory):
    UserFactory(username="operator", is_staff=True, is_superuser=True)
    account = account_factory(platform="INSTAGRAM", platform_user_name="Acme on Instagram")
    seed_history(account, DAYS)

    browser.open("/admin/login/")
    browser.sign_in("operator", TEST_PASSWORD)
    browser.open(f"{admin_url(SocialAccount, 'change', account)}?history_days={DAYS}")

    chart = browser.find("#daily-history svg.daily-chart")
    assert chart.get_attribute("data-days") == str(DAYS)
    for series in ("Followers", "Engagement", "Reach"):
        points = chart.find_elements("css selector", f"g[data-series={series}] circle.point")
        assert len(points) == DAYS, series
    assert chart.size["width"] > 600 and chart.size["height"] > 200  # drawn, not collapsed
    save_readme_screenshot(browser.driver, browser.find("#daily-history"), "account-chart")
