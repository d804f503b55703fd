"""A worker killed in the middle of a sync: the broker delivers the task again, and the next
worker takes the run over and finishes it, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.platforms.tests.support import load_fixture
from accounts.tests.standin import StallOnce, standin_platform
from accounts.tests.worker import start_worker, stop_worker, wait_for
from analytics.models import Post, SyncRun, SyncStatus

# Both short, so that the task is delivered again, and the run taken over, within seconds.
VISIBILITY_TIMEOUT_SECONDS = 1
CLAIM_TIMEOUT_SECONDS = 1


@pytest.fixture(autouse=True)
def _now():
    """Real time here: the workers, other processes, keep the real clock."""
    yield


def video_pages(stalled_last_page: StallOnce):
    """TikTok's two pages of videos; the second (asked for with the first's cursor) stalls
    the first time."""
    first_page = load_fixture("tiktok", "video_list_first")

    def answer(request_body: dict) -> dict:
        return stalled_last_page(request_body) if "cursor" in request_body else first_page

    return answer


def heartbeat_is_older_than(run_id: str, seconds: float) -> bool:
    claimed_at = SyncRun.objects.get(pk=run_id).claimed_at
    return timezone.now() - claimed_at > timedelta(seconds=seconds)


def start_tiktok_worker(broker_url: str, platform_url: str):
    return start_worker(
        broker_url,
        SOCIAL_TIKTOK_API_URL=platform_url,
        SOCIAL_TIKTOK_CLIENT_ID="tiktok-client-key",
        SOCIAL_TIKTOK_CLIENT_SECRET="tiktok-client-secret",
        SYNC_BATCH_SIZE="2",  # the first page's two videos are written before the stall
        CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT_SECONDS),
        SYNC_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT_SECONDS),
    )


@pytest.mark.django_db(transaction=True)
def test_a_sync_whose_worker_is_killed_is_finished_once_by_the_next_worker(
    api, account_factory, queued_to_own_broker
):
    account = account_factory(platform="TIKTOK")
    stall = StallOnce(load_fixture("tiktok", "video_list_last"))
    routes = {
        ("GET", "/v2/user/info/"): load_fixture("tiktok", "user_info_page"),
        ("POST", "/v2/video/list/"): video_pages(stall),
    }
    workers = []

    with standin_platform(routes) as (platform_url, _calls):
        try:
            workers.append(start_tiktok_worker(queued_to_own_broker, platform_url))
            answer = api.post(
                f"/social/accounts/{account.pk}/sync", {"syncType": "full"}, format="json"
            )
            run_id = answer.json()["syncRun"]["id"]
            assert stall.stalled.wait(20), "the first worker never reached the second page"
            posts_before_the_kill = SyncRun.objects.get(pk=run_id).posts_synced
            workers[0].kill()  # SIGKILL: no warm shutdown gives the task back
            workers[0].wait(10)
            # Once the dead worker's heartbeat (and so its task's delivery) is older than the
            # timeouts, a new worker's start delivers the task again and takes the run over.
            assert wait_for(lambda: heartbeat_is_older_than(run_id, CLAIM_TIMEOUT_SECONDS), 5)
            workers.append(start_tiktok_worker(queued_to_own_broker, platform_url))
            done = wait_for(lambda: SyncRun.objects.get(pk=run_id).status != "RUNNING", 20)
        finally:
            stall.release.set()
            outputs = [stop_worker(worker) for worker in workers]

    assert answer.status_code == 202
    assert posts_before_the_kill == 2
    assert done, outputs
    run = SyncRun.objects.get(pk=run_id)
    assert (run.status, run.posts_synced) == (SyncStatus.SUCCEEDED, 3)
    assert SyncRun.objects.filter(social_account=account).count() == 1
    assert Post.objects.filter(social_account=account).count() == 3
