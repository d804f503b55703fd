import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.base import Credentials
from accounts.platforms.errors import PlatformPermissionDenied, ReauthRequired
from accounts.platforms.tests.support import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    assert_no_secrets,
    client_id,
    client_secret,
    load_fixture,
)

API = "https://open.tiktokapis.com"
tiktok = get_client("TIKTOK")


def test_refresh_rotates_the_refresh_token(mocked, credentials):
    mocked.post(
        f"{API}/v2/oauth/token/",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_key": client_id("TIKTOK"),
                    "client_secret": client_secret("TIKTOK"),
                    "grant_type": "refresh_token",
                    "refresh_token": REFRESH_TOKEN,
                }
            )
        ],
        json=load_fixture("tiktok", "refresh_success"),
    )

    grant = tiktok.refresh_token(credentials)

    assert grant.access_token.startswith("act.1d1021d2")
    assert grant.expires_in == 86400
    assert grant.refresh_token == "rft.e3ac7c2a1c3d4f60b5a1d9e8f7c6b5a4xyzRotated!2339"
    assert grant.refresh_token != REFRESH_TOKEN
    assert grant.refresh_expires_in == 31536000
    assert grant.scopes == ["user.info.basic", "user.info.stats", "video.list"]


def test_an_invalid_grant_requires_reauth(mocked, credentials):
    mocked.post(f"{API}/v2/oauth/token/", status=400, json=load_fixture("tiktok", "invalid_grant"))

    with pytest.raises(ReauthRequired) as raised:
        tiktok.refresh_token(credentials)

    assert_no_secrets(str(raised.value), repr(raised.value))


def test_an_invalid_grant_answered_with_200_still_requires_reauth(mocked, credentials):
    mocked.post(f"{API}/v2/oauth/token/", status=200, json=load_fixture("tiktok", "invalid_grant"))

    with pytest.raises(ReauthRequired):
        tiktok.refresh_token(credentials)


def test_without_a_stored_refresh_token_refresh_needs_reauth(mocked, credentials):
    no_refresh_token = Credentials(account_key=credentials.account_key, access_token=ACCESS_TOKEN)

    with pytest.raises(ReauthRequired):
        tiktok.refresh_token(no_refresh_token)

    assert len(mocked.calls) == 0


def test_validate_reads_user_info_with_the_bearer_token(mocked, credentials):
    mocked.get(
        f"{API}/v2/user/info/",
        match=[
            matchers.query_param_matcher({"fields": "open_id,display_name"}),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("tiktok", "user_info_basic"),
    )

    validation = tiktok.validate_token(credentials)

    assert validation.is_valid
    assert validation.platform_user_id == "723f24d7-e717-40f8-a2b6-cb8464cd23b4"


def test_validate_of_an_invalid_access_token(mocked, credentials):
    mocked.get(
        f"{API}/v2/user/info/", status=401, json=load_fixture("tiktok", "access_token_invalid")
    )

    assert not tiktok.validate_token(credentials).is_valid


def test_fetch_profile(mocked, credentials):
    mocked.get(
        f"{API}/v2/user/info/",
        match=[
            matchers.query_param_matcher(
                {
                    "fields": "open_id,union_id,display_name,avatar_url,follower_count,"
                    "following_count,likes_count,video_count"
                }
            )
        ],
        json=load_fixture("tiktok", "user_info_profile"),
    )

    profile = tiktok.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.followers_count) == (
        "723f24d7-e717-40f8-a2b6-cb8464cd23b4",
        "Acme Studio",
        5120,
    )


def test_a_scope_the_user_did_not_grant_is_a_permission_problem(mocked, credentials):
    # TikTok sends scope_not_authorized with 401; the code, not the status, decides.
    mocked.get(
        f"{API}/v2/user/info/", status=401, json=load_fixture("tiktok", "scope_not_authorized")
    )

    with pytest.raises(PlatformPermissionDenied):
        tiktok.fetch_profile(credentials)


def test_an_error_code_in_a_200_answer_is_still_an_error(mocked, credentials):
    mocked.get(
        f"{API}/v2/user/info/", status=200, json=load_fixture("tiktok", "access_token_invalid")
    )

    with pytest.raises(ReauthRequired):
        tiktok.fetch_profile(credentials)
