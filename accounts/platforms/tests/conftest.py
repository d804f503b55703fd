import logging
import uuid

import pytest
import responses

from accounts.platforms import http
from accounts.platforms.base import Credentials
from accounts.platforms.tests.support import ACCESS_TOKEN, REFRESH_TOKEN, assert_no_secrets


@pytest.fixture(autouse=True)
def platform_settings(platform_settings):
    """Every test here on the configured apps (accounts/conftest.py), with a retry policy the
    tests can count on."""
    platform_settings.PLATFORM_HTTP_CONNECT_TIMEOUT = 3.05
    platform_settings.PLATFORM_HTTP_READ_TIMEOUT = 15.0
    platform_settings.PLATFORM_HTTP_MAX_RETRIES = 3
    platform_settings.PLATFORM_HTTP_BACKOFF_SECONDS = 0.5
    platform_settings.PLATFORM_HTTP_MAX_BACKOFF_SECONDS = 30.0
    platform_settings.PLATFORM_RATE_LIMIT_PER_MINUTE = 60
    return platform_settings


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """Every wait the HTTP layer asks for, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(http, "sleep", recorded.append)
    return recorded


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog):
    """Whatever a test does, no token or client secret may reach a log line."""
    caplog.set_level(logging.DEBUG)
    yield
    assert_no_secrets(caplog.text)


@pytest.fixture
def mocked():
    """The HTTP boundary: every registered answer must be asked for, nothing else is reachable."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def credentials() -> Credentials:
    # A fresh account key per test keeps rate-limit budgets of different tests apart.
    return Credentials(
        account_key=f"account-{uuid.uuid4().hex}",
        access_token=ACCESS_TOKEN,
        refresh_token=REFRESH_TOKEN,
    )
