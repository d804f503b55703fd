"""Redis stopped under a running service: no 500 anywhere, and everything back once it returns.

The test runs a redis-server of its own (cache, throttles, platform rate limits and the Celery
broker all point at it), so stopping it disturbs nothing else on the machine.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.platforms.tests.support import load_fixture
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from analytics.models import SyncRun, SyncStatus
from analytics.services import NOT_QUEUED
from vchata_social.tests.private_services import forget_broker_connections, private_redis
from vchata_social.throttling import PROCESS_LOCAL_COUNTS

TIKTOK_TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/"
SIGN_IN_LIMIT = 20  # AUTH_THROTTLE_RATE's default


@pytest.fixture
def own_redis(settings):
    """Cache and broker on a private Redis; tasks are queued, not run in-process."""
    with private_redis() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url(0),
            }
        }
        settings.CELERY_BROKER_URL = server.url(1)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.SYNC_WAIT_SECONDS = 0
        forget_broker_connections()
        PROCESS_LOCAL_COUNTS.clear()
        try:
            yield server
        finally:
            forget_broker_connections()
            PROCESS_LOCAL_COUNTS.clear()


def sign_in(username: str, password: str = TEST_PASSWORD):
    body = {"username": username, "password": password}
    return APIClient().post("/auth/token", body, format="json")


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    body = response.json()
    assert (body["success"], body["statusCode"], body["error"]) == (
        False,
        503,
        "Service Unavailable",
    )
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_with_redis_stopped_nothing_answers_500_and_all_recovers_when_it_returns(
    own_redis, api, admin_membership, account_factory, platforms, leak_watch
):
    account = account_factory(platform="TIKTOK", refresh_token="rft.outage")
    accounts_url = f"/social/accounts/{account.pk}"

    own_redis.stop()
    signed_in = sign_in(admin_membership.user.username)
    refreshed = APIClient().post(
        "/auth/token/refresh",
        {"refreshToken": signed_in.json()["tokens"]["refreshToken"]},
        format="json",
    )
    token_refresh = api.post(f"{accounts_url}/refresh-token", {}, format="json")
    validation = api.post(f"{accounts_url}/validate-token")
    sync = api.post(f"{accounts_url}/sync", {"syncType": "full"}, format="json")
    health = Client().get("/healthz")

    assert (signed_in.status_code, refreshed.status_code) == (200, 200)
    assert_unavailable(token_refresh)
    assert_unavailable(validation)
    assert_unavailable(sync)
    assert not platforms.calls  # no platform call was made without counting it
    assert SyncRun.objects.get(social_account=account).status == SyncStatus.FAILED
    assert SyncRun.objects.get(social_account=account).error == NOT_QUEUED
    assert (health.status_code, health.json()["checks"]["cache"]) == (503, "failing")

    own_redis.start()
    platforms.post(TIKTOK_TOKEN_URL, json=load_fixture("tiktok", "refresh_success"))
    token_refresh = api.post(f"{accounts_url}/refresh-token", {}, format="json")
    sync = api.post(f"{accounts_url}/sync", {"syncType": "full"}, format="json")
    health = Client().get("/healthz")

    assert token_refresh.status_code == 200, token_refresh.content
    assert sync.status_code == 202, sync.content
    assert (health.status_code, health.json()["checks"]["cache"]) == (200, "ok")


@pytest.mark.django_db
def test_with_redis_stopped_sign_in_is_still_throttled_in_each_process(own_redis, leak_watch):
    own_redis.stop()
    for attempt in range(SIGN_IN_LIMIT):
        assert sign_in(f"user-{attempt}", "wrong").status_code == 401
    throttled = sign_in("user-last", "wrong")

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0


ADMIN_LOGIN_LIMIT = 10  # ADMIN_LOGIN_THROTTLE_RATE's default


@pytest.mark.django_db
def test_with_redis_stopped_the_admin_login_works_and_is_still_throttled(own_redis, leak_watch):
    staff = UserFactory(username="operator", is_staff=True)
    own_redis.stop()
    signed_in = Client().post(
        "/admin/login/", {"username": staff.username, "password": TEST_PASSWORD}
    )
    assert signed_in.status_code == 302
    for attempt in range(ADMIN_LOGIN_LIMIT - 1):
        response = Client().post("/admin/login/", {"username": f"user-{attempt}", "password": "x"})
        assert response.status_code == 200
    throttled = Client().post("/admin/login/", {"username": "user-last", "password": "x"})
    assert throttled.status_code == 429
    assert "Too many sign-in attempts" in throttled.content.decode()
