import pytest
import responses

from accounts.platforms import http
from accounts.platforms.tests.support import BASE_URLS, client_id, client_secret


@pytest.fixture
def platforms(settings, monkeypatch):
    """Configured platform apps on their documented hosts, and no real waiting on retries."""
    settings.SOCIAL_PLATFORMS = {
        platform: {
            "CLIENT_ID": client_id(platform),
            "CLIENT_SECRET": client_secret(platform),
            **urls,
        }
        for platform, urls in BASE_URLS.items()
    }
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
