"""The account's admin page: its daily history as a chart and a table over a range chosen
in the address, its latest syncs, webhook events and audit entries, no secret anywhere."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from accounts.tests.clients import change_url
from analytics.models import DailyMetric, SyncRun, SyncStatus
from webhooks.models import SocialEvent, WebhookSubscription


def history(account, days: int, *, skip: tuple[int, ...] = ()) -> None:
    """A history row for each of the last `days` days (today included) but those `skip`
    names, counted back from today."""
    today = timezone.now().date()
    DailyMetric.objects.bulk_create(
        DailyMetric(
            social_account=account,
            day=today - timedelta(days=back),
            followers=1000 + back,
            engagement=10 * back,
            reach=100 * back,
        )
        for back in range(days)
        if back not in skip
    )


def event_of(account, **fields) -> SocialEvent:
    return SocialEvent.objects.create(
        organization=account.organization,
        social_account=account,
        platform=account.platform,
        kind="comment",
        **fields,
    )


def chart_of(html: str) -> str:
    match = re.search(r'<svg [^>]*class="daily-chart".*?</svg>', html, re.S)
    assert match, "no chart on the page"
    return match.group(0)


def dots(chart: str, series: str) -> int:
    band = re.search(rf'data-series="{series}">(.*?)</g>', chart, re.S).group(1)
    return band.count('<circle class="point"')


def table_rows(html: str) -> int:
    table = re.search(r'<table class="daily-table">.*?</table>', html, re.S).group(0)
    return table.count('<th scope="row">')


@pytest.mark.django_db
def test_the_chart_shows_the_last_90_days_by_default_one_dot_a_day(staff_client, account_factory):
    account = account_factory()
    history(account, 120)

    html = staff_client.get(change_url(account)).content.decode()

    chart = chart_of(html)
    assert 'data-days="90"' in chart
    assert dots(chart, "Followers") == dots(chart, "Engagement") == dots(chart, "Reach") == 90
    assert table_rows(html) == 90
    assert timezone.now().date().isoformat() in chart


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, 7, 30, 365])
def test_the_range_is_chosen_in_the_address(staff_client, account_factory, days):
    account = account_factory()
    history(account, 400)

    html = staff_client.get(change_url(account), {"history_days": days}).content.decode()

    assert f'data-days="{days}"' in chart_of(html)
    assert dots(chart_of(html), "Reach") == days
    assert table_rows(html) == days
    assert "errornote" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ["0", "367", "-7", "abc", "1e3", "٣٠", "9" * 40, ""])
def test_a_range_that_is_not_a_sensible_number_of_days_shows_the_default(
    staff_client, account_factory, asked
):
    account = account_factory()
    history(account, 100)

    response = staff_client.get(change_url(account), {"history_days": asked})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-days="90"' in chart_of(html)
    assert "whole number of days from 1 to 366" in html


@pytest.mark.django_db
def test_a_shorter_longest_range_shortens_the_default(staff_client, account_factory, settings):
    settings.STATS_MAX_RANGE_DAYS = 30
    account = account_factory()
    history(account, 100)

    html = staff_client.get(change_url(account)).content.decode()

    assert 'data-days="30"' in chart_of(html)
    assert "365 days" not in html


@pytest.mark.django_db
def test_the_range_links_keep_the_pages_other_parameters(staff_client, account_factory):
    account = account_factory()
    history(account, 10)

    html = staff_client.get(
        change_url(account), {"_changelist_filters": "platform__exact=FACEBOOK"}
    ).content.decode()

    ranges = re.search(r'<p class="history-ranges">.*?</p>', html, re.S).group(0)
    assert "_changelist_filters=platform__exact%3DFACEBOOK&amp;history_days=7" in ranges
    assert '<strong aria-current="true">90 days</strong>' in ranges


@pytest.mark.django_db
def test_days_without_history_leave_gaps_and_followers_carry_on(staff_client, account_factory):
    account = account_factory()
    history(account, 30, skip=(3, 4, 5, 10))

    html = staff_client.get(change_url(account), {"history_days": 30}).content.decode()

    chart = chart_of(html)
    assert dots(chart, "Engagement") == dots(chart, "Reach") == 26
    # The follower total lasts until it changes: every day has one.
    assert dots(chart, "Followers") == 30
    assert table_rows(html) == 30 and html.count("<td>—</td>") == 8


@pytest.mark.django_db
def test_an_account_without_history_says_so(staff_client, account_factory):
    html = staff_client.get(change_url(account_factory())).content.decode()

    assert "No history yet" in html and "daily-chart" not in html


@pytest.mark.django_db
def test_syncs_events_and_audit_entries_are_shown_inline(staff_client, account_factory):
    account = account_factory()
    SyncRun.objects.create(
        social_account=account, sync_type="full", status=SyncStatus.FAILED, error="Rate limited"
    )
    event_of(
        account, platform_event_id="c-1", author_name="Jane Commenter", text="Love this product"
    )
    AuditLog.objects.create(
        organization=account.organization,
        action="social_account.token_refresh",
        target_type="SocialAccount",
        target_id=account.pk,
        details={"rotated": True},
    )

    html = staff_client.get(change_url(account)).content.decode()

    assert "Rate limited" in html
    events = re.search(r'<div class="module" id="webhook-events">.*?</div>', html, re.S).group(0)
    assert "Jane Commenter" in events and "Love this product" in events
    assert f"/webhooks/webhookreceipt/?social_account__id__exact={account.pk}" in events
    audit = re.search(r'<div class="module" id="audit-entries">.*?</div>', html, re.S).group(0)
    assert "social_account.token_refresh" in audit


@pytest.mark.django_db
def test_the_webhook_links_really_filter_by_account(staff_client, account_factory):
    account, other = account_factory(), account_factory()
    for owner, author in ((account, "Mine"), (other, "Theirs")):
        event_of(owner, platform_event_id=f"c-{author}", author_name=author)

    html = staff_client.get(
        reverse("admin:webhooks_socialevent_changelist"),
        {"social_account__id__exact": account.pk},
    ).content.decode()

    assert "Mine" in html and "Theirs" not in html


@pytest.mark.django_db
def test_what_users_wrote_is_escaped_and_no_secret_is_shown(staff_client, account_factory):
    hostile = "<script>alert('page')</script>"
    account = account_factory(
        platform_user_name=hostile,
        access_token="EAAB-never-on-the-page",
        refresh_token="EAAK-never-either",
    )
    WebhookSubscription.objects.create(
        social_account=account,
        webhook_url="https://api.example.com/webhooks/facebook/x",
        verify_token="verify-token-never-shown",
        hub_secret="hub-secret-never-shown",
    )
    event_of(account, platform_event_id="c-1", author_name=hostile, text=hostile)
    history(account, 10)

    html = staff_client.get(change_url(account)).content.decode()

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in chart_of(html)
    for secret in ("EAAB-never", "EAAK-never", "verify-token-never", "hub-secret-never"):
        assert secret not in html


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_a_week_or_a_year(
    staff_client, account_factory, django_assert_max_num_queries
):
    account = account_factory()
    history(account, 366)
    staff_client.get(change_url(account))  # sessions and content types are cached after

    with django_assert_max_num_queries(12):
        week = staff_client.get(change_url(account), {"history_days": 7})
    with django_assert_max_num_queries(12):
        year = staff_client.get(change_url(account), {"history_days": 366})

    assert week.status_code == year.status_code == 200
