from datetime import UTC, datetime, timedelta, timezone
from itertools import islice

import pytest
import time_machine
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.base import PlatformPage, PlatformPost
from accounts.platforms.errors import (
    PlatformPermissionDenied,
    PlatformQuotaExhausted,
    PlatformRateLimited,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.tests.support import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    assert_no_secrets,
    basic_auth,
    client_id,
    load_fixture,
)

API = "https://api.x.com"
NOW = 1_763_550_000
twitter = get_client("TWITTER")


def test_refresh_rotates_the_single_use_refresh_token(mocked, credentials):
    mocked.post(
        f"{API}/2/oauth2/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": REFRESH_TOKEN,
                    "client_id": client_id("TWITTER"),
                }
            ),
            # A confidential client authenticates with HTTP Basic client id and secret.
            matchers.header_matcher({"Authorization": basic_auth("TWITTER")}),
        ],
        json=load_fixture("twitter", "refresh_success"),
    )

    grant = twitter.refresh_token(credentials)

    assert grant.access_token == "VGhpc0lzQU5ld0FjY2Vzc1Rva2VuOjE3NjM1NDUzODI6MTowOmF0OjE"
    assert grant.refresh_token == "VGhpc0lzQU5ld1JlZnJlc2hUb2tlbjoxNzYzNTQ1MzgyOjE6MDpydDox"
    assert grant.expires_in == 7200
    assert grant.scopes == ["tweet.read", "users.read", "offline.access"]


def test_a_dead_refresh_token_requires_reauth(mocked, credentials):
    mocked.post(
        f"{API}/2/oauth2/token", status=400, json=load_fixture("twitter", "invalid_refresh_token")
    )

    with pytest.raises(ReauthRequired) as raised:
        twitter.refresh_token(credentials)

    assert_no_secrets(str(raised.value), repr(raised.value))


@pytest.mark.parametrize(
    ("status", "case", "message"),
    [
        (
            401,
            "unauthorized_client",
            "X refused the app's credentials: check SOCIAL_TWITTER_CLIENT_ID and "
            "SOCIAL_TWITTER_CLIENT_SECRET",
        ),
        (
            400,
            "malformed_request",
            "X refused the token request as malformed: Missing required parameter [refresh_token].",
        ),
    ],
    ids=["misconfigured-app", "malformed-request"],
)
def test_a_refused_token_request_is_not_blamed_on_the_user(
    mocked, credentials, status, case, message
):
    mocked.post(f"{API}/2/oauth2/token", status=status, json=load_fixture("twitter", case))

    with pytest.raises(PlatformRequestRejected) as raised:
        twitter.refresh_token(credentials)

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == message


def test_validate_asks_for_the_authenticated_user(mocked, credentials):
    mocked.get(
        f"{API}/2/users/me",
        match=[
            matchers.query_param_matcher({"user.fields": "public_metrics,username,name"}),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("twitter", "users_me"),
    )

    validation = twitter.validate_token(credentials)

    assert validation.is_valid
    assert validation.platform_user_id == "2244994945"


def test_validate_of_a_revoked_token(mocked, credentials):
    mocked.get(f"{API}/2/users/me", status=401, json=load_fixture("twitter", "unauthorized"))

    assert not twitter.validate_token(credentials).is_valid


def test_fetch_profile(mocked, credentials):
    mocked.get(f"{API}/2/users/me", json=load_fixture("twitter", "users_me"))

    profile = twitter.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.followers_count) == (
        "2244994945",
        "X Developers",
        583423,
    )


@time_machine.travel(NOW, tick=False)
def test_a_429_waits_until_x_rate_limit_reset_then_succeeds(mocked, credentials, sleeps):
    mocked.get(
        f"{API}/2/users/me",
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(NOW + 9)},
        json=load_fixture("twitter", "rate_limited"),
    )
    mocked.get(f"{API}/2/users/me", json=load_fixture("twitter", "users_me"))

    assert twitter.fetch_profile(credentials).platform_user_id == "2244994945"
    assert sleeps == [9.0]


@time_machine.travel(NOW, tick=False)
def test_a_reset_a_window_away_is_reported_as_retry_after(mocked, credentials, sleeps):
    mocked.get(
        f"{API}/2/users/me",
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(NOW + 840)},
        json=load_fixture("twitter", "rate_limited"),
    )

    with pytest.raises(PlatformRateLimited) as raised:
        twitter.fetch_profile(credentials)

    assert raised.value.retry_after == 840.0
    assert sleeps == []


@pytest.mark.parametrize(
    "description",
    ["Value passed for the token was invalid.", "Value passed for the refresh token was invalid."],
)
def test_a_dead_refresh_token_is_told_by_its_description(mocked, credentials, description):
    mocked.post(
        f"{API}/2/oauth2/token",
        status=400,
        json={"error": "invalid_request", "error_description": description},
    )

    with pytest.raises(ReauthRequired):
        twitter.refresh_token(credentials)


def test_the_monthly_usage_cap_is_a_spent_quota_not_a_rate_limit(mocked, credentials, sleeps):
    # The cap's 429 still carries the ordinary rate-limit headers, with calls to spare.
    mocked.get(
        f"{API}/2/users/me",
        status=429,
        headers={"x-rate-limit-limit": "40000", "x-rate-limit-remaining": "39999"},
        json=load_fixture("twitter", "usage_capped"),
    )

    with pytest.raises(PlatformQuotaExhausted) as raised:
        twitter.fetch_profile(credentials)

    assert raised.value.message == (
        "X API usage cap reached for this period; calls resume when the app's cap resets"
    )
    assert raised.value.retry_after == 24 * 3600
    assert len(mocked.calls) == 1  # retrying within seconds cannot help
    assert sleeps == []


@time_machine.travel(NOW, tick=False)
def test_an_ordinary_429_is_a_rate_limit_not_a_spent_quota(mocked, credentials, sleeps):
    mocked.get(
        f"{API}/2/users/me",
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(NOW + 840)},
        json=load_fixture("twitter", "rate_limited"),
    )

    with pytest.raises(PlatformRateLimited) as raised:
        twitter.fetch_profile(credentials)

    assert type(raised.value) is PlatformRateLimited


# --- Pages and posts ---------------------------------------------------------------------------

X_DEVELOPERS = PlatformPage(
    platform_page_id="2244994945", name="X Developers", url="https://x.com/XDevelopers"
)
TIMELINE = f"{API}/2/users/2244994945/tweets"
TIMELINE_PARAMS = {
    "tweet.fields": "created_at,public_metrics,note_tweet",
    "max_results": "100",
    "exclude": "retweets",
}


def mock_timeline_page(mocked, case, params, status=200):
    mocked.get(
        TIMELINE,
        status=status,
        match=[
            matchers.query_param_matcher(params),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("twitter", case),
    )


def test_the_one_page_is_the_authenticated_user(mocked, credentials):
    mocked.get(
        f"{API}/2/users/me",
        match=[
            matchers.query_param_matcher({"user.fields": "public_metrics,username,name"}),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("twitter", "users_me"),
    )

    [page] = twitter.fetch_pages(credentials)

    assert page == PlatformPage(
        platform_page_id="2244994945",
        name="X Developers",
        category="Profile",
        url="https://x.com/XDevelopers",
        followers_count=583423,
        access_token=None,
    )


def test_pages_refused_for_a_missing_scope_name_the_scopes(mocked, credentials):
    mocked.get(f"{API}/2/users/me", status=403, json=load_fixture("twitter", "forbidden"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        twitter.fetch_pages(credentials)

    assert raised.value.status_code == 403
    assert raised.value.message == (
        "The platform refused the operation: Forbidden "
        "(X needs the tweet.read, users.read scopes for this)"
    )


def test_posts_follow_next_token_to_the_last_page(mocked, credentials):
    mock_timeline_page(mocked, "user_tweets_first", TIMELINE_PARAMS)
    mock_timeline_page(
        mocked,
        "user_tweets_last",
        {**TIMELINE_PARAMS, "pagination_token": "7140dibdnow9c7btw4539n4vybdnpzqgc2wy0tbnk0ptd"},
    )

    posts = list(twitter.fetch_posts(credentials, X_DEVELOPERS, since=None))

    assert [post.platform_post_id for post in posts] == [
        "1990798271326843215",
        "1990474436518199470",
        "1988592815063351481",
    ]
    assert posts[0] == PlatformPost(
        platform_post_id="1990798271326843215",
        published_at=datetime(2025, 11, 18, 15, 30, tzinfo=UTC),
        text="Our new docs for the Posts timeline are live. Start here: https://t.co/3kLq9ZpXwe",
        url="https://x.com/XDevelopers/status/1990798271326843215",
        likes=312,
        comments=17,
        shares=47,  # 41 reposts + 6 quotes
        views=48210,
        reach=48210,
        clicks=0,
    )
    # A post longer than 280 characters keeps its whole text (note_tweet), not the cut one.
    assert posts[1].text.endswith("and not a second longer.")
    assert posts[2].published_at == datetime(2025, 11, 12, 9, 41, 27, tzinfo=UTC)
    assert (posts[2].comments, posts[2].shares, posts[2].views) == (2, 0, 1893)
    assert len(mocked.calls) == 2


def test_posts_since_are_asked_for_with_start_time(mocked, credentials):
    # start_time counts whole seconds: X answers with the post of 18:05:12.000 too.
    mock_timeline_page(
        mocked, "user_tweets_since", {**TIMELINE_PARAMS, "start_time": "2025-11-17T18:05:12Z"}
    )
    since = datetime(2025, 11, 17, 18, 5, 12, 400_000, tzinfo=UTC)

    posts = list(twitter.fetch_posts(credentials, X_DEVELOPERS, since=since))

    # ...and that post, published 0.4 s before `since`, is left out.
    assert [post.platform_post_id for post in posts] == ["1990798271326843215"]
    assert len(mocked.calls) == 1


def test_since_in_another_time_zone_is_sent_in_utc(mocked, credentials):
    mock_timeline_page(
        mocked, "user_tweets_since", {**TIMELINE_PARAMS, "start_time": "2025-11-17T00:00:00Z"}
    )
    paris = timezone(timedelta(hours=1))

    posts = list(
        twitter.fetch_posts(
            credentials, X_DEVELOPERS, since=datetime(2025, 11, 17, 1, 0, tzinfo=paris)
        )
    )

    assert len(posts) == 2


def test_a_caller_that_stops_early_asks_for_no_further_page(mocked, credentials):
    mock_timeline_page(mocked, "user_tweets_first", TIMELINE_PARAMS)

    [first] = list(islice(twitter.fetch_posts(credentials, X_DEVELOPERS, since=None), 1))

    assert first.likes == 312
    assert len(mocked.calls) == 1


def test_posts_refused_for_a_missing_scope_name_the_scopes(mocked, credentials):
    mock_timeline_page(mocked, "forbidden", TIMELINE_PARAMS, status=403)

    with pytest.raises(PlatformPermissionDenied) as raised:
        list(twitter.fetch_posts(credentials, X_DEVELOPERS, since=None))

    assert raised.value.message == (
        "The platform refused the operation: Forbidden "
        "(X needs the tweet.read, users.read scopes for this)"
    )


def test_posts_with_a_revoked_token_require_reauth(mocked, credentials):
    mock_timeline_page(mocked, "unauthorized", TIMELINE_PARAMS, status=401)

    with pytest.raises(ReauthRequired) as raised:
        list(twitter.fetch_posts(credentials, X_DEVELOPERS, since=None))

    assert_no_secrets(str(raised.value), repr(raised.value))
