import pytest
import responses

from accounts.platforms import http


@pytest.fixture
def platforms(platform_settings, monkeypatch):
    """Configured platform apps on their documented hosts (accounts/conftest.py), no real
    waiting on retries, and the platforms' HTTP answers as the test registers them."""
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
