"""The connect flow's settings as the environment makes them, read in a fresh process."""

import pytest

from vchata_social.tests.test_security import DEPLOYED
from vchata_social.tests.test_settings import import_settings, settings_values


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://127.0.0.1:8000", "ftp://api.example.com"]
)
def test_production_refuses_a_callback_base_url_that_is_not_https(url):
    result = import_settings(**DEPLOYED, OAUTH_CALLBACK_BASE_URL=url)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG is off but OAUTH_CALLBACK_BASE_URL is not https" in (
        result.stderr
    )


def test_production_takes_an_https_callback_base_url():
    values = settings_values(
        "OAUTH_CALLBACK_BASE_URL", **DEPLOYED, OAUTH_CALLBACK_BASE_URL="https://api.example.com/"
    )

    assert values["OAUTH_CALLBACK_BASE_URL"] == "https://api.example.com"


def test_the_callback_base_url_defaults_to_the_webhook_one():
    values = settings_values(
        "OAUTH_CALLBACK_BASE_URL",
        **DEPLOYED,
        WEBHOOK_PUBLIC_BASE_URL="https://hooks.example.com",
    )

    assert values["OAUTH_CALLBACK_BASE_URL"] == "https://hooks.example.com"


def test_each_platform_s_scopes_are_read_from_the_environment():
    values = settings_values(
        "SOCIAL_PLATFORMS", DEBUG="true", SOCIAL_TWITTER_SCOPES="tweet.read,users.read,dm.read"
    )

    assert values["SOCIAL_PLATFORMS"]["TWITTER"]["SCOPES"] == [
        "tweet.read",
        "users.read",
        "dm.read",
    ]
    assert values["SOCIAL_PLATFORMS"]["YOUTUBE"]["SCOPES"] == [
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/yt-analytics.readonly",
    ]


def test_production_refuses_a_plain_http_authorize_url():
    result = import_settings(
        **DEPLOYED, SOCIAL_TIKTOK_AUTHORIZE_URL="http://www.tiktok.com/v2/auth/authorize/"
    )

    assert result.returncode != 0
    assert "SOCIAL_TIKTOK_AUTHORIZE_URL is not https" in result.stderr
