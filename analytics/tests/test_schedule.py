"""The beat entries: scheduled syncs of every active account, and the history clean-up."""

from datetime import date, timedelta

import pytest
from celery.exceptions import Retry

from accounts.models import AccountStatus
from accounts.platforms.tests.support import load_fixture
from analytics.models import DailyMetric, SyncRun, SyncStatus
from analytics.tasks import (
    delete_expired_history,
    enqueue_scheduled_syncs,
    spread_over,
    sync_on_schedule,
)
from analytics.tests.conftest import USER_INFO, VIDEO_LIST
from vchata_social.tests.private_services import free_port


def test_syncs_are_spread_evenly_over_the_interval_within_each_platform():
    plan = spread_over(3600, {"TIKTOK": ["t1", "t2", "t3"], "YOUTUBE": ["y1", "y2"]})

    assert plan == [("t1", 0), ("t2", 1200), ("t3", 2400), ("y1", 0), ("y2", 1800)]


@pytest.mark.django_db
def test_every_active_account_is_synced_and_the_others_skipped(
    account_factory, tiktok_profile_and_videos
):
    synced = [account_factory(platform="TIKTOK") for _ in range(2)]
    account_factory(platform="TIKTOK", status=AccountStatus.REAUTH_REQUIRED)
    account_factory(platform="TIKTOK", is_active=False)
    account_factory(platform="TIKTOK", disconnected_at="2025-11-01T00:00:00Z")
    tiktok_profile_and_videos()
    tiktok_profile_and_videos()

    assert enqueue_scheduled_syncs.apply().get() == 2

    runs = SyncRun.objects.all()
    assert sorted(run.social_account_id for run in runs) == sorted(a.pk for a in synced)
    assert {(run.sync_type, run.status) for run in runs} == {("incremental", "SUCCEEDED")}


@pytest.mark.django_db
def test_a_transient_failure_is_retried_later_as_a_new_run(tiktok_account, platforms):
    for _attempt in range(4):  # the first try and every retry of the HTTP layer
        platforms.get(USER_INFO, status=503)

    with pytest.raises(Retry) as retry:
        sync_on_schedule.apply(args=[tiktok_account.pk], throw=True)

    assert 30 <= retry.value.when <= 60  # backoff between half and all of a minute
    failed = SyncRun.objects.get()
    assert (failed.status, failed.error_status) == (SyncStatus.FAILED, 502)

    # The retry, when it is delivered, syncs again in a run of its own.
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(VIDEO_LIST, json=load_fixture("tiktok", "video_list_first"))
    platforms.post(VIDEO_LIST, json=load_fixture("tiktok", "video_list_last"))
    assert sync_on_schedule.apply(args=[tiktok_account.pk]).get() == SyncStatus.SUCCEEDED
    assert SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).count() == 1


@pytest.mark.django_db
def test_an_account_waiting_for_reconnection_is_skipped(tiktok_account):
    tiktok_account.status = AccountStatus.REAUTH_REQUIRED
    tiktok_account.save()

    assert sync_on_schedule.apply(args=[tiktok_account.pk]).get() == "skipped"
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_history_older_than_the_retention_is_deleted(tiktok_account, settings):
    settings.METRICS_RETENTION_DAYS = 730
    today = date(2025, 11, 19)
    kept = today - timedelta(days=730)
    for day in (kept - timedelta(days=1), kept, today):
        DailyMetric.objects.create(social_account=tiktok_account, day=day)

    assert delete_expired_history.apply().get() == 1
    assert sorted(DailyMetric.objects.values_list("day", flat=True)) == [kept, today]


@pytest.mark.django_db
def test_a_sync_refused_while_redis_is_unreachable_is_retried_later(
    tiktok_account, platforms, settings
):
    # Nothing listens there: the platform call budget cannot be counted, so no call is made.
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": unreachable,
        }
    }

    with pytest.raises(Retry):
        sync_on_schedule.apply(args=[tiktok_account.pk], throw=True)

    failed = SyncRun.objects.get()
    assert (failed.status, failed.error_status) == (SyncStatus.FAILED, 503)
    assert len(platforms.calls) == 0
