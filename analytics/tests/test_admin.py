"""Staff see each account's pages, sync runs and daily history, start syncs and find the
accounts whose last sync failed."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.models import SocialPage
from accounts.tests.clients import change_url
from analytics.models import DailyMetric, SyncRun, SyncStatus
from vchata_social.tests.private_services import forget_broker_connections, private_redis

ACCOUNTS = "/admin/accounts/socialaccount/"


@pytest.mark.django_db
def test_the_account_page_shows_its_pages_and_syncs_but_no_page_token(
    staff_client, account_factory
):
    account = account_factory()
    SocialPage.objects.create(
        social_account=account,
        platform_page_id="987654321",
        name="Acme Corporation",
        access_token="EAAPage-token-never-shown",
    )
    SyncRun.objects.create(
        social_account=account,
        sync_type="full",
        status=SyncStatus.FAILED,
        error="Social media platform temporarily unavailable",
    )

    html = staff_client.get(change_url(account)).content.decode()

    assert "Acme Corporation" in html and "987654321" in html
    assert "Social media platform temporarily unavailable" in html
    assert f"/admin/analytics/syncrun/?social_account__id__exact={account.pk}" in html
    assert "EAAPage-token-never-shown" not in html


@pytest.mark.django_db
def test_sync_runs_and_daily_history_are_listed_read_only(staff_client, account_factory):
    account = account_factory()
    run = SyncRun.objects.create(social_account=account, sync_type="full")
    DailyMetric.objects.create(social_account=account, day=date(2025, 11, 18), followers=5120)

    runs = staff_client.get(f"/admin/analytics/syncrun/?social_account__id__exact={account.pk}")
    history = staff_client.get("/admin/analytics/dailymetric/")

    assert run.pk in runs.content.decode()
    assert "5120" in history.content.decode()
    assert staff_client.get("/admin/analytics/syncrun/add/").status_code == 403


@pytest.mark.django_db
def test_staff_find_the_accounts_whose_last_sync_failed(staff_client, account_factory):
    failing, recovered, never = (account_factory() for _ in range(3))
    SyncRun.objects.create(social_account=failing, sync_type="full", status=SyncStatus.FAILED)
    SyncRun.objects.create(social_account=recovered, sync_type="full", status=SyncStatus.FAILED)
    newer = SyncRun.objects.create(
        social_account=recovered, sync_type="incremental", status=SyncStatus.SUCCEEDED
    )
    SyncRun.objects.filter(pk=newer.pk).update(started_at="2099-01-01T00:00:00Z")

    html = staff_client.get(f"{ACCOUNTS}?last_sync=failed").content.decode()

    assert failing.pk in html
    assert recovered.pk not in html and never.pk not in html


@pytest.mark.django_db(transaction=True)
def test_staff_start_a_sync_from_the_account_list(
    staff_client, account_factory, tiktok_profile_and_videos
):
    account = account_factory(platform="TIKTOK")
    tiktok_profile_and_videos()

    response = staff_client.post(
        ACCOUNTS, {"action": "sync_accounts", "_selected_action": [account.pk]}, follow=True
    )

    assert "Sync started: 1 account(s)." in response.content.decode()
    run = SyncRun.objects.get(social_account=account)
    assert (run.sync_type, run.status, run.posts_synced) == ("incremental", "SUCCEEDED", 3)


@pytest.mark.django_db(transaction=True)
def test_a_sync_started_from_the_admin_with_the_broker_unreachable_shows_why(
    staff_client, account_factory, settings
):
    account = account_factory(platform="TIKTOK")
    with private_redis() as broker:
        settings.CELERY_BROKER_URL = broker.url()
        settings.CELERY_TASK_ALWAYS_EAGER = False
        forget_broker_connections()
        broker.stop()
        try:
            response = staff_client.post(
                ACCOUNTS, {"action": "sync_accounts", "_selected_action": [account.pk]}, follow=True
            )
        finally:
            forget_broker_connections()

    assert response.status_code == 200
    assert "The sync could not be started; try again shortly" in response.content.decode()
    run = SyncRun.objects.get(social_account=account)
    assert (run.status, run.error_status) == (SyncStatus.FAILED, 503)


@pytest.mark.django_db
def test_a_sync_asked_while_one_runs_leaves_it_to_finish_and_says_so(staff_client, account_factory):
    account = account_factory(platform="TIKTOK")
    running = SyncRun.objects.create(social_account=account, sync_type="full")
    SyncRun.objects.filter(pk=running.pk).update(claimed_at=timezone.now())

    response = staff_client.post(
        ACCOUNTS, {"action": "sync_accounts", "_selected_action": [account.pk]}, follow=True
    )

    assert [str(notice) for notice in response.context["messages"]] == [
        "A sync was already running, left to finish: 1 account(s)."
    ]
    assert SyncRun.objects.filter(social_account=account).count() == 1
