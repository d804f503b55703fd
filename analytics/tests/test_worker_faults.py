"""Faults under a real Celery worker: a platform answering too slowly."""

import json
import time
from http.server import BaseHTTPRequestHandler

import pytest

from accounts.platforms.tests.support import load_fixture
from accounts.tests.standin import serving
from accounts.tests.worker import start_worker, stop_worker, wait_for
from analytics.models import SyncRun, SyncStatus

READ_TIMEOUT_SECONDS = 1
SLOW_TOKEN = "act.answered-slowly"
ANSWERS = {
    ("GET", "/v2/user/info/"): load_fixture("tiktok", "user_info_page"),
    ("POST", "/v2/video/list/"): load_fixture("tiktok", "video_list_last"),
}


@pytest.fixture(autouse=True)
def _now():
    """Real time here: the worker, another process, keeps the real clock."""
    yield


class SlowForOneTokenHandler(BaseHTTPRequestHandler):
    """TikTok's answers; three times the read timeout late for the SLOW_TOKEN account."""

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if SLOW_TOKEN in self.headers.get("Authorization", ""):
            time.sleep(3 * READ_TIMEOUT_SECONDS)
        payload = json.dumps(ANSWERS[(self.command, self.path.split("?", 1)[0])]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):  # keep test output quiet
        pass


def sync_url(account) -> str:
    return f"/social/accounts/{account.pk}/sync"


def finished(run_id: str) -> bool:
    return SyncRun.objects.get(pk=run_id).status != SyncStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_slow_platform_fails_its_sync_at_the_timeout_and_frees_the_worker(
    api, account_factory, queued_to_own_broker
):
    slow = account_factory(platform="TIKTOK", access_token=SLOW_TOKEN)
    fast = account_factory(platform="TIKTOK")

    with serving(SlowForOneTokenHandler) as platform_url:
        worker = start_worker(
            queued_to_own_broker,
            SOCIAL_TIKTOK_API_URL=platform_url,
            PLATFORM_HTTP_READ_TIMEOUT=str(READ_TIMEOUT_SECONDS),
            PLATFORM_HTTP_MAX_RETRIES="0",
            SOCIAL_TIKTOK_CLIENT_ID="tiktok-client-key",
            SOCIAL_TIKTOK_CLIENT_SECRET="tiktok-client-secret",
        )
        try:
            answers = [
                api.post(sync_url(account), {"syncType": "full"}, format="json")
                for account in (slow, fast)
            ]
            run_ids = [answer.json()["syncRun"]["id"] for answer in answers]
            both_finished = wait_for(lambda: all(map(finished, run_ids)), seconds=25)
        finally:
            output = stop_worker(worker)

    assert both_finished, output
    slow_run, fast_run = (SyncRun.objects.get(pk=run_id) for run_id in run_ids)
    assert (slow_run.status, slow_run.error_status) == (SyncStatus.FAILED, 502)
    assert (slow_run.finished_at - slow_run.claimed_at).total_seconds() < 3 * READ_TIMEOUT_SECONDS
    assert fast_run.status == SyncStatus.SUCCEEDED
