"""Instagram client for the Instagram API with Instagram Login (graph.instagram.com).

Like Facebook, there is no refresh token: a long-lived token at least 24 hours old and not yet
expired is refreshed into a new 60-day one. None of these calls needs the app's credentials.

Documentation followed:
- Refresh: https://developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token
- /me, documented under a version (graph.instagram.com/v<version>/me), which GRAPH_URL
  carries: https://developers.facebook.com/docs/instagram-platform/reference/me
- Fields of the user (user_id, username, followers_count, media_count):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
- Getting the user id and username with /me, and the account's other fields with Instagram
  Login (name, account_type "Business or Media_Creator", followers_count):
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started
- Errors use the Graph API shape and codes, read by facebook.meta_error:
  https://developers.facebook.com/docs/graph-api/guides/error-handling
- The account's media, /me/media, newest first, with time-based pagination ("Include since and
  until query-string parameters with Unix timestamp or strtotime data values"):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
- Media fields (caption, timestamp, like_count, comments_count, permalink):
  https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media
- Insights of one media object, GET /<MEDIA_ID>/insights, one call per media:
  https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights
- Account insights, GET /<ACCOUNT_ID>/insights?metric&period&metric_type&since&until (needs
  instagram_business_manage_insights; follower_count needs 100 followers; "an empty data set
  instead of 0"; data up to 48 hours late):
  https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights
  https://developers.facebook.com/docs/instagram-platform/insights
  The reference pages do not state two limits that the API states in its errors, and that
  public clients of it quote: "There cannot be more than 30 days (2592000 s) between since and
  until", and "(follower_count) metric only supports querying data for the last 30 days
  excluding the current day". The older reference calls follower_count the "total number of new
  followers each day within the specified range" (at most 30 days):
  https://developers.facebook.com/docs/instagram-api/reference/ig-user/insights
- Webhooks with Instagram Login: after the app's fields are chosen in the App Dashboard, each
  professional account is enabled with POST /me/subscribed_apps?subscribed_fields=… on
  graph.instagram.com with its Instagram user token (instagram_business_basic and the field's
  own permission), answering {"success": true}; an account receives every field the app
  subscribed to, once it is subscribed to at least one. The removal is the same edge's DELETE,
  as the Page Subscribed Apps reference documents it for Pages:
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/webhooks
  https://developers.facebook.com/documentation/instagram-platform/webhooks/setup
  https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps
- The webhook fields (comments, live_comments, mentions, messages, message_reactions…) and the
  permission each needs: https://developers.facebook.com/documentation/instagram-platform/webhooks/fields
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from django.utils import timezone

from accounts.platforms.base import (
    Credentials,
    DailyInsight,
    PlatformPage,
    PlatformPost,
    Profile,
    TokenGrant,
    TokenValidation,
    end_of_day_totals,
    newer_than,
)
from accounts.platforms.facebook import (
    MetaGraphClient,
    daily_series,
    day_windows,
    graph_time,
    insight_window_params,
    meta_error,
)
from accounts.platforms.http import int_or_none, json_body, required
from accounts.platforms.oauth2 import token_grant_from

VALIDATION_FIELDS = "user_id,username"
PROFILE_FIELDS = "user_id,username,followers_count,media_count"
PAGE_FIELDS = "user_id,username,name,account_type,followers_count"
# account_type: "Business or Media_Creator" in the get-started guide; answers spell it in
# capitals, so it is compared in capitals.
ACCOUNT_CATEGORIES = {"BUSINESS": "Business account", "MEDIA_CREATOR": "Creator account"}
DEFAULT_CATEGORY = "Professional account"
# Reach, views, shares and saves of a post exist only as that media's own insights, one call
# per post with no batched or expanded form documented for Instagram Login; they stay 0.
MEDIA_FIELDS = "id,caption,timestamp,like_count,comments_count,permalink"
# Each request spans its days plus the one day of margin `insight_window_params` adds, within
# the 30 days the API allows between since and until.
ACCOUNT_INSIGHTS_MAX_DAYS = 30
# follower_count answers only for "the last 30 days excluding the current day"; two days are
# kept in hand against the margin of the request and the API's own (Pacific) day.
FOLLOWER_COUNT_DAYS = 28


class InstagramClient(MetaGraphClient):
    platform = "INSTAGRAM"
    refresh_model = "extend"

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        # Refresh Access Token reference: GET /refresh_access_token?grant_type=ig_refresh_token,
        # documented at the host's root, without the version the other calls carry.
        params = {"grant_type": "ig_refresh_token", **self.token_params(credentials.access_token)}
        url = urljoin(self.config["GRAPH_URL"], "/refresh_access_token")
        response = self.call(credentials, "GET", url, params=params)
        return token_grant_from(response, meta_error)

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        # A /me that answers proves the token is live; a token error (code 190) says it is not.
        user = self._me(credentials, VALIDATION_FIELDS)
        return TokenValidation(is_valid=True, platform_user_id=user.get("user_id"))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        user = self._me(credentials, PROFILE_FIELDS)
        return Profile(
            platform_user_id=required(user, "user_id"),
            user_name=user.get("username") or "",
            followers_count=int_or_none(user.get("followers_count")),
        )

    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """The professional account itself, the one page of an Instagram Login token."""
        user = self._me(credentials, PAGE_FIELDS)
        username = required(user, "username")
        return [
            PlatformPage(
                platform_page_id=required(user, "user_id"),
                name=user.get("name") or username,
                category=ACCOUNT_CATEGORIES.get(
                    str(user.get("account_type") or "").upper(), DEFAULT_CATEGORY
                ),
                url=f"https://www.instagram.com/{username}",
                followers_count=int_or_none(user.get("followers_count")),
            )
        ]

    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The account's media, newest first: likes and comments. The token's user is the
        account, so `page` names nothing the call needs."""
        params = {"fields": MEDIA_FIELDS}
        if since is not None:
            params["since"] = str(int(since.timestamp()))
        # IG User Media: GET /me/media?fields=…&since=…, time paged; needs
        # instagram_business_basic.
        rows = self.graph_list(credentials, "/me/media", token=credentials.access_token, **params)
        # Cut here too: the reference does not say which time of a media `since` compares.
        return newer_than((_post_from(row) for row in rows), since)

    def fetch_daily_insights(
        self, credentials: Credentials, page: PlatformPage, *, since: date, until: date
    ) -> list[DailyInsight]:
        """The account's reach by day (accounts reached: people, not views) in windows of 30
        days, and its total followers by day over the last 28 days, derived from the daily
        new followers. Engagement and clicks are reported only as period totals
        (total_value), not by day, so they stay None."""
        reach: dict[date, int] = {}
        for first, last in day_windows(since, until, ACCOUNT_INSIGHTS_MAX_DAYS - 1):
            reach.update(self._daily_metric(credentials, page, "reach", first, last))
        followers = self._followers_by_day(credentials, page, since, until)
        days = sorted(reach.keys() | followers.keys())
        return [
            DailyInsight(day=day, followers=followers.get(day), reach=reach.get(day))
            for day in days
        ]

    def subscribe_account_to_app(self, credentials: Credentials, fields: Sequence[str]) -> None:
        """Have Meta deliver the professional account's webhook fields to the app."""
        # Instagram Login webhooks, enabling subscriptions: POST /me/subscribed_apps
        # ?subscribed_fields=… with the Instagram user token.
        self.graph_write(
            credentials,
            "POST",
            "/me/subscribed_apps",
            token=credentials.access_token,
            subscribed_fields=",".join(fields),
        )

    def unsubscribe_account_from_app(self, credentials: Credentials) -> None:
        # The same edge's removal: DELETE /me/subscribed_apps with the Instagram user token.
        self.graph_write(
            credentials, "DELETE", "/me/subscribed_apps", token=credentials.access_token
        )

    def _followers_by_day(
        self, credentials: Credentials, page: PlatformPage, since: date, until: date
    ) -> dict[date, int]:
        """Total followers at the end of each day of `since`..`until` that follower_count
        still covers, walked back from the current total: the end of a day had the current
        followers less the new followers of every later day. All the window is asked for
        whatever the range, since each total depends on every later day. Unfollows are not
        in follower_count, nor are today's and late-reported followers, so the totals are
        approximate."""
        today = timezone.now().date()
        first = today - timedelta(days=FOLLOWER_COUNT_DAYS)
        last = today - timedelta(days=1)
        if page.followers_count is None or until < first or since > last:
            return {}
        gains = self._daily_metric(credentials, page, "follower_count", first, last)
        totals = end_of_day_totals(page.followers_count, gains, first, last)
        return {day: total for day, total in totals.items() if since <= day <= until}

    def _daily_metric(
        self, credentials: Credentials, page: PlatformPage, metric: str, first: date, last: date
    ) -> dict[date, int]:
        # Instagram Account Insights: GET /<account id>/insights?metric=…&period=day&
        # metric_type=time_series&since&until; needs instagram_business_manage_insights.
        response = self.graph_get(
            credentials,
            f"/{page.platform_page_id}/insights",
            token=credentials.access_token,
            metric=metric,
            period="day",
            metric_type="time_series",
            **insight_window_params(first, last),
        )
        return daily_series(json_body(response), first, last).get(metric, {})

    def _me(self, credentials: Credentials, fields: str) -> dict[str, Any]:
        # Me reference: GET /me?fields=... answers the fields of the token's own user.
        response = self.graph_get(credentials, "/me", token=credentials.access_token, fields=fields)
        return json_body(response)


def _post_from(row: dict[str, Any]) -> PlatformPost:
    return PlatformPost(
        platform_post_id=required(row, "id"),
        published_at=graph_time(row.get("timestamp")),
        text=row.get("caption") or "",
        url=row.get("permalink") or "",
        likes=int_or_none(row.get("like_count")) or 0,
        comments=int_or_none(row.get("comments_count")) or 0,
    )
