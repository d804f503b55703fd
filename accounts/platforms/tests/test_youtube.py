from datetime import UTC, datetime

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
    client_id,
    client_secret,
    load_fixture,
)
from accounts.platforms.youtube import seconds_until_quota_reset

OAUTH = "https://oauth2.googleapis.com"
API = "https://www.googleapis.com/youtube/v3"
youtube = get_client("YOUTUBE")


def test_refresh_keeps_no_refresh_token_when_google_sends_none(mocked, credentials):
    mocked.post(
        f"{OAUTH}/token",
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
        json=load_fixture("youtube", "refresh_success"),
    )

    grant = youtube.refresh_token(credentials)

    assert grant.access_token == "ya29.a0AfH6SMBrefreshedAccessToken"
    assert grant.expires_in == 3599
    assert grant.refresh_token is None  # the caller keeps the stored one
    assert grant.scopes == [
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/yt-analytics.readonly",
    ]


def test_a_revoked_refresh_token_requires_reauth(mocked, credentials):
    mocked.post(f"{OAUTH}/token", status=400, json=load_fixture("youtube", "invalid_grant"))

    with pytest.raises(ReauthRequired):
        youtube.refresh_token(credentials)


def test_validate_reads_tokeninfo(mocked, credentials):
    mocked.get(
        f"{OAUTH}/tokeninfo",
        match=[matchers.query_param_matcher({"access_token": ACCESS_TOKEN})],
        json=load_fixture("youtube", "tokeninfo_valid"),
    )

    validation = youtube.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at == datetime.fromtimestamp(1763549000, tz=UTC)
    assert "https://www.googleapis.com/auth/youtube.readonly" in validation.scopes


def test_validate_of_an_invalid_token(mocked, credentials):
    mocked.get(f"{OAUTH}/tokeninfo", status=400, json=load_fixture("youtube", "tokeninfo_invalid"))

    assert not youtube.validate_token(credentials).is_valid


def test_a_token_issued_to_another_app_is_not_valid_for_us(mocked, credentials):
    mocked.get(f"{OAUTH}/tokeninfo", json=load_fixture("youtube", "tokeninfo_other_app"))

    assert not youtube.validate_token(credentials).is_valid


def test_fetch_profile_reads_the_users_channel(mocked, credentials):
    mocked.get(
        f"{API}/channels",
        match=[
            matchers.query_param_matcher({"part": "snippet,statistics", "mine": "true"}),
            matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"}),
        ],
        json=load_fixture("youtube", "channels_mine"),
    )

    profile = youtube.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.followers_count) == (
        "UC_x5XG1OV2P6uZZ5FSM9Ttw",
        "Acme Studio",
        4820,
    )


def test_an_account_without_a_channel_is_rejected_not_sent_to_reauth(mocked, credentials):
    mocked.get(f"{API}/channels", json=load_fixture("youtube", "channels_none"))

    with pytest.raises(PlatformRequestRejected) as raised:
        youtube.fetch_profile(credentials)

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == "The Google account has no YouTube channel"


def test_an_exhausted_quota_is_a_rate_limit(mocked, credentials, sleeps):
    mocked.get(f"{API}/channels", status=403, json=load_fixture("youtube", "quota_exceeded"))

    with pytest.raises(PlatformRateLimited):
        youtube.fetch_profile(credentials)

    assert sleeps == []


def test_fetch_profile_with_a_revoked_token_requires_reauth(mocked, credentials):
    mocked.get(f"{API}/channels", status=401, json=load_fixture("youtube", "unauthorized"))

    with pytest.raises(ReauthRequired):
        youtube.fetch_profile(credentials)


# Thursday 2026-11-26 15:30 in Los Angeles (PST, UTC-8): 8 h 30 min before the quota resets.
AFTERNOON_IN_LOS_ANGELES = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)


@time_machine.travel(AFTERNOON_IN_LOS_ANGELES, tick=False)
def test_an_exhausted_daily_quota_waits_for_midnight_pacific_time(mocked, credentials, sleeps):
    mocked.get(f"{API}/channels", status=403, json=load_fixture("youtube", "quota_exceeded"))

    with pytest.raises(PlatformQuotaExhausted) as raised:
        youtube.fetch_profile(credentials)

    assert raised.value.retry_after == 8.5 * 3600
    assert raised.value.message == (
        "YouTube daily quota exhausted; calls resume after midnight Pacific Time"
    )
    assert sleeps == []


@pytest.mark.parametrize(
    ("moment", "hours_left"),
    [
        # 00:00 PDT on the day summer time ends: that day has 25 hours.
        (datetime(2026, 11, 1, 7, 0, tzinfo=UTC), 25),
        # 00:00 PST on the day summer time starts: that day has 23 hours.
        (datetime(2026, 3, 8, 8, 0, tzinfo=UTC), 23),
    ],
)
def test_the_quota_reset_follows_daylight_saving_time(moment, hours_left):
    assert seconds_until_quota_reset(moment) == hours_left * 3600


def test_a_short_rate_limit_is_not_a_spent_quota(mocked, credentials, sleeps):
    mocked.get(f"{API}/channels", status=403, json=load_fixture("youtube", "user_rate_limited"))

    with pytest.raises(PlatformRateLimited) as raised:
        youtube.fetch_profile(credentials)

    assert type(raised.value) is PlatformRateLimited
