from datetime import UTC, date, datetime
from itertools import islice

import pytest
import requests
import time_machine
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.base import DailyInsight, PlatformPage
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


# --- Pages, posts and daily insights ------------------------------------------------------

ANALYTICS = "https://youtubeanalytics.googleapis.com/v2"
CHANNEL_ID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
UPLOADS = "UU_x5XG1OV2P6uZZ5FSM9Ttw"
BEARER = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def studio_page(followers: int | None = 4820) -> PlatformPage:
    return PlatformPage(platform_page_id=CHANNEL_ID, name="Acme Studio", followers_count=followers)


def test_fetch_pages_lists_the_users_channels(mocked, credentials):
    mocked.get(
        f"{API}/channels",
        match=[
            matchers.query_param_matcher(
                {"part": "snippet,statistics,contentDetails", "mine": "true", "maxResults": "50"}
            ),
            matchers.header_matcher(BEARER),
        ],
        json=load_fixture("youtube", "channels_pages"),
    )

    pages = youtube.fetch_pages(credentials)

    assert [
        (page.platform_page_id, page.name, page.category, page.url, page.followers_count)
        for page in pages
    ] == [
        (CHANNEL_ID, "Acme Studio", "Channel", "https://www.youtube.com/@acmestudio", 4820),
    ]
    assert pages[0].access_token is None


def test_a_hidden_subscriber_count_is_unknown_not_zero(mocked, credentials):
    mocked.get(f"{API}/channels", json=load_fixture("youtube", "channels_hidden_subscribers"))

    (page,) = youtube.fetch_pages(credentials)

    assert page.followers_count is None
    # A legacy custom URL is no address on its own: the channel id's serves.
    assert page.url == "https://www.youtube.com/channel/UCk8GzjMOrta8yxDcKfylJYw"


def test_an_account_without_a_channel_has_no_pages(mocked, credentials):
    mocked.get(f"{API}/channels", json=load_fixture("youtube", "channels_none"))

    assert youtube.fetch_pages(credentials) == []


def mock_uploads_playlist(mocked):
    mocked.get(
        f"{API}/channels",
        match=[matchers.query_param_matcher({"part": "contentDetails", "id": CHANNEL_ID})],
        json=load_fixture("youtube", "channels_uploads"),
    )


def mock_upload_page(mocked, page_token: str | None, case: str, video_ids: str, videos: str):
    params = {"part": "contentDetails", "playlistId": UPLOADS, "maxResults": "50"}
    mocked.get(
        f"{API}/playlistItems",
        match=[
            matchers.query_param_matcher(
                {**params, "pageToken": page_token} if page_token else params
            ),
            matchers.header_matcher(BEARER),
        ],
        json=load_fixture("youtube", case),
    )
    mocked.get(
        f"{API}/videos",
        match=[
            matchers.query_param_matcher({"part": "snippet,statistics", "id": video_ids}),
            matchers.header_matcher(BEARER),
        ],
        json=load_fixture("youtube", videos),
    )


def mock_first_upload_page(mocked):
    mock_uploads_playlist(mocked)
    mock_upload_page(
        mocked, None, "playlist_items_page1", "dQ7kYp2mX3A,Lm3rT8vQw1E", "videos_page1"
    )


def test_fetch_posts_reads_every_page_of_uploads_with_one_videos_call_each(mocked, credentials):
    mock_first_upload_page(mocked)
    mock_upload_page(
        mocked, "EAAaBlBUOkNBSQ", "playlist_items_page2", "Xa9pB4nK2sU", "videos_page2"
    )

    posts = list(youtube.fetch_posts(credentials, studio_page(), since=None))

    # In the playlist's order, whatever the order of the videos answer.
    assert [post.platform_post_id for post in posts] == [
        "dQ7kYp2mX3A",
        "Lm3rT8vQw1E",
        "Xa9pB4nK2sU",
    ]
    first = posts[0]
    assert first.published_at == datetime(2026, 7, 3, 16, 0, 5, tzinfo=UTC)
    assert first.text == "Acme summer release in 5 minutes"
    assert first.url == "https://www.youtube.com/watch?v=dQ7kYp2mX3A"
    assert (first.likes, first.comments, first.shares) == (143, 18, 0)
    assert (first.views, first.reach, first.clicks) == (1907, 1907, 0)
    # Hidden likes count as none.
    assert (posts[1].likes, posts[1].comments, posts[1].views) == (0, 27, 3312)
    assert (posts[2].views, posts[2].engagement) == (12840, 705)
    assert len(mocked.calls) == 5


def test_fetch_posts_stops_at_the_first_video_older_than_since(mocked, credentials):
    mock_first_upload_page(mocked)

    since = datetime(2026, 7, 1, tzinfo=UTC)
    posts = list(youtube.fetch_posts(credentials, studio_page(), since=since))

    assert [post.platform_post_id for post in posts] == ["dQ7kYp2mX3A"]
    assert len(mocked.calls) == 3  # the older video ended the list: no second page


def test_a_caller_that_takes_only_the_first_videos_asks_for_no_more_pages(mocked, credentials):
    mock_first_upload_page(mocked)

    posts = youtube.fetch_posts(credentials, studio_page(), since=None)
    assert len(mocked.calls) == 0  # nothing is asked before an item is wanted
    taken = list(islice(posts, 2))

    assert [post.platform_post_id for post in taken] == ["dQ7kYp2mX3A", "Lm3rT8vQw1E"]
    assert len(mocked.calls) == 3


def test_fetch_posts_with_a_revoked_token_requires_reauth(mocked, credentials):
    mocked.get(f"{API}/channels", status=401, json=load_fixture("youtube", "unauthorized"))

    with pytest.raises(ReauthRequired):
        list(youtube.fetch_posts(credentials, studio_page(), since=None))


def test_an_unreadable_uploads_playlist_names_googles_reason(mocked, credentials):
    mock_uploads_playlist(mocked)
    mocked.get(
        f"{API}/playlistItems", status=403, json=load_fixture("youtube", "playlist_not_found")
    )

    with pytest.raises(PlatformPermissionDenied) as raised:
        list(youtube.fetch_posts(credentials, studio_page(), since=None))

    assert raised.value.message == (
        "The platform refused the operation: The request is not properly authorized to "
        "retrieve the specified playlist."
    )


# Saturday 2026-07-04, midday UTC.
JULY_4TH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def mock_daily_report(mocked, start_date: str):
    mocked.get(
        f"{ANALYTICS}/reports",
        match=[
            matchers.query_param_matcher(
                {
                    "ids": "channel==MINE",
                    "startDate": start_date,
                    # Through today: the walk back needs every later day's gains.
                    "endDate": "2026-07-04",
                    "metrics": "views,likes,comments,shares,subscribersGained,subscribersLost",
                    "dimensions": "day",
                    "sort": "day",
                }
            ),
            matchers.header_matcher(BEARER),
        ],
        json=load_fixture("youtube", "analytics_daily"),
    )


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_read_the_report_and_walk_subscribers_back(mocked, credentials):
    mock_daily_report(mocked, "2026-07-01")

    insights = youtube.fetch_daily_insights(
        credentials, studio_page(), since=date(2026, 7, 1), until=date(2026, 7, 3)
    )

    # Net gains: 18 - 3 on the 1st, 12 - 5 on the 2nd, none reported yet after that.
    assert insights == [
        DailyInsight(date(2026, 7, 1), followers=4813, engagement=82, reach=1520),
        DailyInsight(date(2026, 7, 2), followers=4820, engagement=65, reach=1388),
        DailyInsight(date(2026, 7, 3), followers=4820),
    ]


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_of_a_hidden_subscriber_count_have_no_totals(mocked, credentials):
    mock_daily_report(mocked, "2026-07-02")

    insights = youtube.fetch_daily_insights(
        credentials, studio_page(followers=None), since=date(2026, 7, 2), until=date(2026, 7, 2)
    )

    assert insights == [DailyInsight(date(2026, 7, 2), engagement=65, reach=1388)]


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_without_the_analytics_scope_name_it(mocked, credentials):
    mocked.get(
        f"{ANALYTICS}/reports",
        status=403,
        json=load_fixture("youtube", "analytics_insufficient_scopes"),
    )

    with pytest.raises(PlatformPermissionDenied) as raised:
        youtube.fetch_daily_insights(
            credentials, studio_page(), since=date(2026, 7, 1), until=date(2026, 7, 3)
        )

    assert raised.value.message == (
        "The platform refused the operation: Request had insufficient authentication scopes. "
        "(YouTube Analytics needs the https://www.googleapis.com/auth/yt-analytics.readonly "
        "scope)"
    )


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_with_a_revoked_token_require_reauth(mocked, credentials):
    mocked.get(f"{ANALYTICS}/reports", status=401, json=load_fixture("youtube", "unauthorized"))

    with pytest.raises(ReauthRequired):
        youtube.fetch_daily_insights(
            credentials, studio_page(), since=date(2026, 7, 1), until=date(2026, 7, 3)
        )


# --- WebSub subscription of a channel -------------------------------------------------------------

HUB = "https://pubsubhubbub.appspot.com/subscribe"
CHANNEL_ID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
TOPIC = f"https://www.youtube.com/xml/feeds/videos.xml?channel_id={CHANNEL_ID}"
CALLBACK = "https://api.example.com/webhooks/youtube/social_k3m9x0c2v7b1n4q8"
HUB_SECRET = "hub-secret-SECRET-9q8w7e"


def test_websub_subscribe_posts_the_form_the_hub_expects(mocked, credentials):
    mocked.post(
        HUB,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "hub.callback": CALLBACK,
                    "hub.mode": "subscribe",
                    "hub.topic": TOPIC,
                    "hub.lease_seconds": "864000",
                    "hub.secret": HUB_SECRET,
                }
            )
        ],
        status=202,
    )

    youtube.websub_subscribe(
        credentials,
        channel_id=CHANNEL_ID,
        callback_url=CALLBACK,
        secret=HUB_SECRET,
        lease_seconds=864000,
    )

    assert len(mocked.calls) == 1


def test_websub_unsubscribe_posts_the_unsubscribe_mode(mocked, credentials):
    mocked.post(
        HUB,
        match=[
            matchers.urlencoded_params_matcher(
                {"hub.callback": CALLBACK, "hub.mode": "unsubscribe", "hub.topic": TOPIC}
            )
        ],
        status=202,
    )

    youtube.websub_unsubscribe(credentials, channel_id=CHANNEL_ID, callback_url=CALLBACK)

    assert len(mocked.calls) == 1


def test_a_hub_refusal_is_rejected_without_quoting_the_hub(mocked, credentials, sleeps, caplog):
    # A hub may echo what it was sent; the secret must not reach the error or a log line.
    mocked.post(HUB, status=400, body=f"Invalid parameter: hub.secret={HUB_SECRET}")

    with pytest.raises(PlatformRequestRejected) as raised:
        youtube.websub_subscribe(
            credentials,
            channel_id=CHANNEL_ID,
            callback_url=CALLBACK,
            secret=HUB_SECRET,
            lease_seconds=864000,
        )

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == "The YouTube WebSub hub refused the request (400)"
    assert HUB_SECRET not in caplog.text
    assert sleeps == []


def test_a_hub_request_whose_answer_was_lost_is_sent_again(mocked, credentials, sleeps):
    # Subscribing twice renews twice: unlike a token POST, it may be resent.
    mocked.post(HUB, body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.post(HUB, status=202)

    youtube.websub_unsubscribe(credentials, channel_id=CHANNEL_ID, callback_url=CALLBACK)

    assert len(mocked.calls) == 2
