import copy
from datetime import UTC, datetime

import pytest
import time_machine

from accounts.platforms.tests.support import load_fixture
from vchata_social.tests.private_services import forget_broker_connections, private_redis

# The day after the newest video of the TikTok fixtures was published.
NOW = datetime(2025, 11, 19, 12, 0, tzinfo=UTC)
TIKTOK_API = "https://open.tiktokapis.com"
USER_INFO = f"{TIKTOK_API}/v2/user/info/"
VIDEO_LIST = f"{TIKTOK_API}/v2/video/list/"


@pytest.fixture(autouse=True)
def _now():
    """Before every other fixture, so that the API's tokens are issued at this time too."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tiktok_account(account_factory):
    return account_factory(platform="TIKTOK", platform_user_id="723f24d7")


def tiktok_videos(case: str, **like_counts: int) -> dict:
    """A documented List Videos answer, with some like counts changed."""
    answer = copy.deepcopy(load_fixture("tiktok", case))
    for video in answer["data"]["videos"]:
        video["like_count"] = like_counts.get(f"v{video['id']}", video["like_count"])
    return answer


@pytest.fixture
def tiktok_profile_and_videos(platforms):
    """The profile, then two pages of videos (three videos in all)."""

    def answer(**like_counts: int):
        platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
        platforms.post(VIDEO_LIST, json=tiktok_videos("video_list_first", **like_counts))
        platforms.post(VIDEO_LIST, json=tiktok_videos("video_list_last", **like_counts))

    return answer


@pytest.fixture
def queued_to_own_broker(settings):
    """Tasks go to a private Redis, for the workers of this test only: their short visibility
    timeout would otherwise deliver other tests' tasks again."""
    with private_redis() as broker:
        settings.CELERY_BROKER_URL = broker.url()
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.SYNC_WAIT_SECONDS = 0  # answer at once: the worker has the run
        forget_broker_connections()
        try:
            yield broker.url()
        finally:
            forget_broker_connections()
