from datetime import UTC, datetime

import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.errors import (
    PlatformPermissionDenied,
    PlatformRequestRejected,
    ReauthRequired,
)
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

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == "The platform refused the token request (invalid_client)"


ACLS = "https://api.linkedin.com/rest/organizationAcls"


def test_fetch_profile_names_the_member_from_their_administrator_roles(
    mocked, credentials, platform_settings
):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202603"
    mocked.get(
        ACLS,
        match=[
            matchers.query_param_matcher(
                {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED", "count": "1"}
            ),
            matchers.header_matcher(
                {
                    "Authorization": f"Bearer {ACCESS_TOKEN}",
                    "LinkedIn-Version": "202603",
                    "X-Restli-Protocol-Version": "2.0.0",
                }
            ),
        ],
        json=load_fixture("linkedin", "organization_acls"),
    )

    profile = linkedin.fetch_profile(credentials)

    assert profile.platform_user_id == "782bbtaQ"


def test_a_member_who_administers_no_page_cannot_be_connected(mocked, credentials):
    mocked.get(ACLS, json=load_fixture("linkedin", "organization_acls_none"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        linkedin.fetch_profile(credentials)

    assert raised.value.message == (
        "The LinkedIn member administers no organization page; only page administrators "
        "can be connected"
    )


def test_fetch_profile_without_the_organization_scope_names_linkedins_reason(mocked, credentials):
    mocked.get(ACLS, status=403, json=load_fixture("linkedin", "access_denied"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        linkedin.fetch_profile(credentials)

    assert raised.value.message == (
        "The platform refused the operation: Not enough permissions to access: "
        "organizationAcls.FINDER-roleAssignee.20260301"
    )


def test_fetch_profile_with_a_revoked_token_requires_reauth(mocked, credentials):
    mocked.get(ACLS, status=401, json=load_fixture("linkedin", "unauthorized"))

    with pytest.raises(ReauthRequired):
        linkedin.fetch_profile(credentials)


def test_a_retired_api_version_names_the_setting_to_change(mocked, credentials, platform_settings):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202511"
    mocked.get(ACLS, status=426, json=load_fixture("linkedin", "version_retired"))

    with pytest.raises(PlatformRequestRejected) as raised:
        linkedin.fetch_profile(credentials)

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == (
        "LinkedIn no longer serves API version 202511: set SOCIAL_LINKEDIN_API_VERSION to a "
        "version LinkedIn currently serves"
    )


def test_rest_calls_pin_the_api_version_and_restli_protocol(platform_settings):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202510"

    assert rest_headers(ACCESS_TOKEN) == {
        "Authorization": f"Bearer {ACCESS_TOKEN}",
        "LinkedIn-Version": "202510",
        "X-Restli-Protocol-Version": "2.0.0",
    }
