from datetime import UTC, date, datetime
from itertools import islice

import pytest
import time_machine
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.base import DailyInsight, PlatformPage
from accounts.platforms.errors import PlatformPermissionDenied, ReauthRequired
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


# --- Pages, posts and daily insights -----------------------------------------------------------

ACCOUNT_ID = "17841405822304914"
ACCOUNT = PlatformPage(
    platform_page_id=ACCOUNT_ID,
    name="Acme Studio",
    url="https://www.instagram.com/acme.studio",
    followers_count=2841,
)
MEDIA_FIELDS = "id,caption,timestamp,like_count,comments_count,permalink"
# The tests' today: follower_count then covers 20 February to 19 March.
TODAY = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def query(**params: str) -> list:
    """Instagram Login calls carry the token alone (no appsecret_proof)."""
    return [matchers.query_param_matcher({**params, "access_token": ACCESS_TOKEN})]


def insights_query(metric: str, since: str, until: str) -> list:
    return query(metric=metric, period="day", metric_type="time_series", since=since, until=until)


def test_fetch_pages_answers_the_professional_account(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me",
        match=query(fields="user_id,username,name,account_type,followers_count"),
        json=load_fixture("instagram", "me_page"),
    )

    [page] = instagram.fetch_pages(credentials)

    assert (
        page.platform_page_id,
        page.name,
        page.category,
        page.url,
        page.followers_count,
        page.access_token,
    ) == (
        ACCOUNT_ID,
        "Acme Studio",
        "Business account",
        "https://www.instagram.com/acme.studio",
        2841,
        None,
    )


def test_fetch_posts_follows_the_media_cursor(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me/media",
        match=query(fields=MEDIA_FIELDS),
        json=load_fixture("instagram", "media_first"),
    )
    mocked.get(
        f"{GRAPH}/me/media",
        match=query(fields=MEDIA_FIELDS, pretty="0", limit="25", after="QVFIUjh6d2FkSXVr"),
        json=load_fixture("instagram", "media_last"),
    )

    posts = list(instagram.fetch_posts(credentials, ACCOUNT, since=None))

    assert [
        (post.platform_post_id, post.published_at, post.likes, post.comments, post.url)
        for post in posts
    ] == [
        (
            "18047299871562301",
            datetime(2026, 3, 5, 19, 42, 10, tzinfo=UTC),
            412,
            37,
            "https://www.instagram.com/p/DGxq1aBs7Kp/",
        ),
        (
            "17986512230448712",
            datetime(2026, 3, 1, 8, 3, 55, tzinfo=UTC),
            188,
            6,
            "https://www.instagram.com/p/DGmT0vQyN2c/",
        ),
        (
            "18320918455100273",
            datetime(2026, 2, 22, 15, 20, 31, tzinfo=UTC),
            256,
            19,
            "https://www.instagram.com/p/DGRk3pLsH9w/",
        ),
    ]
    assert [post.text for post in posts] == [
        "Behind the scenes of our spring shoot #acmestudio",
        "",
        "New studio, same coffee.",
    ]
    # Reach, views, shares and saves would take one insights call per media: not asked.
    assert {(post.shares, post.views, post.reach, post.clicks) for post in posts} == {(0, 0, 0, 0)}


def test_fetch_posts_sends_since_and_stops_at_an_older_post(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me/media",
        match=query(fields=MEDIA_FIELDS, since="1772323200"),
        json=load_fixture("instagram", "media_since"),
    )

    posts = list(
        instagram.fetch_posts(credentials, ACCOUNT, since=datetime(2026, 3, 1, tzinfo=UTC))
    )

    assert [post.platform_post_id for post in posts] == ["18047299871562301"]
    assert len(mocked.calls) == 1


def test_a_caller_that_stops_early_asks_for_no_further_page(mocked, credentials):
    mocked.get(f"{GRAPH}/me/media", json=load_fixture("instagram", "media_first"))

    first_two = list(islice(instagram.fetch_posts(credentials, ACCOUNT, since=None), 2))

    assert [post.likes for post in first_two] == [412, 188]
    assert len(mocked.calls) == 1


@time_machine.travel(TODAY, tick=False)
def test_daily_insights_read_reach_and_derive_followers_from_new_followers(mocked, credentials):
    # Reach for 15 to 19 March (until: two days after the last day; 20 March, today, is
    # in the answer and dropped).
    mocked.get(
        f"{GRAPH}/{ACCOUNT_ID}/insights",
        match=insights_query("reach", since="1773532800", until="1774051200"),
        json=load_fixture("instagram", "account_reach"),
    )
    # New followers over the whole window follower_count covers, 20 February to 19 March,
    # whatever the range asked: each day's total depends on every later day.
    mocked.get(
        f"{GRAPH}/{ACCOUNT_ID}/insights",
        match=insights_query("follower_count", since="1771545600", until="1774051200"),
        json=load_fixture("instagram", "account_follower_count"),
    )

    days = instagram.fetch_daily_insights(
        credentials, ACCOUNT, since=date(2026, 3, 15), until=date(2026, 3, 19)
    )

    # 2841 now; the new followers of 19, 18, 17 and 16 March were 1, 5, 9 and 4.
    assert days == [
        DailyInsight(date(2026, 3, 15), followers=2822, reach=1204),
        DailyInsight(date(2026, 3, 16), followers=2826, reach=987),
        DailyInsight(date(2026, 3, 17), followers=2835, reach=1530),
        DailyInsight(date(2026, 3, 18), followers=2840, reach=1102),
        DailyInsight(date(2026, 3, 19), followers=2841, reach=1311),
    ]


@time_machine.travel(TODAY, tick=False)
def test_daily_insights_split_reach_into_windows_of_30_days(mocked, credentials):
    # 1 January to 10 February: 29 days (plus the margin day), then 12. All of it is older
    # than follower_count reaches, so that metric is not asked for.
    mocked.get(
        f"{GRAPH}/{ACCOUNT_ID}/insights",
        match=insights_query("reach", since="1767225600", until="1769817600"),
        json=load_fixture("instagram", "account_reach_january"),
    )
    mocked.get(
        f"{GRAPH}/{ACCOUNT_ID}/insights",
        match=insights_query("reach", since="1769731200", until="1770854400"),
        json=load_fixture("instagram", "account_reach_february"),
    )

    days = instagram.fetch_daily_insights(
        credentials, ACCOUNT, since=date(2026, 1, 1), until=date(2026, 2, 10)
    )

    assert len(days) == 41
    assert days[0] == DailyInsight(date(2026, 1, 1), reach=900)
    assert days[28] == DailyInsight(date(2026, 1, 29), reach=1544)
    assert days[29] == DailyInsight(date(2026, 1, 30), reach=1000)
    assert days[40] == DailyInsight(date(2026, 2, 10), reach=1241)
    assert {day.followers for day in days} == {None}
    for call in mocked.calls:
        params = call.request.params
        assert int(params["until"]) - int(params["since"]) <= 2592000


def test_insights_without_their_permission_are_refused_with_the_reason(mocked, credentials):
    mocked.get(
        f"{GRAPH}/{ACCOUNT_ID}/insights",
        status=400,
        json=load_fixture("instagram", "insights_permission_missing"),
    )

    with pytest.raises(PlatformPermissionDenied) as raised:
        instagram.fetch_daily_insights(
            credentials, ACCOUNT, since=date(2025, 12, 1), until=date(2025, 12, 7)
        )

    assert raised.value.status_code == 403
    assert raised.value.message == (
        "The platform refused the operation: (#10) Application does not have permission for "
        "this action"
    )


def test_a_dead_token_on_media_requires_reauth(mocked, credentials):
    mocked.get(f"{GRAPH}/me/media", status=400, json=load_fixture("instagram", "token_expired"))

    with pytest.raises(ReauthRequired):
        list(instagram.fetch_posts(credentials, ACCOUNT, since=None))


# --- Webhook subscription of the professional account -------------------------------------------


def test_subscribe_account_to_app_sends_the_fields_for_me(mocked, credentials):
    mocked.post(
        f"{GRAPH}/me/subscribed_apps",
        match=[
            matchers.query_param_matcher(
                {"subscribed_fields": "comments,messages", "access_token": ACCESS_TOKEN}
            )
        ],
        json=load_fixture("instagram", "subscribed_apps_success"),
    )

    instagram.subscribe_account_to_app(credentials, ["comments", "messages"])

    assert len(mocked.calls) == 1


def test_unsubscribe_account_from_app_deletes_for_me(mocked, credentials):
    mocked.delete(
        f"{GRAPH}/me/subscribed_apps",
        match=[matchers.query_param_matcher({"access_token": ACCESS_TOKEN})],
        json=load_fixture("instagram", "subscribed_apps_success"),
    )

    instagram.unsubscribe_account_from_app(credentials)

    assert len(mocked.calls) == 1


def test_subscribing_with_an_expired_token_requires_reauth(mocked, credentials):
    mocked.post(
        f"{GRAPH}/me/subscribed_apps", status=400, json=load_fixture("instagram", "token_expired")
    )

    with pytest.raises(ReauthRequired):
        instagram.subscribe_account_to_app(credentials, ["comments"])
