"""A sync whose worker was lost is taken over by the task delivered again, and carried out once;
a sync whose worker is alive (its heartbeat fresh) never is."""

import json
from datetime import datetime, timedelta
from unittest import mock

import pytest
import responses
import time_machine

from accounts.models import SocialAccount
from accounts.platforms.tests.support import load_fixture
from analytics import services
from analytics.models import Post, SyncRun, SyncStatus
from analytics.services import sync_run_execute
from analytics.tasks import sync_on_schedule
from analytics.tests.conftest import NOW, USER_INFO, VIDEO_LIST

pytestmark = pytest.mark.django_db


def claimed_run(account, claimed_at: datetime | None, **fields) -> SyncRun:
    run = SyncRun.objects.create(social_account=account, sync_type="full")
    SyncRun.objects.filter(pk=run.pk).update(claimed_at=claimed_at, **fields)
    return SyncRun.objects.get(pk=run.pk)


def heartbeat_aged(settings, seconds_past_timeout: float) -> datetime:
    return NOW - timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS + seconds_past_timeout)


def another_worker_takes_over(run_id: str) -> None:
    SyncRun.objects.filter(pk=run_id).update(claimed_at=NOW + timedelta(seconds=1))


def test_a_run_whose_heartbeat_stopped_is_taken_over_and_carried_out_once(
    tiktok_account, tiktok_profile_and_videos, platforms, settings
):
    # The lost worker had stored two posts and counted them.
    lost = heartbeat_aged(settings, 1)
    run = claimed_run(tiktok_account, lost, posts_synced=2, engagement_synced=10)
    tiktok_profile_and_videos()

    taken_over = sync_run_execute(run_id=run.pk)
    calls_made = len(platforms.calls)
    delivered_again = sync_run_execute(run_id=run.pk)

    assert (taken_over.status, taken_over.posts_synced) == (SyncStatus.SUCCEEDED, 3)
    assert taken_over.claimed_at == NOW
    assert delivered_again.status == SyncStatus.SUCCEEDED
    assert len(platforms.calls) == calls_made  # the second delivery called nobody
    assert Post.objects.filter(social_account=tiktok_account).count() == 3


def test_a_run_whose_heartbeat_is_recent_is_left_to_its_worker(tiktok_account, platforms, settings):
    alive = heartbeat_aged(settings, -1)
    run = claimed_run(tiktok_account, alive)

    again = sync_run_execute(run_id=run.pk)

    assert (again.status, again.claimed_at) == (SyncStatus.RUNNING, alive)
    assert len(platforms.calls) == 0


def test_of_two_deliveries_taking_over_at_once_only_one_claims_the_run(tiktok_account, settings):
    run = claimed_run(tiktok_account, heartbeat_aged(settings, 1))
    # Both read the stale claim before either writes.
    first, second = SyncRun.objects.get(pk=run.pk), SyncRun.objects.get(pk=run.pk)

    assert services._claim(first) is True
    assert services._claim(second) is False
    assert SyncRun.objects.get(pk=run.pk).claimed_at == first.claimed_at


def test_a_worker_whose_run_was_taken_over_stops_at_its_next_heartbeat(
    tiktok_account, platforms, settings
):
    settings.SYNC_BATCH_SIZE = 2  # the first page's two videos are one written batch
    run = claimed_run(tiktok_account, None)
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))

    def first_page_then_lose_the_claim(request):
        another_worker_takes_over(run.pk)
        return 200, {}, json_of("video_list_first")

    platforms.add_callback(responses.POST, VIDEO_LIST, callback=first_page_then_lose_the_claim)

    stopped = sync_run_execute(run_id=run.pk)

    # It fetched no further page, and left the run to the worker that has it.
    assert len(platforms.calls) == 2
    assert (stopped.status, stopped.posts_synced) == (SyncStatus.RUNNING, 0)
    assert stopped.claimed_at == NOW + timedelta(seconds=1)


def test_a_worker_whose_run_was_taken_over_after_its_last_heartbeat_writes_no_outcome(
    tiktok_account, tiktok_profile_and_videos, settings
):
    run = claimed_run(tiktok_account, None)
    tiktok_profile_and_videos()
    beat = services._beat

    def beat_then_lose_the_claim(beating_run, **progress):
        beat(beating_run, **progress)
        if not progress:  # the heartbeat at the end of a page: the last one before the outcome
            another_worker_takes_over(beating_run.pk)

    with mock.patch.object(services, "_beat", side_effect=beat_then_lose_the_claim):
        stopped = sync_run_execute(run_id=run.pk)

    assert stopped.status == SyncStatus.RUNNING
    assert stopped.finished_at is None
    assert SocialAccount.objects.get(pk=tiktok_account.pk).last_sync_at is None


def test_a_worker_whose_run_was_taken_over_before_it_failed_writes_no_failure(
    tiktok_account, platforms, settings
):
    settings.PLATFORM_HTTP_MAX_RETRIES = 0
    run = claimed_run(tiktok_account, None)

    def lose_the_claim_then_fail(request):
        another_worker_takes_over(run.pk)
        return 503, {}, "{}"

    platforms.add_callback(responses.GET, USER_INFO, callback=lose_the_claim_then_fail)

    stopped = sync_run_execute(run_id=run.pk)

    assert (stopped.status, stopped.error_status) == (SyncStatus.RUNNING, None)


def test_a_slow_platform_page_ends_the_batch_so_the_heartbeat_still_beats(
    tiktok_account, platforms, settings
):
    """With batches far larger than the pages, posts are still written (and the heartbeat
    refreshed) once a heartbeat is due, rather than only when a batch fills."""
    settings.SYNC_BATCH_SIZE = 500
    run = claimed_run(tiktok_account, None)
    heartbeat_interval = settings.SYNC_CLAIM_TIMEOUT_SECONDS / services.HEARTBEATS_PER_CLAIM_TIMEOUT
    seen_at_third_page = {}

    with time_machine.travel(NOW, tick=False) as clock:

        def slow_second_page(request):
            clock.shift(timedelta(seconds=heartbeat_interval))
            return 200, {}, json_of("video_list_last", has_more=True)

        def third_page(request):
            seen_at_third_page.update(
                SyncRun.objects.filter(pk=run.pk).values("posts_synced", "claimed_at").get()
            )
            return 200, {}, json_of("video_list_last", videos=[])

        platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
        platforms.post(VIDEO_LIST, json=load_fixture("tiktok", "video_list_first"))
        platforms.add_callback(responses.POST, VIDEO_LIST, callback=slow_second_page)
        platforms.add_callback(responses.POST, VIDEO_LIST, callback=third_page)

        finished = sync_run_execute(run_id=run.pk)

    assert finished.status == SyncStatus.SUCCEEDED
    beat_at = NOW + timedelta(seconds=heartbeat_interval)
    assert seen_at_third_page == {"posts_synced": 3, "claimed_at": beat_at}


def json_of(case: str, **data) -> str:
    """A documented List Videos answer, with some of its `data` replaced."""
    answer = load_fixture("tiktok", case)
    return json.dumps({**answer, "data": {**answer["data"], **data}})


def test_a_scheduled_sync_delivered_again_takes_over_its_lost_run(
    tiktok_account, tiktok_profile_and_videos, settings
):
    lost = claimed_run(tiktok_account, heartbeat_aged(settings, 1), sync_type="incremental")
    tiktok_profile_and_videos()

    assert sync_on_schedule.apply(args=[tiktok_account.pk]).get() == SyncStatus.SUCCEEDED

    assert SyncRun.objects.get().pk == lost.pk
    assert Post.objects.filter(social_account=tiktok_account).count() == 3


def test_a_scheduled_sync_leaves_a_live_run_to_its_worker(tiktok_account, platforms, settings):
    alive = claimed_run(tiktok_account, heartbeat_aged(settings, -1))

    assert sync_on_schedule.apply(args=[tiktok_account.pk]).get() == "already_running"

    assert SyncRun.objects.get().pk == alive.pk
    assert len(platforms.calls) == 0


@pytest.mark.parametrize(
    ("heartbeat_age", "taken_for_lost"),
    [(None, True), ("fresh", False), ("stale", True)],
)
def test_a_run_is_taken_for_lost_by_its_last_sign_of_life(
    api, tiktok_account, settings, heartbeat_age, taken_for_lost
):
    stale = timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS + 60)
    heartbeat = {None: None, "fresh": NOW - timedelta(seconds=1), "stale": NOW - stale}
    run = claimed_run(tiktok_account, heartbeat[heartbeat_age], started_at=NOW - stale)
    settings.SYNC_WAIT_SECONDS = 0

    with mock.patch.object(services, "_hand_to_worker"):
        response = api.post(f"/social/accounts/{tiktok_account.pk}/sync", format="json")

    assert response.status_code == 202
    assert SyncRun.objects.get(pk=run.pk).status == (
        SyncStatus.FAILED if taken_for_lost else SyncStatus.RUNNING
    )
    assert (response.json()["syncRun"]["id"] == run.pk) is not taken_for_lost
