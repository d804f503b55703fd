"""A staff member's round, in a real browser: the dashboard, an "accounts needing attention"
link, the account's page and its chart, and the refresh action's answer. The README's
pictures of the dashboard and of an account's chart are taken here (`make screenshots`)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from selenium.webdriver.support.select import Select

from accounts.models import AccountStatus, ScheduledTaskRun, SocialAccount
from accounts.platforms.tests.support import load_fixture
from accounts.tests.clients import change_url
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from accounts.tests.standin import standin_platform
from analytics.models import DailyMetric, SyncRun, SyncStatus, SyncType
from vchata_social.tests.browser.driver import save_readme_screenshot

pytestmark = pytest.mark.browser

HISTORY_DAYS = 90  # the account page's default range


def seed_history(account: SocialAccount, days: int) -> None:
    """Plausible figures: followers growing, engagement and reach on a weekly beat."""
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


def sync_run(account: SocialAccount, status: str, hours_ago: int) -> None:
    started = timezone.now() - timedelta(hours=hours_ago)
    run = SyncRun.objects.create(
        social_account=account,
        sync_type=SyncType.INCREMENTAL,
        status=status,
        error="The platform is unavailable" if status == SyncStatus.FAILED else "",
    )
    SyncRun.objects.filter(pk=run.pk).update(
        started_at=started, finished_at=started + timedelta(seconds=20)
    )


def schedule_ran_lately() -> None:
    """Each beat entry last ran a little while ago, as a live worker records it."""
    now = timezone.now()
    ScheduledTaskRun.objects.bulk_create(
        ScheduledTaskRun(
            task_name=entry["task"],
            last_started_at=now - timedelta(seconds=min(entry["schedule"], 3600) / 2),
            last_finished_at=now - timedelta(seconds=min(entry["schedule"], 3600) / 2 - 1),
            last_state="SUCCESS",
        )
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


@pytest.fixture
def accounts(account_factory):
    """An organization's accounts as staff might find them on a Monday morning."""
    now = timezone.now()
    youtube = account_factory(platform="YOUTUBE", platform_user_name="Acme on YouTube")
    facebook = account_factory(platform="FACEBOOK", platform_user_name="Acme on Facebook")
    account_factory(
        platform="TIKTOK",
        platform_user_name="Acme on TikTok",
        status=AccountStatus.REAUTH_REQUIRED,
    )
    account_factory(
        platform="LINKEDIN",
        platform_user_name="Acme on LinkedIn",
        refresh_token_expires_at=now + timedelta(days=12),
    )
    account_factory(platform="INSTAGRAM", platform_user_name="Acme on Instagram")
    for hours_ago in (30, 20, 8):
        sync_run(facebook, SyncStatus.SUCCEEDED, hours_ago)
    sync_run(youtube, SyncStatus.SUCCEEDED, 26)
    sync_run(youtube, SyncStatus.FAILED, 2)
    seed_history(youtube, HISTORY_DAYS)
    schedule_ran_lately()
    return {"youtube": youtube, "facebook": facebook}


def test_from_the_dashboard_to_an_accounts_chart_and_a_refresh(
    browser, accounts, platform_settings
):
    UserFactory(username="operator", is_staff=True, is_superuser=True)
    troubled = accounts["youtube"]
    browser.open("/admin/login/")
    browser.sign_in("operator", TEST_PASSWORD)

    browser.submit("#dashboard-link")
    assert browser.find("#attention-last_sync_failed").text == "Last sync failed"
    save_readme_screenshot(browser.driver, browser.find("body"), "dashboard")
    failed_row = browser.find("tr.attention-last_sync_failed")
    assert failed_row.find_element("css selector", "td.count").text == "1"

    browser.submit("#attention-last_sync_failed")
    listed = [row.text for row in browser.find_all("#result_list tbody tr")]
    assert len(listed) == 1 and "Acme on YouTube" in listed[0]

    browser.submit(f"#result_list a[href^='{change_url(troubled)}']")
    chart = browser.find("#daily-history svg.daily-chart")
    assert chart.get_attribute("data-days") == str(HISTORY_DAYS)
    for series in ("Followers", "Engagement", "Reach"):
        points = chart.find_elements("css selector", f"g[data-series={series}] circle.point")
        assert len(points) == HISTORY_DAYS, series
    assert chart.size["width"] > 600 and chart.size["height"] > 200  # drawn, not collapsed
    save_readme_screenshot(browser.driver, browser.find("#daily-history"), "account-chart")

    browser.driver.back()
    routes = {("POST", "/token"): load_fixture("youtube", "refresh_success")}
    with standin_platform(routes) as (google_url, calls):
        platform_settings.SOCIAL_PLATFORMS["YOUTUBE"]["OAUTH_URL"] = google_url
        browser.find(f"input[name=_selected_action][value='{troubled.pk}']").click()
        Select(browser.find("select[name=action]")).select_by_visible_text(
            "Refresh the tokens of the selected accounts"
        )
        browser.submit("button[name=index]")
        shown = browser.messages()

    assert shown == ["Token refreshed: 1 account(s)."]
    assert calls == [("POST", "/token")]
    troubled.refresh_from_db()
    assert troubled.access_token == "ya29.a0AfH6SMBrefreshedAccessToken"
