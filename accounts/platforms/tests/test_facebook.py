import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from itertools import islice

import pytest
import requests
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.base import DailyInsight, PlatformPage
from accounts.platforms.errors import (
    PlatformPermissionDenied,
    PlatformRateLimited,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.facebook import graph_time
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

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == (
        "Facebook refused the app access token: check SOCIAL_FACEBOOK_CLIENT_ID and "
        "SOCIAL_FACEBOOK_CLIENT_SECRET"
    )
    assert_no_secrets(str(raised.value), repr(raised.value))


def test_fetch_profile_signs_the_user_token_with_appsecret_proof(mocked, credentials):
    # Securing requests: hex HMAC-SHA256 of the access token, keyed with the app secret.
    proof = hmac.new(
        client_secret("FACEBOOK").encode(), ACCESS_TOKEN.encode(), hashlib.sha256
    ).hexdigest()
    mocked.get(
        f"{GRAPH}/me",
        match=[
            matchers.query_param_matcher(
                {"fields": "id,name,email", "access_token": ACCESS_TOKEN, "appsecret_proof": proof}
            )
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


def test_a_business_use_case_limit_waits_as_long_as_meta_estimates(mocked, credentials, sleeps):
    # Rate-limiting page: estimated_time_to_regain_access is in minutes, per business object.
    usage = {
        "112233445566778": [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 25,
                "total_time": 25,
                "estimated_time_to_regain_access": 19,
            }
        ],
        "10153848260347724": [
            {
                "type": "pages",
                "call_count": 97,
                "total_cputime": 23,
                "total_time": 23,
                "estimated_time_to_regain_access": 0,
            }
        ],
    }
    mocked.get(
        f"{GRAPH}/me",
        status=400,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        json=load_fixture("facebook", "page_rate_limited"),
    )

    with pytest.raises(PlatformRateLimited) as raised:
        facebook.fetch_profile(credentials)

    assert raised.value.retry_after == 19 * 60
    assert raised.value.message == "Meta Graph API error 80001 (fbtrace_id AmFGcW_3hwDB7qFbl_QdebZ)"
    assert len(mocked.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("code", [80000, 80002, 80006, 80014])
def test_every_business_use_case_code_is_a_rate_limit(mocked, credentials, code):
    body = load_fixture("facebook", "page_rate_limited")
    body["error"]["code"] = code
    mocked.get(f"{GRAPH}/me", status=400, json=body)

    with pytest.raises(PlatformRateLimited):
        facebook.fetch_profile(credentials)


def test_a_full_hourly_app_usage_pauses_for_part_of_the_hour(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me",
        status=400,
        headers={"X-App-Usage": '{"call_count": 100, "total_time": 25, "total_cputime": 25}'},
        json=load_fixture("facebook", "rate_limited"),
    )

    with pytest.raises(PlatformRateLimited) as raised:
        facebook.fetch_profile(credentials)

    assert raised.value.retry_after == 600


def test_a_throttled_answer_without_usage_headers_leaves_the_wait_to_the_caller(
    mocked, credentials
):
    mocked.get(f"{GRAPH}/me", status=400, json=load_fixture("facebook", "rate_limited"))

    with pytest.raises(PlatformRateLimited) as raised:
        facebook.fetch_profile(credentials)

    assert raised.value.retry_after is None


def test_validate_reads_when_data_access_expires(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_valid"))

    validation = facebook.validate_token(credentials)

    assert validation.data_access_expires_at == datetime.fromtimestamp(1771400000, tz=UTC)


def test_calls_made_with_the_app_credentials_carry_no_appsecret_proof(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_valid"))

    facebook.validate_token(credentials)

    assert "appsecret_proof" not in mocked.calls[0].request.url


# --- Pages, posts and daily insights -----------------------------------------------------------

PAGE_ID = "104619372293045"
PAGE_TOKEN = "page-token-SECRET-acme-7f3k"
ACME = PlatformPage(platform_page_id=PAGE_ID, name="Acme Corp", access_token=PAGE_TOKEN)
PAGE_FIELDS = "id,name,category,access_token,followers_count,link"
POST_FIELDS = (
    "id,message,created_time,permalink_url,shares,reactions.limit(0).summary(total_count),"
    "comments.limit(0).summary(total_count),"
    "insights.metric(post_total_media_view_unique,post_media_view,post_clicks)"
)
PAGE_METRICS = "page_follows,page_post_engagements,page_total_media_view_unique,page_total_actions"


def signed_by(token: str) -> dict[str, str]:
    """The credentials every Graph call made with `token` carries."""
    proof = hmac.new(client_secret("FACEBOOK").encode(), token.encode(), hashlib.sha256)
    return {"access_token": token, "appsecret_proof": proof.hexdigest()}


def page_query(**params: str) -> list:
    return [matchers.query_param_matcher({**params, **signed_by(PAGE_TOKEN)})]


def test_fetch_pages_follows_the_cursor_and_keeps_each_page_token(mocked, credentials, caplog):
    user = signed_by(ACCESS_TOKEN)
    mocked.get(
        f"{GRAPH}/me/accounts",
        match=[matchers.query_param_matcher({"fields": PAGE_FIELDS, **user})],
        json=load_fixture("facebook", "accounts_first"),
    )
    # The next link's query, less the token it carries, which is ours again.
    mocked.get(
        f"{GRAPH}/me/accounts",
        match=[
            matchers.query_param_matcher(
                {"fields": PAGE_FIELDS, "limit": "25", "after": "QVFIUm1Ub1ZAxZAWhn", **user}
            )
        ],
        json=load_fixture("facebook", "accounts_last"),
    )

    pages = facebook.fetch_pages(credentials)

    assert [
        (page.platform_page_id, page.name, page.category, page.url, page.followers_count)
        for page in pages
    ] == [
        (PAGE_ID, "Acme Corp", "Software Company", "https://www.facebook.com/acmecorp", 12873),
        (
            "112233445566778",
            "Acme Support",
            "Product/service",
            "https://www.facebook.com/acmesupport",
            341,
        ),
        (
            "998877665544332",
            "Acme Labs",
            "Science, Technology & Engineering",
            "https://www.facebook.com/acmelabs",
            57,
        ),
    ]
    page_tokens = [page.access_token for page in pages]
    assert page_tokens == [
        PAGE_TOKEN,
        "page-token-SECRET-support-2m9q",
        "page-token-SECRET-labs-8w1e",
    ]
    for page, token in zip(pages, page_tokens, strict=True):
        assert token not in repr(page)
        assert token not in caplog.text


def test_fetch_posts_reads_every_page_of_the_feed_with_the_page_token(mocked, credentials):
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/posts",
        match=page_query(fields=POST_FIELDS, limit="50"),
        json=load_fixture("facebook", "posts_first"),
    )
    # Time-based paging: `until` and `__paging_token` from the next link; its blank `since`
    # and `__previous` markers are not sent.
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/posts",
        match=page_query(
            fields=POST_FIELDS,
            limit="50",
            until="1772442942",
            __paging_token="enc_AdAQZBbZCZA5nextPage",
        ),
        json=load_fixture("facebook", "posts_last"),
    )

    posts = list(facebook.fetch_posts(credentials, ACME, since=None))

    assert [
        (
            post.platform_post_id,
            post.published_at,
            post.likes,
            post.comments,
            post.shares,
            post.views,
            post.reach,
            post.clicks,
        )
        for post in posts
    ] == [
        (
            f"{PAGE_ID}_1051998765432101",
            datetime(2026, 3, 4, 16, 30, tzinfo=UTC),
            148,
            23,
            12,
            8934,
            5210,
            311,
        ),
        (
            f"{PAGE_ID}_1050112233445566",
            datetime(2026, 3, 2, 9, 15, 42, tzinfo=UTC),
            61,
            4,
            0,
            2402,
            1830,
            57,
        ),
        (
            f"{PAGE_ID}_1048877665544332",
            datetime(2026, 2, 26, 18, 4, 11, tzinfo=UTC),
            95,
            17,
            3,
            4011,
            3120,
            88,
        ),
    ]
    assert posts[0].text == "Our spring release is live: faster sync and a new dashboard."
    assert posts[0].url == "https://www.facebook.com/acmecorp/posts/pfbid01051998765432101"
    assert posts[1].text == ""  # a photo posted without a message
    assert posts[0].engagement == 148 + 23 + 12


def test_fetch_posts_sends_since_and_stops_at_an_older_post(mocked, credentials):
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/posts",
        match=page_query(fields=POST_FIELDS, limit="50", since="1772323200"),
        json=load_fixture("facebook", "posts_since"),
    )

    posts = list(facebook.fetch_posts(credentials, ACME, since=datetime(2026, 3, 1, tzinfo=UTC)))

    # The answer still held a post of 20 February and a next link: neither is followed.
    assert [post.platform_post_id for post in posts] == [f"{PAGE_ID}_1051998765432101"]
    assert len(mocked.calls) == 1


def test_a_caller_that_stops_early_asks_for_no_further_page(mocked, credentials):
    mocked.get(f"{GRAPH}/{PAGE_ID}/posts", json=load_fixture("facebook", "posts_first"))

    first_two = list(islice(facebook.fetch_posts(credentials, ACME, since=None), 2))

    assert [post.likes for post in first_two] == [148, 61]
    assert len(mocked.calls) == 1


def test_daily_insights_read_the_page_metrics_by_day(mocked, credentials):
    # since: UTC midnight of the first day; until: two days after the last (the margin day,
    # 4 March, is in the answer and dropped).
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/insights",
        match=page_query(metric=PAGE_METRICS, period="day", since="1772323200", until="1772668800"),
        json=load_fixture("facebook", "page_insights"),
    )

    days = facebook.fetch_daily_insights(
        credentials, ACME, since=date(2026, 3, 1), until=date(2026, 3, 3)
    )

    assert days == [
        DailyInsight(date(2026, 3, 1), followers=12841, engagement=180, reach=2400, clicks=9),
        DailyInsight(date(2026, 3, 2), followers=12846, engagement=217, reach=2611, clicks=22),
        DailyInsight(date(2026, 3, 3), followers=12853, engagement=254, reach=2822, clicks=35),
    ]


def test_daily_insights_split_a_long_range_into_windows_of_90_days(mocked, credentials):
    # 1 December to 10 March is 100 days: 89 days (plus the margin day) and then 11.
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/insights",
        match=page_query(metric=PAGE_METRICS, period="day", since="1764547200", until="1772323200"),
        json=load_fixture("facebook", "page_insights_winter"),
    )
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/insights",
        match=page_query(metric=PAGE_METRICS, period="day", since="1772236800", until="1773273600"),
        json=load_fixture("facebook", "page_insights_spring"),
    )

    days = facebook.fetch_daily_insights(
        credentials, ACME, since=date(2025, 12, 1), until=date(2026, 3, 10)
    )

    assert [day.day for day in days] == [
        date.fromordinal(date(2025, 12, 1).toordinal() + offset) for offset in range(100)
    ]
    assert days[0] == DailyInsight(
        date(2025, 12, 1), followers=11953, engagement=180, reach=2400, clicks=9
    )
    assert days[88] == DailyInsight(
        date(2026, 2, 27), followers=12394, engagement=216, reach=3868, clicks=37
    )
    assert days[89] == DailyInsight(
        date(2026, 2, 28), followers=12604, engagement=180, reach=2400, clicks=9
    )
    assert days[99] == DailyInsight(
        date(2026, 3, 10), followers=12654, engagement=270, reach=2610, clicks=15
    )
    for call in mocked.calls:
        query = call.request.params
        assert int(query["until"]) - int(query["since"]) <= 90 * 86400


def test_posts_without_pages_read_engagement_are_refused_naming_it(mocked, credentials):
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/posts",
        status=400,
        json=load_fixture("facebook", "posts_permission_missing"),
    )

    with pytest.raises(PlatformPermissionDenied) as raised:
        list(facebook.fetch_posts(credentials, ACME, since=None))

    assert raised.value.status_code == 403
    assert "requires the 'pages_read_engagement' permission" in raised.value.message


def test_insights_without_read_insights_are_refused_naming_it(mocked, credentials):
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/insights",
        status=403,
        json=load_fixture("facebook", "insights_permission_missing"),
    )

    with pytest.raises(PlatformPermissionDenied) as raised:
        facebook.fetch_daily_insights(
            credentials, ACME, since=date(2026, 3, 1), until=date(2026, 3, 3)
        )

    assert raised.value.message == (
        "The platform refused the operation: (#200) Requires read_insights permission"
    )


def test_a_dead_page_token_requires_reauth(mocked, credentials):
    mocked.get(
        f"{GRAPH}/{PAGE_ID}/posts", status=400, json=load_fixture("facebook", "token_expired")
    )

    with pytest.raises(ReauthRequired):
        list(facebook.fetch_posts(credentials, ACME, since=None))


def test_a_page_without_its_token_is_refused_before_any_call(mocked, credentials):
    tokenless = PlatformPage(platform_page_id=PAGE_ID, name="Acme Corp")

    with pytest.raises(PlatformPermissionDenied) as raised:
        facebook.fetch_daily_insights(
            credentials, tokenless, since=date(2026, 3, 1), until=date(2026, 3, 3)
        )

    assert raised.value.message == (
        f"Facebook gave no access token for page {PAGE_ID}: the user needs a task on the "
        "page and the pages_show_list permission"
    )
    assert len(mocked.calls) == 0


# --- Webhook subscription of a page -------------------------------------------------------------


def test_subscribe_page_to_app_sends_the_fields_with_the_page_token(mocked, credentials):
    mocked.post(
        f"{GRAPH}/{PAGE_ID}/subscribed_apps",
        match=page_query(subscribed_fields="feed,mention"),
        json=load_fixture("facebook", "subscribed_apps_success"),
    )

    facebook.subscribe_page_to_app(credentials, ACME, ["feed", "mention"])

    assert len(mocked.calls) == 1


def test_unsubscribe_page_from_app_deletes_with_the_page_token(mocked, credentials):
    mocked.delete(
        f"{GRAPH}/{PAGE_ID}/subscribed_apps",
        match=page_query(),
        json=load_fixture("facebook", "subscribed_apps_success"),
    )

    facebook.unsubscribe_page_from_app(credentials, ACME)

    assert len(mocked.calls) == 1


def test_a_subscription_whose_answer_was_lost_is_sent_again(mocked, credentials, sleeps):
    # Subscribing twice sets the same fields twice: unlike a token POST, it may be resent.
    url = f"{GRAPH}/{PAGE_ID}/subscribed_apps"
    mocked.post(url, body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.post(url, json=load_fixture("facebook", "subscribed_apps_success"))

    facebook.subscribe_page_to_app(credentials, ACME, ["feed"])

    assert len(mocked.calls) == 2


def test_a_subscription_meta_does_not_confirm_is_rejected(mocked, credentials):
    # Not a documented answer: what a write that did not take would look like.
    mocked.post(f"{GRAPH}/{PAGE_ID}/subscribed_apps", json={"success": False})

    with pytest.raises(PlatformRequestRejected) as raised:
        facebook.subscribe_page_to_app(credentials, ACME, ["feed"])

    assert raised.value.message == (f"The platform did not confirm POST /{PAGE_ID}/subscribed_apps")


def test_subscribing_with_a_dead_page_token_requires_reauth(mocked, credentials):
    mocked.post(
        f"{GRAPH}/{PAGE_ID}/subscribed_apps",
        status=400,
        json=load_fixture("facebook", "token_expired"),
    )

    with pytest.raises(ReauthRequired):
        facebook.subscribe_page_to_app(credentials, ACME, ["feed"])


def test_a_page_without_its_token_is_not_subscribed(mocked, credentials):
    tokenless = PlatformPage(platform_page_id=PAGE_ID, name="Acme Corp")

    with pytest.raises(PlatformPermissionDenied):
        facebook.subscribe_page_to_app(credentials, tokenless, ["feed"])

    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T18:04:11+0000",
        "2026-03-02T18:04:11-0800",
        "2026-12-31T23:59:59+0530",
        "2026-3-2T18:04:11+0000",
        "2026-03-02T18:04:11+00:00",
    ],
)
def test_graph_times_read_as_strptime_reads_them(text):
    expected = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)

    assert graph_time(text) == expected
    assert graph_time(text).tzinfo == UTC


@pytest.mark.parametrize("value", ["2026-02-30T18:04:11+0000", "2026-03-02", "", None, 1763550000])
def test_a_bad_graph_time_is_refused(value):
    with pytest.raises(PlatformRequestRejected, match="bad time"):
        graph_time(value)
