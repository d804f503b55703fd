"""A full sync of every platform through the API, against its documented answers served at the
HTTP boundary: the pages, each page's posts across several pages of results, and the daily
figures of the SYNC_HISTORY_DAYS window.

The platform answers are the client tests' fixtures; the daily figures of the week before
2025-11-19 (the frozen "now"), and a few small answers the client tests never needed, are in
analytics/tests/fixtures/<platform>/.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from responses import RequestsMock, matchers

from accounts.models import SocialAccount, SocialPage
from accounts.platforms import linkedin
from accounts.platforms.tests.support import BASE_URLS, load_fixture
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus

# Transactional: a sync is handed to its worker when the starting transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
# The checked day, two days before the frozen "now": every platform that reports days has
# reported it, and TikTok and X have a post published on it.
NOV_17 = date(2025, 11, 17)


def answer(platform: str, case: str) -> Any:
    """The JSON answer of analytics/tests/fixtures/<platform>/<case>.json."""
    return json.loads((FIXTURES / platform / f"{case}.json").read_text())


def query(**params: str) -> list:
    """Matches a request whose query has these parameters, among others."""
    return [matchers.query_param_matcher(params, strict_match=False)]


@pytest.fixture(autouse=True)
def _one_week_of_history(settings):
    """Seven days of daily figures: one insights request per page on every platform."""
    settings.SYNC_HISTORY_DAYS = 7


@pytest.fixture(autouse=True)
def _linkedin_pages_of_two(monkeypatch):
    """LinkedIn's fixtures answer requests for pages of two (their paging says count 2)."""
    monkeypatch.setattr(linkedin, "ROLES_PER_PAGE", 2)
    monkeypatch.setattr(linkedin, "POSTS_PER_PAGE", 2)


# --- Facebook: three pages over two pages of the list; Acme Corp's feed in two pages ----------

FB = BASE_URLS["FACEBOOK"]["GRAPH_URL"]
FB_ACME, FB_SUPPORT, FB_LABS = "104619372293045", "112233445566778", "998877665544332"
FB_NEXT_ACCOUNTS = query(after="QVFIUm1Ub1ZAxZAWhn")
FB_NEXT_POSTS = query(__paging_token="enc_AdAQZBbZCZA5nextPage")


def facebook_sync(mock: RequestsMock) -> None:
    mock.get(f"{FB}/me/accounts", json=load_fixture("facebook", "accounts_first"))
    mock.get(
        f"{FB}/me/accounts", match=FB_NEXT_ACCOUNTS, json=load_fixture("facebook", "accounts_last")
    )
    mock.get(f"{FB}/{FB_ACME}/posts", json=load_fixture("facebook", "posts_first"))
    mock.get(
        f"{FB}/{FB_ACME}/posts", match=FB_NEXT_POSTS, json=load_fixture("facebook", "posts_last")
    )
    mock.get(f"{FB}/{FB_ACME}/insights", json=answer("facebook", "page_insights_november"))
    mock.get(f"{FB}/{FB_SUPPORT}/posts", json=answer("facebook", "posts_none"))
    mock.get(
        f"{FB}/{FB_SUPPORT}/insights", json=answer("facebook", "page_insights_november_support")
    )
    # Acme Labs reports no figures for the week: an empty data set, not zeros.
    mock.get(f"{FB}/{FB_LABS}/posts", json=answer("facebook", "posts_none"))
    mock.get(f"{FB}/{FB_LABS}/insights", json=answer("facebook", "page_insights_none"))


def facebook_failure(mock: RequestsMock) -> None:
    # Pages are read in the order they were stored, a tie under the frozen clock: with one
    # page listed, the failing feed is the first one read.
    mock.get(f"{FB}/me/accounts", json=answer("facebook", "accounts_acme"))
    mock.get(f"{FB}/{FB_ACME}/posts", json=load_fixture("facebook", "posts_first"))
    mock.get(f"{FB}/{FB_ACME}/posts", match=FB_NEXT_POSTS, status=503)


# --- Instagram: the professional account; its media in two pages -----------------------------

IG = BASE_URLS["INSTAGRAM"]["GRAPH_URL"]
IG_ACCOUNT = "17841405822304914"


def instagram_media_first_page(mock: RequestsMock) -> None:
    mock.get(f"{IG}/me", json=load_fixture("instagram", "me_page"))
    mock.get(f"{IG}/me/media", json=load_fixture("instagram", "media_first"))


def instagram_sync(mock: RequestsMock) -> None:
    instagram_media_first_page(mock)
    mock.get(
        f"{IG}/me/media",
        match=query(after="QVFIUjh6d2FkSXVr"),
        json=load_fixture("instagram", "media_last"),
    )
    mock.get(
        f"{IG}/{IG_ACCOUNT}/insights",
        match=query(metric="reach"),
        json=answer("instagram", "account_reach_november"),
    )
    mock.get(
        f"{IG}/{IG_ACCOUNT}/insights",
        match=query(metric="follower_count"),
        json=answer("instagram", "account_follower_count_november"),
    )


def instagram_failure(mock: RequestsMock) -> None:
    instagram_media_first_page(mock)
    mock.get(f"{IG}/me/media", match=query(after="QVFIUjh6d2FkSXVr"), status=503)


# --- TikTok: the profile; its videos in two pages ----------------------------------------------

TIKTOK = BASE_URLS["TIKTOK"]["API_URL"]
VIDEO_LIST = f"{TIKTOK}/v2/video/list/"
NEXT_VIDEOS = [matchers.json_params_matcher({"cursor": 1763402712000}, strict_match=False)]


def tiktok_videos_first_page(mock: RequestsMock) -> None:
    mock.get(f"{TIKTOK}/v2/user/info/", json=load_fixture("tiktok", "user_info_page"))
    mock.post(VIDEO_LIST, json=load_fixture("tiktok", "video_list_first"))


def tiktok_sync(mock: RequestsMock) -> None:
    tiktok_videos_first_page(mock)
    mock.post(VIDEO_LIST, match=NEXT_VIDEOS, json=load_fixture("tiktok", "video_list_last"))


def tiktok_failure(mock: RequestsMock) -> None:
    tiktok_videos_first_page(mock)
    mock.post(VIDEO_LIST, match=NEXT_VIDEOS, status=503)


# --- X: the profile; its timeline in two pages -------------------------------------------------

X = BASE_URLS["TWITTER"]["API_URL"]
TIMELINE = f"{X}/2/users/2244994945/tweets"
NEXT_TWEETS = query(pagination_token="7140dibdnow9c7btw4539n4vybdnpzqgc2wy0tbnk0ptd")


def twitter_timeline_first_page(mock: RequestsMock) -> None:
    mock.get(f"{X}/2/users/me", json=load_fixture("twitter", "users_me"))
    mock.get(TIMELINE, json=load_fixture("twitter", "user_tweets_first"))


def twitter_sync(mock: RequestsMock) -> None:
    twitter_timeline_first_page(mock)
    mock.get(TIMELINE, match=NEXT_TWEETS, json=load_fixture("twitter", "user_tweets_last"))


def twitter_failure(mock: RequestsMock) -> None:
    twitter_timeline_first_page(mock)
    mock.get(TIMELINE, match=NEXT_TWEETS, status=503)


# --- LinkedIn: three organizations over two pages of roles; Acme Corp's posts in two pages ----

LI = BASE_URLS["LINKEDIN"]["API_URL"]
LI_ACME, LI_LABS, LI_CAREERS = (
    f"urn:li:organization:{organization}" for organization in ("2414183", "5515715", "89758488")
)
SHARE_STATISTICS = f"{LI}/organizationalEntityShareStatistics"
FOLLOWER_STATISTICS = f"{LI}/organizationalEntityFollowerStatistics"
# 13 November 00:00 UTC to the end of today (19 November), one request for the whole week.
LI_WEEK = "(timeRange:(start:1762992000000,end:1763596800000),timeGranularityType:DAY)"


def linkedin_organizations(mock: RequestsMock, ids: str, body: dict) -> None:
    mock.get(f"{LI}/organizations", match=query(ids=ids), json=body)


def linkedin_follower_count(mock: RequestsMock, organization: str, case: str) -> None:
    encoded = organization.replace(":", "%3A")
    mock.get(f"{LI}/networkSizes/{encoded}", json=load_fixture("linkedin", case))


def linkedin_posts(mock: RequestsMock, organization: str, start: str, **reply: Any) -> None:
    mock.get(f"{LI}/posts", match=query(author=organization, start=start), **reply)


def linkedin_post_statistics(mock: RequestsMock, shares: str, case: str) -> None:
    mock.get(SHARE_STATISTICS, match=query(shares=shares), json=load_fixture("linkedin", case))


def linkedin_daily(
    mock: RequestsMock, organization: str, share_case: str, follower_case: str
) -> None:
    for url, case in ((SHARE_STATISTICS, share_case), (FOLLOWER_STATISTICS, follower_case)):
        week = query(organizationalEntity=organization, timeIntervals=LI_WEEK)
        mock.get(url, match=week, json=answer("linkedin", case))


def linkedin_acme_first_posts(mock: RequestsMock) -> None:
    linkedin_posts(mock, LI_ACME, "0", json=load_fixture("linkedin", "posts_page1"))
    linkedin_post_statistics(
        mock, "List(urn:li:share:7213550198730719232)", "share_statistics_posts_page1"
    )


def linkedin_sync(mock: RequestsMock) -> None:
    mock.get(f"{LI}/organizationAcls", json=load_fixture("linkedin", "organization_acls_page1"))
    mock.get(
        f"{LI}/organizationAcls",
        match=query(start="2"),
        json=load_fixture("linkedin", "organization_acls_page2"),
    )
    for ids, case in (
        ("List(2414183,5515715)", "organizations_batch"),
        ("List(89758488)", "organizations_batch_showcase"),
    ):
        linkedin_organizations(mock, ids, load_fixture("linkedin", case))
    for organization, case in (
        (LI_ACME, "network_size"),
        (LI_LABS, "network_size_labs"),
        (LI_CAREERS, "network_size_careers"),
    ):
        linkedin_follower_count(mock, organization, case)
    linkedin_acme_first_posts(mock)
    linkedin_posts(mock, LI_ACME, "2", json=load_fixture("linkedin", "posts_page2"))
    linkedin_post_statistics(
        mock, "List(urn:li:share:7208826054231932928)", "share_statistics_posts_page2"
    )
    linkedin_daily(
        mock, LI_ACME, "share_statistics_daily_november", "follower_statistics_daily_november"
    )
    for organization in (LI_LABS, LI_CAREERS):
        linkedin_posts(mock, organization, "0", json=answer("linkedin", "posts_none"))
        linkedin_daily(mock, organization, "statistics_daily_none", "statistics_daily_none")


def linkedin_failure(mock: RequestsMock) -> None:
    # One organization listed, so that the failing posts are the first ones read (see
    # facebook_failure).
    mock.get(f"{LI}/organizationAcls", json=answer("linkedin", "organization_acls_acme"))
    linkedin_organizations(mock, "List(2414183)", answer("linkedin", "organizations_batch_acme"))
    linkedin_follower_count(mock, LI_ACME, "network_size")
    linkedin_acme_first_posts(mock)
    linkedin_posts(mock, LI_ACME, "2", status=503)


# --- YouTube: the channel; its uploads in two pages, each with its videos call -----------------

YT = BASE_URLS["YOUTUBE"]["API_URL"]
YT_ANALYTICS = BASE_URLS["YOUTUBE"]["ANALYTICS_URL"]
YT_CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
NEXT_UPLOADS = query(pageToken="EAAaBlBUOkNBSQ")


def youtube_uploads_first_page(mock: RequestsMock) -> None:
    mock.get(
        f"{YT}/channels", match=query(mine="true"), json=load_fixture("youtube", "channels_pages")
    )
    mock.get(
        f"{YT}/channels",
        match=query(id=YT_CHANNEL),
        json=load_fixture("youtube", "channels_uploads"),
    )
    mock.get(f"{YT}/playlistItems", json=load_fixture("youtube", "playlist_items_page1"))
    mock.get(
        f"{YT}/videos",
        match=query(id="dQ7kYp2mX3A,Lm3rT8vQw1E"),
        json=load_fixture("youtube", "videos_page1"),
    )


def youtube_sync(mock: RequestsMock) -> None:
    youtube_uploads_first_page(mock)
    mock.get(
        f"{YT}/playlistItems",
        match=NEXT_UPLOADS,
        json=load_fixture("youtube", "playlist_items_page2"),
    )
    mock.get(
        f"{YT}/videos", match=query(id="Xa9pB4nK2sU"), json=load_fixture("youtube", "videos_page2")
    )
    mock.get(
        f"{YT_ANALYTICS}/reports",
        match=query(startDate="2025-11-13", endDate="2025-11-19"),
        json=answer("youtube", "analytics_daily_november"),
    )


def youtube_failure(mock: RequestsMock) -> None:
    youtube_uploads_first_page(mock)
    mock.get(f"{YT}/playlistItems", match=NEXT_UPLOADS, status=503)


# --- The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    sync: Callable[[RequestsMock], None]
    # The same sync up to its second page of posts, which answers 503.
    failure: Callable[[RequestsMock], None]
    # Platform page id: followers.
    pages: dict[str, int]
    posts: int
    # One post: platform post id, engagement (likes + comments + shares), reach.
    post: tuple[str, int, int]
    # The daily history of NOV_17: followers, engagement, reach, clicks.
    day: tuple[int | None, int, int, int]


SCENARIOS: dict[str, Scenario] = {
    "FACEBOOK": Scenario(
        facebook_sync,
        facebook_failure,
        pages={FB_ACME: 12873, FB_SUPPORT: 341, FB_LABS: 57},
        posts=2 + 1,
        # Reactions + comments + shares; reach: post_total_media_view_unique.
        post=("104619372293045_1051998765432101", 148 + 23 + 12, 5210),
        # Page Insights of Acme Corp + Acme Support: page_follows, page_post_engagements,
        # page_total_media_view_unique, page_total_actions.
        day=(12862 + 340, 219 + 8, 2817 + 366, 21 + 1),
    ),
    "INSTAGRAM": Scenario(
        instagram_sync,
        instagram_failure,
        pages={IG_ACCOUNT: 2841},
        posts=2 + 1,
        # Likes + comments; no per-post reach without a call per media.
        post=("18047299871562301", 412 + 37, 0),
        # Today's 2841 less the 3 new followers of the 18th; reach by day; no engagement or
        # clicks by day, and no post published that day.
        day=(2841 - 3, 0, 1305, 0),
    ),
    "TIKTOK": Scenario(
        tiktok_sync,
        tiktok_failure,
        pages={"723f24d7-e717-40f8-a2b6-cb8464cd23b4": 5120},
        posts=2 + 1,
        # Likes + comments + shares; reach: views.
        post=("7573412280349654302", 1204 + 87 + 45, 18342),
        # No daily figures: the day adds up its one video; followers are known for today only.
        day=(None, 633 + 21 + 12, 9051, 0),
    ),
    "TWITTER": Scenario(
        twitter_sync,
        twitter_failure,
        pages={"2244994945": 583423},
        posts=2 + 1,
        # Likes + replies + reposts and quotes; reach: impressions.
        post=("1990798271326843215", 312 + 17 + (41 + 6), 48210),
        # No daily figures: the day adds up its one post.
        day=(None, 140 + 9 + (12 + 3), 20577, 0),
    ),
    "LINKEDIN": Scenario(
        linkedin_sync,
        linkedin_failure,
        pages={"2414183": 219145, "5515715": 3087, "89758488": 412},
        posts=2 + 1,
        # Likes + comments + shares; reach: uniqueImpressionsCount.
        post=("urn:li:share:7213550198730719232", 84 + 9 + 12, 3105),
        # Acme Corp's 219145 less the 8 followers gained on the 18th, plus the two others
        # (no gains reported); the day's share statistics of Acme Corp.
        day=(219145 - 8 + 3087 + 412, 27 + 5 + 4, 1125, 36),
    ),
    "YOUTUBE": Scenario(
        youtube_sync,
        youtube_failure,
        pages={YT_CHANNEL: 4820},
        posts=2 + 1,
        # Likes + comments (no shares in the Data API); reach: views.
        post=("dQ7kYp2mX3A", 143 + 18, 1907),
        # Today's 4820, no report yet for the 18th and 19th; the day's likes + comments +
        # shares and views; no clicks.
        day=(4820, 44 + 7 + 2, 1204, 0),
    ),
}


def full_sync(api, account: SocialAccount):
    return api.post(f"/social/accounts/{account.pk}/sync", {"syncType": "full"}, format="json")


@pytest.mark.parametrize("platform", SCENARIOS)
def test_a_full_sync_stores_the_platforms_pages_posts_and_days(
    api, account_factory, platforms, platform
):
    scenario = SCENARIOS[platform]
    account = account_factory(platform=platform)
    scenario.sync(platforms)

    response = full_sync(api, account)

    assert response.status_code == 200, response.json()
    result = response.json()["syncResult"]
    assert (result["postsSynced"], result["followersSynced"]) == (
        scenario.posts,
        sum(scenario.pages.values()),
    )
    assert Post.objects.filter(social_account=account).count() == scenario.posts
    post_id, engagement, reach = scenario.post
    post = Post.objects.get(social_account=account, platform_post_id=post_id)
    assert (post.engagement, post.reach) == (engagement, reach)
    pages = SocialPage.objects.filter(social_account=account)
    assert dict(pages.values_list("platform_page_id", "followers_count")) == scenario.pages
    day = DailyMetric.objects.get(social_account=account, day=NOV_17)
    assert (day.followers, day.engagement, day.reach, day.clicks) == scenario.day


@pytest.mark.parametrize("platform", SCENARIOS)
def test_running_the_same_full_sync_again_adds_no_post(api, account_factory, platforms, platform):
    scenario = SCENARIOS[platform]
    account = account_factory(platform=platform)
    scenario.sync(platforms)
    assert full_sync(api, account).status_code == 200
    assert all(registered.call_count for registered in platforms.registered())
    # The second sync is served answers of its own: `responses` replaces a used answer by the
    # next registered one that matches, which for a next page's request could be the first
    # page's answer of the second registration.
    platforms.reset()
    scenario.sync(platforms)

    response = full_sync(api, account)

    assert response.status_code == 200, response.json()
    assert response.json()["syncResult"]["postsSynced"] == scenario.posts
    assert Post.objects.filter(social_account=account).count() == scenario.posts
    assert SocialPage.objects.filter(social_account=account).count() == len(scenario.pages)
    assert SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).count() == 2


@pytest.mark.parametrize("platform", SCENARIOS)
def test_a_platform_down_on_the_second_page_of_posts_fails_the_run_and_marks_nothing_synced(
    api, account_factory, platforms, platform
):
    account = account_factory(platform=platform)
    before = (account.last_sync_at, account.stats_total_posts)
    SCENARIOS[platform].failure(platforms)

    response = full_sync(api, account)

    assert response.status_code == 502, response.json()
    run = SyncRun.objects.get(social_account=account)
    assert (run.status, run.error_status) == (SyncStatus.FAILED, 502)
    account = SocialAccount.objects.get(pk=account.pk)
    assert (account.last_sync_at, account.stats_total_posts) == before
    assert not DailyMetric.objects.filter(social_account=account).exists()
