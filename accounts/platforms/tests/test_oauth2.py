"""The OAuth 2.0 token endpoint: error classes and the refresh_token grant every OAuth 2
platform shares."""

import pytest
import requests
from responses import matchers

from accounts.platforms.base import Profile
from accounts.platforms.errors import PlatformRequestRejected, PlatformUnavailable, ReauthRequired
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error
from accounts.platforms.tests.support import REFRESH_TOKEN, client_id, client_secret

URL = "https://auth.example.test/oauth/token"


class ExampleClient(OAuth2Client):
    """An OAuth 2 platform that keeps every default: YouTube's settings stand in for its app."""

    platform = "YOUTUBE"
    refresh_model = "non_rotating"
    classify_error = staticmethod(oauth2_error)
    token_url = URL

    # Beyond the refresh, an example platform has nothing to say.
    def inspect_token(self, credentials):
        raise NotImplementedError

    def fetch_profile(self, credentials) -> Profile:
        raise NotImplementedError

    def fetch_pages(self, credentials):
        raise NotImplementedError

    def fetch_posts(self, credentials, page, *, since):
        raise NotImplementedError


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("invalid_grant", ReauthRequired),
        ("invalid_token", ReauthRequired),
        ("invalid_client", PlatformRequestRejected),
        ("unauthorized_client", PlatformRequestRejected),
        ("invalid_request", PlatformRequestRejected),
        ("server_error", PlatformUnavailable),
        ("temporarily_unavailable", PlatformUnavailable),
    ],
)
def test_oauth2_errors_are_classified_by_their_code(mocked, code, expected):
    mocked.post(URL, status=400, json={"error": code, "error_description": "..."})

    response = requests.post(URL, timeout=1)

    assert type(oauth2_error(response)) is expected


def test_an_oauth2_error_without_a_json_body_is_a_rejected_request(mocked):
    mocked.post(URL, status=400, body="<html>Bad Request</html>")

    error = oauth2_error(requests.post(URL, timeout=1))

    assert type(error) is PlatformRequestRejected
    assert error.message == "The platform refused the token request (400)"


def test_refresh_posts_the_grant_with_the_app_credentials_in_the_form(mocked, credentials):
    mocked.post(
        URL,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": REFRESH_TOKEN,
                    "client_id": client_id("YOUTUBE"),
                    "client_secret": client_secret("YOUTUBE"),
                }
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

    grant = ExampleClient().refresh_token(credentials)

    assert grant.access_token == "new"
    assert grant.expires_in == 3600
    assert grant.refresh_token is None  # an empty refresh token never replaces the stored one
    assert grant.refresh_expires_in == 86400
    assert grant.scopes == ["a", "b", "c"]
    assert grant.token_type == "bearer"


def test_a_200_without_an_access_token_goes_to_the_classifier(mocked, credentials):
    mocked.post(URL, json={"error": "invalid_grant", "error_description": "expired"})

    with pytest.raises(ReauthRequired):
        ExampleClient().refresh_token(credentials)


def test_refresh_without_a_stored_refresh_token_needs_reauth_and_sends_nothing(mocked, credentials):
    without_refresh_token = type(credentials)(account_key="k", access_token="a")

    with pytest.raises(ReauthRequired) as raised:
        ExampleClient().refresh_token(without_refresh_token)

    assert raised.value.message == "No refresh token is stored for this account; reconnect it"
    assert len(mocked.calls) == 0
