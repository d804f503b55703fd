from datetime import UTC, datetime

import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.errors import (
    PlatformPermissionDenied,
    PlatformRateLimited,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.tests.support import (
    ACCESS_TOKEN,
    assert_no_secrets,
    client_id,
    client_secret,
    load_fixture,
)

GRAPH = "https://graph.facebook.com/v23.0"
facebook = get_client("FACEBOOK")


def test_refresh_exchanges_the_token_for_a_long_lived_one(mocked, credentials):
    mocked.get(
        f"{GRAPH}/oauth/access_token",
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "fb_exchange_token",
                    "client_id": client_id("FACEBOOK"),
                    "client_secret": client_secret("FACEBOOK"),
                    "fb_exchange_token": ACCESS_TOKEN,
                }
            )
        ],
        json=load_fixture("facebook", "refresh_success"),
    )

    grant = facebook.refresh_token(credentials)

    assert grant.access_token == "EAAGm0PX4ZCpsBAL0ng1iv3dUs3rT0k3n"
    assert grant.expires_in == 5183944
    assert grant.refresh_token is None  # nothing to rotate: the token itself is extended
    assert grant.token_type == "bearer"


def test_refresh_of_an_expired_token_requires_reauth(mocked, credentials):
    mocked.get(
        f"{GRAPH}/oauth/access_token", status=400, json=load_fixture("facebook", "token_expired")
    )

    with pytest.raises(ReauthRequired) as raised:
        facebook.refresh_token(credentials)

    assert "190" in raised.value.message
    assert_no_secrets(str(raised.value), repr(raised.value))


def test_validate_reads_debug_token(mocked, credentials):
    mocked.get(
        f"{GRAPH}/debug_token",
        match=[
            matchers.query_param_matcher(
                {
                    "input_token": ACCESS_TOKEN,
                    "access_token": f"{client_id('FACEBOOK')}|{client_secret('FACEBOOK')}",
                }
            )
        ],
        json=load_fixture("facebook", "debug_token_valid"),
    )

    validation = facebook.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at == datetime.fromtimestamp(1768800000, tz=UTC)
    assert validation.scopes == [
        "pages_show_list",
        "pages_read_engagement",
        "email",
        "public_profile",
    ]
    assert validation.platform_user_id == "10215241773831025"


def test_validate_of_a_token_that_never_expires(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_never_expires"))

    validation = facebook.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at is None  # expires_at 0 means never


def test_validate_of_an_invalidated_token(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_invalid"))

    validation = facebook.validate_token(credentials)

    assert not validation.is_valid
    assert validation.scopes == []


def test_validate_with_a_refused_app_token_blames_our_configuration(mocked, credentials):
    # A top-level error from debug_token is about the app token, not the user's.
    mocked.get(
        f"{GRAPH}/debug_token", status=400, json=load_fixture("facebook", "app_token_invalid")
    )

    with pytest.raises(PlatformRequestRejected) as raised:
        facebook.validate_token(credentials)

    assert not isinstance(raised.value, ReauthRequired)
    assert "SOCIAL_FACEBOOK_CLIENT_SECRET" in raised.value.message
    assert_no_secrets(str(raised.value), repr(raised.value))


def test_fetch_profile(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me",
        match=[
            matchers.query_param_matcher({"fields": "id,name,email", "access_token": ACCESS_TOKEN})
        ],
        json=load_fixture("facebook", "me"),
    )

    profile = facebook.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.email) == (
        "10215241773831025",
        "Acme Corp",
        "acme@example.com",
    )


@pytest.mark.parametrize(
    ("case", "status", "expected"),
    [
        ("rate_limited", 400, PlatformRateLimited),
        ("permission_missing", 403, PlatformPermissionDenied),
        ("token_expired", 400, ReauthRequired),
    ],
)
def test_graph_errors_are_classified_by_code(mocked, credentials, sleeps, case, status, expected):
    mocked.get(f"{GRAPH}/me", status=status, json=load_fixture("facebook", case))

    with pytest.raises(expected) as raised:
        facebook.fetch_profile(credentials)

    assert type(raised.value) is expected
    assert sleeps == []  # a Graph error code is an answer, not a transient failure
