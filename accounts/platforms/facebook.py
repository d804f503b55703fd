"""Facebook (Graph API) client.

A Facebook user token has no refresh token: "refreshing" exchanges a still-valid token for a
new long-lived one (about 60 days); an expired token cannot be exchanged, only re-authorized.

Documentation followed:
- Long-lived tokens:
  https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
- Debugging tokens (debug_token and its answer, data_access_expires_at included):
  https://developers.facebook.com/docs/facebook-login/guides/access-tokens/debugging
  https://developers.facebook.com/docs/graph-api/reference/debug_token
- Data access expiring 90 days after the user was last active:
  https://developers.facebook.com/docs/facebook-login/auth-vs-data
- Securing requests (appsecret_proof): https://developers.facebook.com/docs/graph-api/guides/secure-requests
- User node (/me): https://developers.facebook.com/docs/graph-api/reference/user
- Error shape and codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
- Rate limits: the throttling codes, the Business Use Case codes and the X-App-Usage and
  X-Business-Use-Case-Usage headers:
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
- Paged lists (`paging.cursors`, `paging.next` absent on the last page, `since` and `until`):
  https://developers.facebook.com/docs/graph-api/results/
- Field expansion (`reactions.summary(total_count)`, `insights.metric(...)` inside `fields`):
  https://developers.facebook.com/docs/graph-api/guides/field-expansion
- Pages the user manages, each with its Page access token:
  https://developers.facebook.com/docs/graph-api/reference/user/accounts/
  https://developers.facebook.com/documentation/business-sdk/common-scenarios/token-switch
- Page fields (category, followers_count, link): https://developers.facebook.com/docs/graph-api/reference/page/
- A Page's own posts, /{page-id}/posts ("only the posts that were published by this Page"; at
  most 100 per request): https://developers.facebook.com/docs/graph-api/reference/page/feed/
- Reactions and comments summaries: https://developers.facebook.com/docs/graph-api/reference/object/reactions/
  https://developers.facebook.com/docs/graph-api/reference/object/comments/
- Page and post insights (90 days per since/until query, values dated by end_time, the first
  end_time being the day after `since`):
  https://developers.facebook.com/docs/graph-api/reference/insights/
  https://developers.facebook.com/documentation/pages-api/platforminsights/page
- Page Subscribed Apps: POST /{page-id}/subscribed_apps with `subscribed_fields` subscribes the
  app to the Page's webhook fields, DELETE removes the subscription; both with the Page token
  (pages_manage_metadata), answering {"success": true}. Only the fields subscribed at both the
  Page and the app level are delivered:
  https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps
- The Page webhook fields (`feed`, `mention`, `messages`, …):
  https://developers.facebook.com/docs/graph-api/webhooks/reference/page/
- Metrics removed from every version, with their replacements (page_impressions_unique →
  page_total_media_view_unique, post_impressions_unique → post_total_media_view_unique,
  page_fans → page_follows, page_impressions / post_impressions → *_media_view):
  https://developers.facebook.com/documentation/pages-api/platforminsights/page/deprecated-metrics
  https://developers.facebook.com/documentation/pages-api/changelog/

The Meta error body {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} is
classified here once (`meta_error`), and `MetaGraphClient` sends the Graph GET calls; the
Instagram client, on the same Graph platform, builds on both.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from accounts.platforms.base import (
    Credentials,
    DailyInsight,
    PlatformClient,
    PlatformPage,
    PlatformPost,
    Profile,
    TokenGrant,
    TokenValidation,
    newer_than,
    paginate,
)
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformRateLimited,
    PlatformRequestRejected,
    PlatformUnavailable,
    ReauthRequired,
)
from accounts.platforms.http import (
    ErrorClassifier,
    from_timestamp,
    int_or_none,
    json_body,
    permission_denied,
    required,
    retry_after_header,
)
from accounts.platforms.oauth2 import token_grant_from

# 190: token expired, revoked or invalid; 102: API session expired (error-handling guide).
META_REAUTH_CODES = frozenset({102, 190})
# 4 app, 17 user, 32 page, 613 custom throttling, and the Business Use Case limits 80000-80014
# (80001 Pages with a page token, 80002 Instagram, ads, Messenger, WhatsApp…; rate-limiting
# page).
META_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
# 3 missing capability, 10 and 200-299 a permission not granted or removed.
META_PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
# 1 unknown and 2 service: temporary downtime, "wait and retry".
META_TRANSIENT_CODES = frozenset({1, 2})
# Rate-limiting page: X-App-Usage (and X-Page-Usage) give percentages of a rolling hour and no
# wait; each X-Business-Use-Case-Usage entry says, in minutes, when calls will work again.
PERCENT_USAGE_HEADERS = ("X-App-Usage", "X-Page-Usage")
BUSINESS_USAGE_HEADER = "X-Business-Use-Case-Usage"
# A full rolling hour drains gradually: this much later, part of the budget is back.
FULL_USAGE_WAIT_SECONDS = 10 * 60

# Paged lists: a `paging.next` link carries our own token (and proof); the next page is asked
# for with the rest of its query, and our credentials are added again by `graph_get`.
CREDENTIAL_PARAMS = frozenset({"access_token", "appsecret_proof"})

PAGE_FIELDS = "id,name,category,access_token,followers_count,link"
# Per post: the Page's reactions (likes and the other reactions), comments and shares, and
# three lifetime post insights by field expansion. post_total_media_view_unique (people who
# saw the post) replaces the removed post_impressions_unique, post_media_view (times it was
# seen) the removed post_impressions; post_clicks is on no deprecation list.
POST_INSIGHTS = {
    "post_total_media_view_unique": "reach",
    "post_media_view": "views",
    "post_clicks": "clicks",
}
POST_FIELDS = ",".join(
    [
        "id",
        "message",
        "created_time",
        "permalink_url",
        "shares",
        "reactions.limit(0).summary(total_count)",
        "comments.limit(0).summary(total_count)",
        f"insights.metric({','.join(POST_INSIGHTS)})",
    ]
)
# The Page Feed reference allows 100; each post here also carries its insights, and Meta
# answers "reduce the amount of data" to heavy requests, so pages are kept smaller.
POSTS_PER_REQUEST = 50
# Page Insights, period=day: the total followers at the end of each day (page_follows replaces
# the removed page_fans), engagements with the Page's posts, people who saw any of its content
# (page_total_media_view_unique replaces the removed page_impressions_unique) and clicks on its
# contact info and call-to-action button.
PAGE_DAY_METRICS = (
    "page_follows",
    "page_post_engagements",
    "page_total_media_view_unique",
    "page_total_actions",
)
# "Only 90 days of insights can be viewed at one time when using since and until": each
# request spans its days plus the one day of margin `insight_window_params` adds.
PAGE_INSIGHTS_MAX_DAYS = 90


def meta_error(response: requests.Response) -> PlatformError:
    """Classify a Graph API error body by its `code`, which says more than the HTTP status."""
    error = json_body(response).get("error") or {}
    code = error.get("code")
    # fbtrace_id is what Meta support asks for; it holds nothing secret.
    detail = f"Meta Graph API error {code} (fbtrace_id {error.get('fbtrace_id')})"
    if code in META_REAUTH_CODES:
        return ReauthRequired(detail)
    if code in META_RATE_LIMIT_CODES:
        return PlatformRateLimited(detail, retry_after=meta_retry_after(response))
    if code in META_PERMISSION_CODES:
        return permission_denied(response)
    if code in META_TRANSIENT_CODES:
        return PlatformUnavailable(detail)
    return PlatformRequestRejected(detail)


def meta_retry_after(response: requests.Response) -> float | None:
    """Seconds until a throttled app or business object may call again: the longest
    `estimated_time_to_regain_access` (minutes) of the Business Use Case header; else a
    pause when the app's hourly usage is full; else what Retry-After says."""
    regain_minutes = [
        entry.get("estimated_time_to_regain_access")
        for entry in _usage_entries(response.headers.get(BUSINESS_USAGE_HEADER))
    ]
    waits = [value for value in regain_minutes if isinstance(value, int | float) and value > 0]
    if waits:
        return max(waits) * 60.0
    if any(_usage_full(response.headers.get(header)) for header in PERCENT_USAGE_HEADERS):
        return float(FULL_USAGE_WAIT_SECONDS)
    return retry_after_header(response)


def _usage_entries(header: str | None) -> list[dict[str, Any]]:
    """The entries of a usage header: {"<business id>": [{...}, …]} or one flat {...}."""
    try:
        usage = json.loads(header or "{}")
    except ValueError:
        return []
    if not isinstance(usage, dict):
        return []
    nested = [item for value in usage.values() if isinstance(value, list) for item in value]
    entries = nested or [usage]
    return [entry for entry in entries if isinstance(entry, dict)]


def _usage_full(header: str | None) -> bool:
    """Whether a percentage header (call_count, total_time, total_cputime) has reached 100."""
    return any(
        isinstance(value, int | float) and value >= 100
        for entry in _usage_entries(header)
        for value in entry.values()
    )


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Securing requests: hex HMAC-SHA256 of the access token keyed with the app secret, so
    that a token stolen without the secret cannot be used against our app."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def app_token_error(response: requests.Response) -> PlatformError:
    """Classify a debug_token failure. debug_token reports the user token's problems inside
    its `data`; a token error at the top level is about the app access token we sent, so
    it is our configuration to fix, not a reason to ask the user to reconnect."""
    error = meta_error(response)
    if isinstance(error, ReauthRequired):
        return PlatformRequestRejected(
            "Facebook refused the app access token: check SOCIAL_FACEBOOK_CLIENT_ID and "
            "SOCIAL_FACEBOOK_CLIENT_SECRET"
        )
    return error


# The shape the Graph API writes its times in, read by fromisoformat, which is seventy times
# faster than strptime (a sync reads thousands); any other shape goes through strptime.
GRAPH_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}")


def graph_time(value: Any) -> datetime:
    """A Graph timestamp ("2026-03-02T18:04:11+0000", always UTC) as an aware datetime."""
    text = str(value)
    try:
        if GRAPH_TIME_SHAPE.fullmatch(text):
            return datetime.fromisoformat(text).astimezone(UTC)
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except ValueError:
        raise PlatformRequestRejected(f"The platform's answer has a bad time: {value!r}") from None


def next_page_query(body: Mapping[str, Any]) -> str | None:
    """What to ask for the next page of a Graph list, or None on the last page.

    Paginated Results: "If `next` is not included, this is the last page". Its link is
    `after=<cursor>` on cursor-paged edges and `until=…&__paging_token=…` on time-paged ones
    (a Page's posts, an account's media), so the whole query of the link is kept, less our
    credentials and the blank markers Meta adds (`since=`, `__previous=`)."""
    paging = body.get("paging")
    link = paging.get("next") if isinstance(paging, dict) else None
    if not isinstance(link, str) or not link:
        return None
    query = [
        (key, value)
        for key, value in parse_qsl(urlsplit(link).query)
        if key not in CREDENTIAL_PARAMS
    ]
    return urlencode(query) or None


def list_items(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [item for item in body.get("data") or [] if isinstance(item, dict)]


def day_windows(since: date, until: date, max_days: int) -> list[tuple[date, date]]:
    """`since`..`until` (both included) cut into windows of at most `max_days` days."""
    windows = []
    start = since
    while start <= until:
        end = min(until, start + timedelta(days=max_days - 1))
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def insight_window_params(first: date, last: date) -> dict[str, str]:
    """`since` and `until` (Unix timestamps) for the daily values of `first`..`last`.

    A daily value is dated by its `end_time`, Pacific midnight at the end of the day (07:00 or
    08:00 UTC), and the docs do not say whether `until` is compared with it or with its Pacific
    date. Asking until UTC midnight two days after `last` includes `last` either way; the
    values of the margin day are dropped by `daily_series`."""
    return {
        "since": str(_midnight_timestamp(first)),
        "until": str(_midnight_timestamp(last + timedelta(days=2))),
    }


def _midnight_timestamp(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def insight_day(end_time: Any) -> date | None:
    """The day a daily value counts: the one its `end_time` closes ("if you set since to
    January 1, 2018, the end_time will be January 2, 2018 at 8:00 GMT")."""
    try:
        return (graph_time(end_time) - timedelta(days=1)).date()
    except PlatformRequestRejected:
        return None


def daily_series(body: Mapping[str, Any], since: date, until: date) -> dict[str, dict[date, int]]:
    """{metric name: {day: value}} of a `period=day` insights answer, for `since`..`until`.

    Each entry is {"name", "period", "values": [{"value", "end_time"}, …]}; a metric or a day
    the platform has no figure for is simply absent (the docs: "an empty data set instead of
    0")."""
    series: dict[str, dict[date, int]] = {}
    for metric in list_items(body):
        if metric.get("period") != "day" or not isinstance(metric.get("name"), str):
            continue
        values = series.setdefault(metric["name"], {})
        for point in metric.get("values") or []:
            day = insight_day(point.get("end_time")) if isinstance(point, dict) else None
            value = int_or_none(point.get("value")) if day is not None else None
            if day is not None and value is not None and since <= day <= until:
                values[day] = value
    return series


class MetaGraphClient(PlatformClient):
    """What Facebook and Instagram share: GET calls on GRAPH_URL, errors read by `meta_error`,
    throttling waits read from Meta's usage headers."""

    classify_error = staticmethod(meta_error)
    read_retry_after = staticmethod(meta_retry_after)

    def graph_get(
        self,
        credentials: Credentials,
        path: str,
        *,
        token: str | None = None,
        classify_error: ErrorClassifier | None = None,
        **params: str,
    ) -> requests.Response:
        """GET a Graph path made with `token` (a user or page token), or, without it, with the
        app credentials the caller put in `params`."""
        if token is not None:
            params = {**params, **self.token_params(token)}
        return self.call(
            credentials,
            "GET",
            self.config["GRAPH_URL"] + path,
            params=params,
            classify_error=classify_error,
        )

    def token_params(self, token: str) -> dict[str, str]:
        return {"access_token": token}

    def graph_write(
        self, credentials: Credentials, method: str, path: str, *, token: str, **params: str
    ) -> None:
        """POST or DELETE a Graph edge that answers {"success": true}. Only subscription
        edges are written here: sending one of them twice has the effect of sending it once,
        so a call whose answer was lost may be sent again."""
        response = self.call(
            credentials,
            method,
            self.config["GRAPH_URL"] + path,
            params={**params, **self.token_params(token)},
            idempotent=True,
        )
        if json_body(response).get("success") is not True:
            raise PlatformRequestRejected(f"The platform did not confirm {method} {path}")

    def graph_list(
        self, credentials: Credentials, path: str, *, token: str, **params: str
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paged Graph list, read lazily: the next page is asked for only when
        the caller wants more items, on our own base URL and with our own credentials."""

        def fetch_page(cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
            page_params = {**params, **dict(parse_qsl(cursor or ""))}
            # Paginated Results: the same path again with the next link's query.
            response = self.graph_get(credentials, path, token=token, **page_params)
            body = json_body(response)
            return list_items(body), next_page_query(body)

        return paginate(fetch_page)


class FacebookClient(MetaGraphClient):
    platform = "FACEBOOK"
    refresh_model = "extend"

    def token_params(self, token: str) -> dict[str, str]:
        # Securing Graph API requests: every server call made with a user or page token
        # carries appsecret_proof; an app with "Require App Secret" on refuses it otherwise.
        _client_id, client_secret = self.app_credentials()
        return {"access_token": token, "appsecret_proof": appsecret_proof(client_secret, token)}

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        client_id, client_secret = self.app_credentials()
        # Long-lived tokens guide: GET /oauth/access_token?grant_type=fb_exchange_token.
        # An expired token answers code 190, which raises ReauthRequired.
        response = self.graph_get(
            credentials,
            "/oauth/access_token",
            grant_type="fb_exchange_token",
            client_id=client_id,
            client_secret=client_secret,
            fb_exchange_token=credentials.access_token,
        )
        return token_grant_from(response, meta_error)

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        client_id, client_secret = self.app_credentials()
        # Debugging tokens guide: GET /debug_token?input_token=..., with the app access token
        # "<app id>|<app secret>" so that any user token of our app can be checked. An invalid
        # or expired user token still answers 200, with data.is_valid false and data.error.
        response = self.graph_get(
            credentials,
            "/debug_token",
            classify_error=app_token_error,
            input_token=credentials.access_token,
            access_token=f"{client_id}|{client_secret}",
        )
        return _validation_from(json_body(response).get("data") or {})

    def fetch_profile(self, credentials: Credentials) -> Profile:
        # User node reference: GET /me?fields=id,name,email (email needs the email permission).
        response = self.graph_get(
            credentials, "/me", token=credentials.access_token, fields="id,name,email"
        )
        user = json_body(response)
        return Profile(
            platform_user_id=required(user, "id"),
            user_name=user.get("name") or "",
            email=user.get("email"),
        )

    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """Every Page the user can act on, each with its own Page access token."""
        # User accounts edge: GET /me/accounts?fields=… with the user token, cursor paged;
        # needs pages_show_list.
        rows = self.graph_list(
            credentials, "/me/accounts", token=credentials.access_token, fields=PAGE_FIELDS
        )
        return [_page_from(row) for row in rows]

    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The Page's own posts, newest first. `since` is sent to the platform; posts older
        than it are cut here too, since the docs do not say which of a post's times the
        feed's `since` is compared with."""
        params = {"fields": POST_FIELDS, "limit": str(POSTS_PER_REQUEST)}
        if since is not None:
            params["since"] = str(int(since.timestamp()))
        # Page Feed reference: GET /{page-id}/posts with the Page token, time paged;
        # needs pages_read_engagement, and read_insights for the post insights.
        rows = self.graph_list(
            credentials,
            f"/{page.platform_page_id}/posts",
            token=self._page_token(page),
            **params,
        )
        return newer_than((_post_from(row) for row in rows), since)

    def fetch_daily_insights(
        self, credentials: Credentials, page: PlatformPage, *, since: date, until: date
    ) -> list[DailyInsight]:
        """The Page's figures by day: total followers (page_follows), engagement
        (page_post_engagements), reach (page_total_media_view_unique: people, not views)
        and clicks (page_total_actions), in windows of at most 90 days."""
        token = self._page_token(page)
        series: dict[str, dict[date, int]] = {}
        for first, last in day_windows(since, until, PAGE_INSIGHTS_MAX_DAYS - 1):
            # Page Insights: GET /{page-id}/insights?metric=…&period=day&since&until with the
            # Page token; needs read_insights and pages_read_engagement.
            response = self.graph_get(
                credentials,
                f"/{page.platform_page_id}/insights",
                token=token,
                metric=",".join(PAGE_DAY_METRICS),
                period="day",
                **insight_window_params(first, last),
            )
            for name, values in daily_series(json_body(response), first, last).items():
                series.setdefault(name, {}).update(values)
        return _page_days(series)

    def subscribe_page_to_app(
        self, credentials: Credentials, page: PlatformPage, fields: Sequence[str]
    ) -> None:
        """Have Meta deliver the Page's `fields` (feed, mention, messages…) to the app's
        webhook; a Page subscribed already has its fields replaced by these."""
        # Page Subscribed Apps reference, Creating: POST /{page-id}/subscribed_apps
        # ?subscribed_fields=… with the Page token; needs pages_manage_metadata.
        self.graph_write(
            credentials,
            "POST",
            f"/{page.platform_page_id}/subscribed_apps",
            token=self._page_token(page),
            subscribed_fields=",".join(fields),
        )

    def unsubscribe_page_from_app(self, credentials: Credentials, page: PlatformPage) -> None:
        # Page Subscribed Apps reference, Deleting: DELETE /{page-id}/subscribed_apps with the
        # Page token.
        self.graph_write(
            credentials,
            "DELETE",
            f"/{page.platform_page_id}/subscribed_apps",
            token=self._page_token(page),
        )

    def _page_token(self, page: PlatformPage) -> str:
        """Page calls are made with the Page's own token, which /me/accounts gives only to a
        user with a task on the Page; without one the call cannot be made at all."""
        if not page.access_token:
            raise PlatformPermissionDenied(
                f"Facebook gave no access token for page {page.platform_page_id}: the user "
                "needs a task on the page and the pages_show_list permission"
            )
        return page.access_token


def _page_from(row: dict[str, Any]) -> PlatformPage:
    page_id = required(row, "id")
    return PlatformPage(
        platform_page_id=page_id,
        name=row.get("name") or "",
        category=row.get("category") or "",
        url=row.get("link") or f"https://www.facebook.com/{page_id}",
        followers_count=int_or_none(row.get("followers_count")),
        access_token=row.get("access_token") or None,
    )


def _post_from(row: dict[str, Any]) -> PlatformPost:
    """A post's counts: likes are all reactions (the like button is one of them), shares
    the `shares.count` Meta omits at zero, and the lifetime post insights: reach is the
    unique people who saw the post, views the times it was seen."""
    insights = _lifetime_insights(row.get("insights"))
    return PlatformPost(
        platform_post_id=required(row, "id"),
        published_at=graph_time(row.get("created_time")),
        text=row.get("message") or "",
        url=row.get("permalink_url") or "",
        likes=_summary_total(row.get("reactions")),
        comments=_summary_total(row.get("comments")),
        shares=_count(row.get("shares"), "count"),
        **{field: insights.get(metric, 0) for metric, field in POST_INSIGHTS.items()},
    )


def _summary_total(edge: Any) -> int:
    """`total_count` of an edge asked for with .summary(total_count)."""
    return _count(edge.get("summary") if isinstance(edge, dict) else None, "total_count")


def _count(container: Any, key: str) -> int:
    value = int_or_none(container.get(key)) if isinstance(container, dict) else None
    return value or 0


def _lifetime_insights(edge: Any) -> dict[str, int]:
    """{metric: value} of an expanded `insights` edge. A metric may come once per period
    ("lifetime" and "day"): the lifetime figure is the post's total."""
    figures: dict[str, int] = {}
    for metric in list_items(edge) if isinstance(edge, dict) else []:
        values = metric.get("values") or [{}]
        value = int_or_none(values[0].get("value")) if isinstance(values[0], dict) else None
        name = metric.get("name")
        if value is None or not isinstance(name, str):
            continue
        if metric.get("period") == "lifetime" or name not in figures:
            figures[name] = value
    return figures


def _page_days(series: dict[str, dict[date, int]]) -> list[DailyInsight]:
    follows, engagement, reach, clicks = (series.get(name, {}) for name in PAGE_DAY_METRICS)
    days = sorted({day for values in series.values() for day in values})
    return [
        DailyInsight(
            day=day,
            followers=follows.get(day),
            engagement=engagement.get(day),
            reach=reach.get(day),
            clicks=clicks.get(day),
        )
        for day in days
    ]


def _validation_from(data: dict[str, Any]) -> TokenValidation:
    """Read debug_token's `data`: is_valid, expires_at (0 = never), scopes, user_id, and
    data_access_expires_at (when the user must log in again, whatever the token says)."""
    return TokenValidation(
        is_valid=bool(data.get("is_valid")),
        expires_at=from_timestamp(data.get("expires_at")),
        scopes=list(data.get("scopes") or []),
        platform_user_id=data.get("user_id"),
        data_access_expires_at=from_timestamp(data.get("data_access_expires_at")),
    )
