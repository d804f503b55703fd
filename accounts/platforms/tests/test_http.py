"""The shared HTTP layer: retries, backoff, Retry-After, rate limit, error hand-off, logging."""

import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import time_machine

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


# --- Resending after a failure, on real connections ------------------------------------------


@contextmanager
def misbehaving_server(misbehave: Callable[[socket.socket], None]):
    """A server on 127.0.0.1 that reads each request and then `misbehave`s on the connection;
    yields (its URL, a list with one entry per request it received)."""
    received: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                received.append(connection.recv(65536))
                misbehave(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/oauth/token", received
    finally:
        stop.set()
        thread.join()
        listener.close()


def hang_up(connection: socket.socket) -> None:
    """The request arrived; the connection is dropped before any answer."""


def break_the_chunked_answer(connection: socket.socket) -> None:
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b'Transfer-Encoding: chunked\r\n\r\n20\r\n{"access_token": '
    )


def never_answer(connection: socket.socket) -> None:
    time.sleep(0.5)


def post(url: str, key: str, **options):
    return http.request(
        "POST",
        url,
        data={"refresh_token": "single-use"},
        rate_limit_key=key,
        classify_error=lambda response: PlatformRequestRejected(),
        **options,
    )


@pytest.mark.parametrize(
    "misbehave", [hang_up, break_the_chunked_answer], ids=["reset", "broken-chunked-answer"]
)
def test_a_post_that_reached_the_platform_is_never_sent_again(key, sleeps, misbehave):
    with misbehaving_server(misbehave) as (url, received), pytest.raises(PlatformUnavailable):
        post(url, key)

    assert len(received) == 1
    assert sleeps == []


def test_a_post_whose_answer_never_came_is_never_sent_again(key, sleeps, platform_settings):
    platform_settings.PLATFORM_HTTP_READ_TIMEOUT = 0.2
    with misbehaving_server(never_answer) as (url, received), pytest.raises(PlatformUnavailable):
        post(url, key)

    assert len(received) == 1
    assert sleeps == []


def test_a_post_that_could_not_open_a_connection_is_sent_again(key, sleeps):
    closed = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/oauth/token"
    closed.close()  # nothing listens there any more: every connection is refused

    with pytest.raises(PlatformUnavailable):
        post(url, key)

    assert len(sleeps) == 3  # the first try and PLATFORM_HTTP_MAX_RETRIES more


def test_a_get_after_a_reset_is_sent_again(key, sleeps):
    with misbehaving_server(hang_up) as (url, received), pytest.raises(PlatformUnavailable):
        http.request(
            "GET", url, rate_limit_key=key, classify_error=lambda response: ReauthRequired()
        )

    assert len(received) == 4


def test_a_post_the_caller_calls_idempotent_is_sent_again_after_a_reset(key, sleeps):
    with misbehaving_server(hang_up) as (url, received), pytest.raises(PlatformUnavailable):
        post(url, key, idempotent=True)

    assert len(received) == 4
