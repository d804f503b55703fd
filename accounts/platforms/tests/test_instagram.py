import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.errors import ReauthRequired
from accounts.platforms.tests.support import ACCESS_TOKEN, load_fixture

HOST = "https://graph.instagram.com"
# The refresh endpoint is documented at the host root, the other calls under a version.
GRAPH = f"{HOST}/v23.0"
instagram = get_client("INSTAGRAM")


def test_refresh_extends_the_long_lived_token(mocked, credentials):
    mocked.get(
        f"{HOST}/refresh_access_token",
        match=[
            matchers.query_param_matcher(
                {"grant_type": "ig_refresh_token", "access_token": ACCESS_TOKEN}
            )
        ],
        json=load_fixture("instagram", "refresh_success"),
    )

    grant = instagram.refresh_token(credentials)

    assert grant.access_token == "IGAAR3fr3sh3dL0ngL1v3dT0k3n"
    assert grant.expires_in == 5183944
    assert grant.refresh_token is None


def test_refresh_of_an_expired_token_requires_reauth(mocked, credentials):
    mocked.get(
        f"{HOST}/refresh_access_token", status=400, json=load_fixture("instagram", "token_expired")
    )

    with pytest.raises(ReauthRequired):
        instagram.refresh_token(credentials)


def test_validate_asks_me_for_the_user(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me",
        match=[
            matchers.query_param_matcher(
                {"fields": "user_id,username", "access_token": ACCESS_TOKEN}
            )
        ],
        json=load_fixture("instagram", "me_basic"),
    )

    validation = instagram.validate_token(credentials)

    assert validation.is_valid
    assert validation.platform_user_id == "17841405822304914"


def test_validate_of_an_expired_token(mocked, credentials):
    mocked.get(f"{GRAPH}/me", status=400, json=load_fixture("instagram", "token_expired"))

    assert not instagram.validate_token(credentials).is_valid


def test_fetch_profile(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me",
        match=[
            matchers.query_param_matcher(
                {
                    "fields": "user_id,username,followers_count,media_count",
                    "access_token": ACCESS_TOKEN,
                }
            )
        ],
        json=load_fixture("instagram", "me_profile"),
    )

    profile = instagram.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.followers_count) == (
        "17841405822304914",
        "acme.studio",
        2841,
    )
