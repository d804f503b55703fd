from datetime import UTC, datetime

import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.errors import PlatformRequestRejected, ReauthRequired
from accounts.platforms.linkedin import rest_headers
from accounts.platforms.tests.support import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    client_id,
    client_secret,
    load_fixture,
)

OAUTH = "https://www.linkedin.com/oauth/v2"
linkedin = get_client("LINKEDIN")


def test_refresh_returns_what_linkedin_sends_back(mocked, credentials):
    mocked.post(
        f"{OAUTH}/accessToken",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": REFRESH_TOKEN,
                    "client_id": client_id("LINKEDIN"),
                    "client_secret": client_secret("LINKEDIN"),
                }
            )
        ],
        json=load_fixture("linkedin", "refresh_success"),
    )

    grant = linkedin.refresh_token(credentials)

    assert grant.access_token == "AQUvlL_DYEzvT2wz1QJiEPeLioeA"
    assert grant.expires_in == 5184000
    assert grant.refresh_token == "AQWAft_WjYZKwuWXLC5hQlghgTam"
    # The refresh token's lifetime does not slide: it is what is left of the first grant's.
    assert grant.refresh_expires_in == 26265600
    assert grant.scopes == ["openid", "profile", "email", "w_member_social"]


def test_an_expired_refresh_token_requires_reauth(mocked, credentials):
    mocked.post(f"{OAUTH}/accessToken", status=400, json=load_fixture("linkedin", "invalid_grant"))

    with pytest.raises(ReauthRequired):
        linkedin.refresh_token(credentials)


def test_validate_introspects_the_token(mocked, credentials):
    mocked.post(
        f"{OAUTH}/introspectToken",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_id": client_id("LINKEDIN"),
                    "client_secret": client_secret("LINKEDIN"),
                    "token": ACCESS_TOKEN,
                }
            )
        ],
        json=load_fixture("linkedin", "introspect_active"),
    )

    validation = linkedin.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at == datetime.fromtimestamp(1768729382, tz=UTC)
    assert validation.scopes == ["openid", "profile", "email", "w_member_social"]


def test_validate_of_an_expired_token(mocked, credentials):
    mocked.post(f"{OAUTH}/introspectToken", json=load_fixture("linkedin", "introspect_expired"))

    assert not linkedin.validate_token(credentials).is_valid


def test_validate_with_wrong_app_credentials_does_not_blame_the_token(mocked, credentials):
    mocked.post(
        f"{OAUTH}/introspectToken", status=401, json=load_fixture("linkedin", "invalid_client")
    )

    with pytest.raises(PlatformRequestRejected) as raised:
        linkedin.validate_token(credentials)

    assert not isinstance(raised.value, ReauthRequired)


def test_fetch_profile_reads_openid_userinfo(mocked, credentials):
    mocked.get(
        "https://api.linkedin.com/v2/userinfo",
        match=[matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"})],
        json=load_fixture("linkedin", "userinfo"),
    )

    profile = linkedin.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.email) == (
        "782bbtaQ",
        "Ada Lovelace",
        "ada@example.com",
    )


def test_fetch_profile_with_a_revoked_token_requires_reauth(mocked, credentials):
    mocked.get(
        "https://api.linkedin.com/v2/userinfo",
        status=401,
        json=load_fixture("linkedin", "unauthorized"),
    )

    with pytest.raises(ReauthRequired):
        linkedin.fetch_profile(credentials)


def test_rest_calls_pin_the_api_version_and_restli_protocol(platform_settings):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202510"

    assert rest_headers(ACCESS_TOKEN) == {
        "Authorization": f"Bearer {ACCESS_TOKEN}",
        "LinkedIn-Version": "202510",
        "X-Restli-Protocol-Version": "2.0.0",
    }
