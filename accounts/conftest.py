"""Fixtures shared by the account tests and the platform client tests."""

import pytest

from accounts.platforms.tests.support import BASE_URLS, client_id, client_secret


@pytest.fixture
def platform_settings(settings):
    """Every platform's app configured on its documented host, and the LinkedIn API version
    pinned, so that no test depends on the environment. Returns the settings to adjust."""
    settings.SOCIAL_PLATFORMS = {
        platform: {
            "CLIENT_ID": client_id(platform),
            "CLIENT_SECRET": client_secret(platform),
            **urls,
        }
        for platform, urls in BASE_URLS.items()
    }
    settings.SOCIAL_LINKEDIN_API_VERSION = "202607"
    return settings
