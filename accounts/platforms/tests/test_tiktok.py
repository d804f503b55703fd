from datetime import UTC, datetime
from itertools import islice

import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.base import Credentials, PlatformPage, PlatformPost
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


# --- Pages and posts ---------------------------------------------------------------------------

PAGE_FIELDS = "open_id,display_name,username,profile_deep_link,follower_count"
VIDEO_FIELDS = (
    "id,title,video_description,create_time,share_url,view_count,like_count,comment_count,"
    "share_count"
)
ACME = PlatformPage(
    platform_page_id="723f24d7-e717-40f8-a2b6-cb8464cd23b4", name="Acme Studio", url=""
)


def mock_video_page(mocked, case, body, status=200):
    mocked.post(
        f"{API}/v2/video/list/",
        status=status,
        match=[
            matchers.query_param_matcher({"fields": VIDEO_FIELDS}),
            matchers.json_params_matcher(body),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("tiktok", case),
    )


def test_the_one_page_is_the_profile(mocked, credentials):
    mocked.get(
        f"{API}/v2/user/info/",
        match=[
            matchers.query_param_matcher({"fields": PAGE_FIELDS}),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("tiktok", "user_info_page"),
    )

    [page] = tiktok.fetch_pages(credentials)

    assert page == PlatformPage(
        platform_page_id="723f24d7-e717-40f8-a2b6-cb8464cd23b4",
        name="Acme Studio",
        category="Profile",
        url="https://vm.tiktok.com/ZMhvqjqjz/",
        followers_count=5120,
        access_token=None,
    )


def test_pages_without_the_stats_scope_name_the_scopes_they_need(mocked, credentials):
    mocked.get(
        f"{API}/v2/user/info/", status=401, json=load_fixture("tiktok", "scope_not_authorized")
    )

    with pytest.raises(PlatformPermissionDenied) as raised:
        tiktok.fetch_pages(credentials)

    assert raised.value.status_code == 403
    assert raised.value.message == (
        "The platform refused the operation: The user did not authorize the scope required "
        "for completing this request. (TikTok needs the user.info.basic, user.info.profile, "
        "user.info.stats scopes for this)"
    )


def test_posts_follow_the_cursor_to_the_last_page(mocked, credentials):
    mock_video_page(mocked, "video_list_first", {"max_count": 20})
    # The cursor of the first answer goes back exactly as received.
    mock_video_page(mocked, "video_list_last", {"max_count": 20, "cursor": 1763402712000})

    posts = list(tiktok.fetch_posts(credentials, ACME, since=None))

    assert [post.platform_post_id for post in posts] == [
        "7573412280349654302",
        "7573102947561236766",
        "7571062335874319646",
    ]
    assert posts[0] == PlatformPost(
        platform_post_id="7573412280349654302",
        published_at=datetime(2025, 11, 18, 15, 30, tzinfo=UTC),
        text="Behind the scenes of our winter shoot #acme #bts",
        url="https://www.tiktok.com/@acmestudio/video/7573412280349654302"
        "?utm_campaign=tt4d_open_api&utm_source=awbx37vxswqcvsf6",
        likes=1204,
        comments=87,
        shares=45,
        views=18342,
        reach=18342,
        clicks=0,
    )
    # A video without a description shows its title.
    assert posts[1].text == "Studio tour"
    assert posts[2].published_at == datetime(2025, 11, 12, 9, 41, 27, tzinfo=UTC)
    assert (posts[2].views, posts[2].reach, posts[2].engagement) == (40213, 40213, 3554)
    assert len(mocked.calls) == 2


def test_posts_stop_at_the_first_video_older_than_since(mocked, credentials):
    mock_video_page(mocked, "video_list_first", {"max_count": 20})

    posts = list(
        tiktok.fetch_posts(credentials, ACME, since=datetime(2025, 11, 18, 0, 0, tzinfo=UTC))
    )

    # The second video is older: the list ends there, and the next page is never asked for.
    assert [post.platform_post_id for post in posts] == ["7573412280349654302"]
    assert len(mocked.calls) == 1


def test_a_caller_that_stops_early_asks_for_no_further_page(mocked, credentials):
    mock_video_page(mocked, "video_list_first", {"max_count": 20})

    first_two = list(islice(tiktok.fetch_posts(credentials, ACME, since=None), 2))

    assert [post.likes for post in first_two] == [1204, 633]
    assert len(mocked.calls) == 1


def test_posts_without_the_video_list_scope_name_it(mocked, credentials):
    mock_video_page(mocked, "scope_not_authorized", {"max_count": 20}, status=401)

    with pytest.raises(PlatformPermissionDenied) as raised:
        list(tiktok.fetch_posts(credentials, ACME, since=None))

    assert raised.value.message.endswith("(TikTok needs the video.list scopes for this)")
    assert "did not authorize the scope" in raised.value.message


@pytest.mark.parametrize("status", [401, 200], ids=["as-401", "inside-a-200"])
def test_posts_with_a_dead_token_require_reauth(mocked, credentials, status):
    mock_video_page(mocked, "access_token_invalid", {"max_count": 20}, status=status)

    with pytest.raises(ReauthRequired) as raised:
        list(tiktok.fetch_posts(credentials, ACME, since=None))

    assert_no_secrets(str(raised.value), repr(raised.value))
