"""The shared HTTP layer: retries, backoff, Retry-After, rate limit, error hand-off, logging."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import time_machine
from responses import matchers

from accounts.platforms import http
from accounts.platforms.errors import (
    PlatformRateLimited,
    PlatformRequestRejected,
    PlatformUnavailable,
    ReauthRequired,
)
from accounts.platforms.tests.support import ACCESS_TOKEN, assert_no_secrets

URL = "https://api.example.test/v1/things"


def call(key: str = "http-test", url: str = URL, **options):
    return http.request(
        "GET", url, rate_limit_key=key, classify_error=lambda response: ReauthRequired(), **options
    )


@pytest.fixture
def key(credentials) -> str:
    return f"TEST:{credentials.account_key}"


def test_a_success_comes_back_as_the_response(mocked, key, sleeps):
    mocked.get(URL, json={"ok": True})

    response = call(key)

    assert response.json() == {"ok": True}
    assert sleeps == []


def test_connect_and_read_timeouts_come_from_settings(mocked, key, platform_settings):
    platform_settings.PLATFORM_HTTP_CONNECT_TIMEOUT = 2.5
    platform_settings.PLATFORM_HTTP_READ_TIMEOUT = 9.0
    mocked.get(URL, json={})

    call(key)

    assert mocked.calls[0].request.req_kwargs["timeout"] == (2.5, 9.0)


def test_5xx_is_retried_with_exponential_backoff_capped_and_fully_jittered(
    mocked, key, sleeps, platform_settings, monkeypatch
):
    platform_settings.PLATFORM_HTTP_BACKOFF_SECONDS = 1.0
    platform_settings.PLATFORM_HTTP_MAX_BACKOFF_SECONDS = 3.0
    bounds = []
    # Full jitter draws from [0, bound]: record the bounds and wait the longest each time.
    monkeypatch.setattr(
        http.random, "uniform", lambda low, high: bounds.append((low, high)) or high
    )
    mocked.get(URL, status=502)

    with pytest.raises(PlatformUnavailable) as raised:
        call(key)

    assert len(mocked.calls) == 4  # the first try and PLATFORM_HTTP_MAX_RETRIES more
    assert bounds == [(0, 1.0), (0, 2.0), (0, 3.0)]
    assert sleeps == [1.0, 2.0, 3.0]
    assert raised.value.message == "Social media platform temporarily unavailable"
    assert raised.value.status_code == 502


def test_a_5xx_followed_by_a_success_returns_the_success(mocked, key, sleeps):
    mocked.get(URL, status=500)
    mocked.get(URL, json={"ok": True})

    assert call(key).json() == {"ok": True}
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5


def test_retry_after_in_seconds_is_honoured_on_429(mocked, key, sleeps):
    mocked.get(URL, status=429, headers={"Retry-After": "7"})
    mocked.get(URL, json={"ok": True})

    assert call(key).json() == {"ok": True}
    assert sleeps == [7.0]


@time_machine.travel(datetime(2025, 11, 19, 9, 0, 0, tzinfo=UTC), tick=False)
def test_retry_after_as_an_http_date_is_honoured_on_503(mocked, key, sleeps):
    in_twelve_seconds = format_datetime(datetime.now(UTC) + timedelta(seconds=12), usegmt=True)
    mocked.get(URL, status=503, headers={"Retry-After": in_twelve_seconds})
    mocked.get(URL, json={"ok": True})

    assert call(key).json() == {"ok": True}
    assert sleeps == [12.0]


def test_a_429_that_persists_is_rate_limited_with_the_platforms_wait(mocked, key, sleeps):
    mocked.get(URL, status=429, headers={"Retry-After": "5"})

    with pytest.raises(PlatformRateLimited) as raised:
        call(key)

    assert raised.value.retry_after == 5.0
    assert sleeps == [5.0, 5.0, 5.0]
    assert len(mocked.calls) == 4


def test_a_wait_longer_than_the_cap_is_reported_not_slept(mocked, key, sleeps):
    mocked.get(URL, status=429, headers={"Retry-After": "900"})

    with pytest.raises(PlatformRateLimited) as raised:
        call(key)

    assert raised.value.retry_after == 900.0
    assert sleeps == []
    assert len(mocked.calls) == 1


def test_a_4xx_goes_to_the_classifier_once_and_is_not_retried(mocked, key, sleeps):
    mocked.get(URL, status=400, json={"error": "whatever"})
    seen = []

    def classify(response):
        seen.append(response.status_code)
        return PlatformRequestRejected("rejected")

    with pytest.raises(PlatformRequestRejected):
        http.request("GET", URL, rate_limit_key=key, classify_error=classify)

    assert seen == [400]
    assert sleeps == []
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("connection refused"),
    ],
    ids=["connect-timeout", "read-timeout", "connection-error"],
)
def test_network_failures_are_retried_then_unavailable(mocked, key, sleeps, failure):
    mocked.get(URL, body=failure)

    with pytest.raises(PlatformUnavailable):
        call(key)

    assert len(mocked.calls) == 4
    assert len(sleeps) == 3


def test_each_attempt_spends_one_call_of_the_budget(mocked, key, platform_settings):
    platform_settings.PLATFORM_RATE_LIMIT_PER_MINUTE = 2
    mocked.get(URL, status=503)

    # Two tries spend the budget; the third is refused by our own limiter before it is sent.
    with pytest.raises(PlatformRateLimited) as raised:
        call(key)

    assert len(mocked.calls) == 2
    assert 0 < raised.value.retry_after <= 60


def test_a_post_whose_answer_timed_out_is_not_sent_again(mocked, key, sleeps):
    mocked.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(PlatformUnavailable):
        http.request("POST", URL, rate_limit_key=key, classify_error=lambda response: None)

    assert len(mocked.calls) == 1
    assert sleeps == []


def test_a_post_that_could_not_connect_is_retried(mocked, key, sleeps):
    mocked.post(URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    mocked.post(URL, json={"ok": True})

    response = http.request("POST", URL, rate_limit_key=key, classify_error=lambda response: None)

    assert response.json() == {"ok": True}
    assert len(sleeps) == 1


def test_an_exhausted_budget_sends_nothing(mocked, key, platform_settings):
    platform_settings.PLATFORM_RATE_LIMIT_PER_MINUTE = 1
    mocked.get(URL, json={})
    call(key)

    with pytest.raises(PlatformRateLimited):
        call(key)

    assert len(mocked.calls) == 1


def test_logs_name_host_path_status_and_attempt_but_never_the_query(mocked, key, caplog):
    secret_url = f"{URL}?access_token={ACCESS_TOKEN}"
    mocked.get(URL, status=500)
    mocked.get(URL, json={})

    call(key, url=secret_url)

    assert "GET api.example.test/v1/things -> 500 (attempt 1)" in caplog.text
    assert "GET api.example.test/v1/things -> 200 (attempt 2)" in caplog.text
    assert "access_token" not in caplog.text


def test_a_network_failure_quoting_the_url_leaks_nothing(mocked, key, caplog):
    secret_url = f"{URL}?access_token={ACCESS_TOKEN}"
    # requests quotes the full URL, query included, in its exceptions' text.
    mocked.get(URL, body=requests.exceptions.ConnectionError(f"Max retries: {secret_url}"))

    with pytest.raises(PlatformUnavailable) as raised:
        call(key, url=secret_url)

    assert "ConnectionError (attempt 4)" in caplog.text
    assert_no_secrets(str(raised.value), repr(raised.value), caplog.text)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None


def test_a_request_that_cannot_be_sent_is_rejected_without_leaking(mocked, key):
    secret_url = f"{URL}?access_token={ACCESS_TOKEN}"
    mocked.get(URL, body=requests.exceptions.InvalidHeader(f"bad header for {secret_url}"))

    with pytest.raises(PlatformRequestRejected) as raised:
        call(key, url=secret_url)

    assert len(mocked.calls) == 1
    assert_no_secrets(str(raised.value), repr(raised.value))
    assert raised.value.__suppress_context__


@pytest.mark.parametrize("value", ["", "soon", "-3"])
def test_an_unreadable_retry_after_falls_back_to_backoff(mocked, key, sleeps, value):
    mocked.get(URL, status=429, headers={"Retry-After": value})
    mocked.get(URL, json={})

    call(key)

    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5


# --- OAuth 2.0 token endpoint helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("invalid_grant", ReauthRequired),
        ("invalid_token", ReauthRequired),
        ("invalid_client", PlatformRequestRejected),
        ("unauthorized_client", PlatformRequestRejected),
        ("server_error", PlatformUnavailable),
        ("temporarily_unavailable", PlatformUnavailable),
    ],
)
def test_oauth2_errors_are_classified_by_their_code(mocked, code, expected):
    mocked.post(URL, status=400, json={"error": code, "error_description": "..."})

    response = requests.post(URL, timeout=1)

    assert type(http.oauth2_error(response)) is expected


def test_an_oauth2_error_without_a_json_body_is_a_rejected_request(mocked):
    mocked.post(URL, status=400, body="<html>Bad Request</html>")

    error = http.oauth2_error(requests.post(URL, timeout=1))

    assert type(error) is PlatformRequestRejected
    assert "400" in error.message


def test_refresh_grant_posts_the_form_and_reads_the_answer(mocked, key):
    mocked.post(
        URL,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "old", "client_id": "app"}
            )
        ],
        json={
            "access_token": "new",
            "expires_in": "3600",
            "refresh_token": "",
            "refresh_token_expires_in": 86400,
            "scope": "a,b c",
            "token_type": "Bearer",
        },
    )

    grant = http.refresh_token_grant(
        URL, refresh_token="old", form={"client_id": "app"}, rate_limit_key=key
    )

    assert grant.access_token == "new"
    assert grant.expires_in == 3600
    assert grant.refresh_token is None  # an empty refresh token never replaces the stored one
    assert grant.refresh_expires_in == 86400
    assert grant.scopes == ["a", "b", "c"]
    assert grant.token_type == "bearer"


def test_refresh_grant_without_a_stored_refresh_token_needs_reauth_and_sends_nothing(mocked, key):
    with pytest.raises(ReauthRequired):
        http.refresh_token_grant(URL, refresh_token=None, form={}, rate_limit_key=key)

    assert len(mocked.calls) == 0
