"""What every platform's refresh must survive: rate limits, outages, timeouts, no app setup."""

import pytest
import requests

from accounts.platforms import get_client
from accounts.platforms.errors import PlatformRequestRejected, PlatformUnavailable
from accounts.platforms.tests.support import (
    PLATFORMS,
    REFRESH_CALLS,
    assert_no_secrets,
    load_fixture,
)

# Instagram's refresh needs only the user's token, not the app's credentials.
NEEDS_APP_CREDENTIALS = tuple(platform for platform in PLATFORMS if platform != "INSTAGRAM")


def answer(mocked, platform: str, **options) -> None:
    method, url = REFRESH_CALLS[platform]
    mocked.add(method, url, **options)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_429_with_retry_after_is_waited_out_then_succeeds(mocked, credentials, sleeps, platform):
    answer(mocked, platform, status=429, headers={"Retry-After": "7"})
    answer(mocked, platform, json=load_fixture(platform, "refresh_success"))

    grant = get_client(platform).refresh_token(credentials)

    assert grant.access_token == load_fixture(platform, "refresh_success")["access_token"]
    assert sleeps == [7.0]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_repeated_5xx_is_unavailable(mocked, credentials, sleeps, platform):
    answer(mocked, platform, status=503)

    with pytest.raises(PlatformUnavailable) as raised:
        get_client(platform).refresh_token(credentials)

    assert raised.value.status_code == 502
    assert len(mocked.calls) == 4
    assert len(sleeps) == 3


@pytest.mark.parametrize(
    "timeout", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout]
)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_timeout_is_unavailable(mocked, credentials, platform, timeout):
    method, url = REFRESH_CALLS[platform]
    answer(mocked, platform, body=timeout(f"{method} {url} timed out"))

    with pytest.raises(PlatformUnavailable) as raised:
        get_client(platform).refresh_token(credentials)

    # A token POST whose answer timed out may have been carried out: it is not sent again.
    answer_lost = method == "POST" and timeout is requests.exceptions.ReadTimeout
    assert len(mocked.calls) == (1 if answer_lost else 4)
    assert_no_secrets(str(raised.value), repr(raised.value))


@pytest.mark.parametrize("platform", NEEDS_APP_CREDENTIALS)
def test_a_missing_app_configuration_is_a_clear_error(mocked, credentials, settings, platform):
    settings.SOCIAL_PLATFORMS[platform]["CLIENT_SECRET"] = ""

    with pytest.raises(PlatformRequestRejected) as raised:
        get_client(platform).refresh_token(credentials)

    assert f"SOCIAL_{platform}_CLIENT_ID" in raised.value.message
    assert len(mocked.calls) == 0
