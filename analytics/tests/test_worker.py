"""A real Celery worker, fed through Redis, carries out a sync that the API answered 202."""

import pytest
from django.conf import settings as django_settings

from accounts.platforms.tests.support import load_fixture
from accounts.tests.standin import standin_platform
from accounts.tests.worker import start_worker, stop_worker, wait_for


@pytest.fixture(autouse=True)
def _now():
    """Real time here: the worker, another process, keeps the real clock."""
    yield


@pytest.mark.django_db(transaction=True)
def test_a_worker_carries_out_a_sync_the_api_handed_over(api, account_factory, settings):
    account = account_factory(platform="TIKTOK")
    settings.SYNC_WAIT_SECONDS = 0  # answer at once: the worker has the run
    settings.CELERY_TASK_ALWAYS_EAGER = False
    routes = {
        ("GET", "/v2/user/info/"): load_fixture("tiktok", "user_info_page"),
        ("POST", "/v2/video/list/"): load_fixture("tiktok", "video_list_last"),
    }

    with standin_platform(routes) as (platform_url, calls):
        worker = start_worker(
            django_settings.CELERY_BROKER_URL,
            SOCIAL_TIKTOK_API_URL=platform_url,
            SOCIAL_TIKTOK_CLIENT_ID="tiktok-client-key",
            SOCIAL_TIKTOK_CLIENT_SECRET="tiktok-client-secret",
        )
        try:
            response = api.post(
                f"/social/accounts/{account.pk}/sync", {"syncType": "full"}, format="json"
            )
            status_path = response.json()["statusUrl"].removeprefix("http://testserver")
            finished = wait_for(
                lambda: api.get(status_path).json()["syncRun"]["status"] != "RUNNING",
                seconds=60,
            )
        finally:
            output = stop_worker(worker)

    assert response.status_code == 202
    assert finished, output
    run = api.get(status_path).json()["syncRun"]
    assert (run["status"], run["postsSynced"], run["followersSynced"]) == ("SUCCEEDED", 1, 5120)
    assert calls == [("GET", "/v2/user/info/"), ("POST", "/v2/video/list/")]
