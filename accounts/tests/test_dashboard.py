"""The staff dashboard: staff only; every count links to a list showing exactly what it
counted; success rates over a day and a week; the schedule's last runs; a fixed number of
queries whatever the number of accounts; no secret."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountStatus, AuditLog
from analytics.models import SyncRun, SyncStatus
from webhooks.models import (
    Delivery,
    DeliveryStatus,
    NotificationEndpoint,
    ReceiptStatus,
    WebhookReceipt,
)

DASHBOARD = "admin:accounts_socialaccount_dashboard"


def dashboard(client) -> str:
    response = client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    return response.content.decode()


def attention_link(html: str, key: str) -> tuple[str, int]:
    """The link of one "needing attention" row, and the count beside it."""
    match = re.search(
        rf'id="attention-{key}" href="([^"]+)">[^<]*</a></th>\s*<td class="count">(\d+)</td>',
        html,
    )
    assert match, key
    return unescape(match.group(1)), int(match.group(2))


def listed_ids(client, url: str, prefix: str = "social_") -> set[str]:
    response = client.get(url)
    # 200, not the redirect to ?e=1 the admin answers a lookup it does not allow.
    assert response.status_code == 200, url
    rows = re.findall(
        r'<input type="checkbox" name="_selected_action" value="([^"]+)"', response.content.decode()
    )
    return {row for row in rows if row.startswith(prefix)}


def staff_member(*permissions: str) -> Client:
    clerk = get_user_model().objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(clerk)
    return client


@pytest.mark.django_db
def test_only_staff_see_the_dashboard(staff_client):
    url = reverse(DASHBOARD)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous.url
    member = get_user_model().objects.create_user("member", password="pw-member-1")
    not_staff = Client()
    not_staff.force_login(member)
    assert not_staff.get(url).status_code == 302

    assert staff_member().get(url).status_code == 403

    index = staff_client.get(reverse("admin:index")).content.decode()
    assert f'id="dashboard-link" href="{url}"' in index


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def troubled(account_factory):
    """One account for each reason to look at, and healthy look-alikes that must not count."""
    accounts = {
        "reauth_required": account_factory(status=AccountStatus.REAUTH_REQUIRED),
        "expiring_without_refresh": account_factory(
            platform="TWITTER", refresh_token=None, token_expires_at=in_days(3)
        ),
        "expired_beyond_extension": account_factory(
            platform="INSTAGRAM", token_expires_at=in_days(-1)
        ),
        "refresh_token_dying": account_factory(
            platform="LINKEDIN", refresh_token_expires_at=in_days(20)
        ),
        "last_sync_failed": account_factory(platform="TIKTOK"),
        "webhook_dead_letters": account_factory(platform="FACEBOOK"),
        # Healthy: a refresh token to renew with; a token still extendable; a refresh token
        # with months to go; a sync that failed then succeeded; disconnected.
        "healthy_refreshable": account_factory(platform="TWITTER", token_expires_at=in_days(3)),
        "healthy_extendable": account_factory(
            platform="FACEBOOK", refresh_token=None, token_expires_at=in_days(3)
        ),
        "healthy_refresh_token": account_factory(
            platform="LINKEDIN", refresh_token_expires_at=in_days(200)
        ),
        "healthy_recovered": account_factory(platform="TIKTOK"),
        "disconnected": account_factory(
            status=AccountStatus.REAUTH_REQUIRED, disconnected_at=timezone.now()
        ),
    }
    SyncRun.objects.create(
        social_account=accounts["last_sync_failed"], sync_type="full", status=SyncStatus.FAILED
    )
    failed = SyncRun.objects.create(
        social_account=accounts["healthy_recovered"], sync_type="full", status=SyncStatus.FAILED
    )
    SyncRun.objects.filter(pk=failed.pk).update(started_at=hours_ago(5))
    SyncRun.objects.create(
        social_account=accounts["healthy_recovered"], sync_type="full", status=SyncStatus.SUCCEEDED
    )
    for account, status in (
        (accounts["webhook_dead_letters"], ReceiptStatus.DEAD),
        (accounts["healthy_extendable"], ReceiptStatus.PROCESSED),
    ):
        WebhookReceipt.objects.create(
            social_account=account,
            platform=account.platform,
            event_key=f"key-{status}",
            payload="{}",
            status=status,
        )
    return accounts


EXPECTED = {
    "reauth_required": {"reauth_required"},
    "expiring_without_refresh": {"expiring_without_refresh", "expired_beyond_extension"},
    "refresh_token_dying": {"refresh_token_dying"},
    "last_sync_failed": {"last_sync_failed"},
    "webhook_dead_letters": {"webhook_dead_letters"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("reason", sorted(EXPECTED))
def test_each_reason_counts_its_accounts_and_links_to_exactly_them(staff_client, troubled, reason):
    url, count = attention_link(dashboard(staff_client), reason)

    expected = {troubled[name].pk for name in EXPECTED[reason]}
    assert count == len(expected)
    assert listed_ids(staff_client, url) == expected


@pytest.mark.django_db
def test_failing_notification_deliveries_are_counted_and_linked(staff_client, organization):
    endpoint = NotificationEndpoint.objects.create(
        organization=organization,
        url="https://product.example.com/hooks",
        event_types=["sync.failed"],
        secret="whsec_dashboard_never_shows",
    )
    deliveries = {
        status: Delivery.objects.create(
            endpoint=endpoint,
            event_id=f"event_{status}",
            event_type="sync.failed",
            body="{}",
            status=status,
        )
        for status in DeliveryStatus.values
    }

    html = dashboard(staff_client)
    url, count = attention_link(html, "deliveries_failing")

    assert count == 2
    assert listed_ids(staff_client, url, prefix="delivery_") == {
        deliveries[DeliveryStatus.RETRYING].pk,
        deliveries[DeliveryStatus.DEAD].pk,
    }
    assert "whsec_dashboard_never_shows" not in html


@pytest.mark.django_db
def test_staff_who_may_not_see_deliveries_are_not_told_of_them():
    html = dashboard(staff_member("view_socialaccount"))

    assert 'id="attention-reauth_required"' in html
    assert "deliveries_failing" not in html


@pytest.mark.django_db
def test_accounts_are_counted_by_platform_and_status_with_links(staff_client, account_factory):
    active = {account_factory(platform="FACEBOOK").pk for _ in range(2)}
    waiting = account_factory(platform="FACEBOOK", status=AccountStatus.REAUTH_REQUIRED).pk
    gone = account_factory(platform="FACEBOOK", disconnected_at=timezone.now()).pk
    account_factory(platform="TIKTOK")

    html = dashboard(staff_client)

    row = re.search(r'<tr id="platform-FACEBOOK">(.*?)</tr>', html, re.S).group(1)
    cells = {
        name: (unescape(url), int(count))
        for name, url, count in re.findall(
            r'<td class="(\w+)"><a href="([^"]+)">(\d+)</a></td>', row
        )
    }
    assert {name: count for name, (_, count) in cells.items()} == {
        "active": 2,
        "reauth_required": 1,
        "disconnected": 1,
    }
    assert listed_ids(staff_client, cells["active"][0]) == active
    assert listed_ids(staff_client, cells["reauth_required"][0]) == {waiting}
    assert listed_ids(staff_client, cells["disconnected"][0]) == {gone}
    youtube = re.search(r'<tr id="platform-YOUTUBE">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r">(\d+)</a>", youtube) == ["0", "0", "0"]


def audited(account, action: str, hours: float) -> None:
    entry = AuditLog.objects.create(
        organization=account.organization,
        action=action,
        target_type="SocialAccount",
        target_id=account.pk,
    )
    AuditLog.objects.filter(pk=entry.pk).update(created_at=hours_ago(hours))


def synced(account, status: str, hours: float) -> None:
    run = SyncRun.objects.create(social_account=account, sync_type="incremental", status=status)
    SyncRun.objects.filter(pk=run.pk).update(started_at=hours_ago(hours))


@pytest.mark.django_db
def test_success_rates_over_the_last_day_and_week(staff_client, account_factory):
    accounts = [account_factory(platform="TIKTOK") for _ in range(4)]
    for hours, action in (
        (1, "social_account.token_refresh"),
        (2, "social_account.token_refresh"),
        (3, "social_account.token_refresh"),
        (4, "social_account.token_refresh_failed"),
        (72, "social_account.token_refresh"),
        (200, "social_account.reauth_required"),  # older than a week
    ):
        audited(accounts[int(hours) % 4], action, hours)
    for index, (hours, status) in enumerate(
        (
            (1, SyncStatus.SUCCEEDED),
            (2, SyncStatus.FAILED),
            (100, SyncStatus.SUCCEEDED),
            (120, SyncStatus.SUCCEEDED),
            (300, SyncStatus.FAILED),  # older than a week
        )
    ):
        synced(accounts[index % 4], status, hours)
    SyncRun.objects.create(social_account=accounts[3], sync_type="full")  # running: neither

    html = dashboard(staff_client)

    rates = re.search(r'<div class="module" id="success-rates">.*?</table>', html, re.S).group(0)
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="last-day">([^<]+)</td>\s*'
        r'<td class="last-week">([^<]+)</td>',
        rates,
    )
    assert rows == [
        ("Token refresh", "75.0% (3 of 4)", "80.0% (4 of 5)"),
        ("Sync", "50.0% (1 of 2)", "75.0% (3 of 4)"),
    ]


@pytest.mark.django_db
def test_rates_without_attempts_say_so(staff_client):
    html = dashboard(staff_client)

    assert html.count("none attempted") == 4


def populate(account_factory, count: int) -> None:
    """`count` accounts in every state the dashboard looks at."""
    for index in range(count):
        account = account_factory(
            platform=("TIKTOK", "FACEBOOK", "LINKEDIN")[index % 3],
            status=(AccountStatus.ACTIVE, AccountStatus.REAUTH_REQUIRED)[index % 2],
            token_expires_at=in_days(index % 10),
            refresh_token_expires_at=in_days(index % 40),
        )
        synced(account, (SyncStatus.FAILED, SyncStatus.SUCCEEDED)[index % 2], index % 48)
        audited(account, "social_account.token_refresh", index % 48)
        WebhookReceipt.objects.create(
            social_account=account,
            platform=account.platform,
            event_key=f"key-{index}",
            payload="{}",
            status=ReceiptStatus.DEAD,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("accounts", [3, 120])
def test_the_dashboard_costs_the_same_queries_for_few_or_many_accounts(
    staff_client, account_factory, django_assert_max_num_queries, accounts
):
    populate(account_factory, accounts)
    dashboard(staff_client)  # the session and content types, cached after

    with django_assert_max_num_queries(8):
        html = dashboard(staff_client)

    _, reauth = attention_link(html, "reauth_required")
    assert reauth == accounts // 2


@pytest.mark.django_db
def test_the_dashboard_shows_no_token(staff_client, account_factory):
    account_factory(access_token="EAAB-dashboard-hidden", refresh_token="EAAK-dashboard-hidden")

    assert "dashboard-hidden" not in dashboard(staff_client)
