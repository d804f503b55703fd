import pytest
import time_machine
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.errors import (
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
