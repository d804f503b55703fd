"""YouTube client: Google OAuth 2.0 refresh, tokeninfo, and the channel of the token's user.

Google's refresh answer usually carries no refresh_token: the stored one stays valid (until
revoked, unused for 6 months, or 7 days old for apps in "Testing"), so TokenGrant.refresh_token
is None and the caller keeps what it has.

Documentation followed:
- Refreshing an access token (offline access):
  https://developers.google.com/identity/protocols/oauth2/web-server#offline
- Why refresh tokens expire (invalid_grant):
  https://developers.google.com/identity/protocols/oauth2#expiration
- tokeninfo for access tokens (GET oauth2.googleapis.com/tokeninfo?access_token=...; aud,
  scope, exp, expires_in): https://cloud.google.com/docs/authentication/token-types#access-contents
- channels.list (mine=true, or id=...; maxResults at most 50, nextPageToken):
  https://developers.google.com/youtube/v3/docs/channels/list
- The channel resource (snippet.customUrl, statistics.subscriberCount absent while
  hiddenSubscriberCount is true, contentDetails.relatedPlaylists.uploads):
  https://developers.google.com/youtube/v3/docs/channels
- playlistItems.list (maxResults at most 50, nextPageToken; contentDetails.videoId):
  https://developers.google.com/youtube/v3/docs/playlistItems/list
- videos.list (id: a comma-separated list of up to 50 ids; snippet.publishedAt, .title;
  statistics.viewCount, likeCount, commentCount): https://developers.google.com/youtube/v3/docs/videos/list
- Errors (quotaExceeded, forbidden, ...): https://developers.google.com/youtube/v3/docs/errors
- Quota costs (channels.list, playlistItems.list and videos.list 1 unit a call) and the daily
  reset at midnight Pacific Time: https://developers.google.com/youtube/v3/determine_quota_cost
- YouTube Analytics reports.query (GET {ANALYTICS_URL}/reports; ids=channel==MINE, startDate,
  endDate, metrics, dimensions=day, sort; the scope yt-analytics.readonly; the answer's
  columnHeaders name the columns of each row):
  https://developers.google.com/youtube/analytics/reference/reports/query
- Channel reports with dimensions=day (views, likes, comments, shares, subscribersGained,
  subscribersLost): https://developers.google.com/youtube/analytics/channel_reports
- Push notifications: subscribe (or unsubscribe) a callback to the topic
  https://www.youtube.com/xml/feeds/videos.xml?channel_id=CHANNEL_ID at Google's hub, which
  serves WebSub (the 0.4 PubSubHubbub core) and asks for each subscription to be renewed before
  its hub.lease_seconds elapse:
  https://developers.google.com/youtube/v3/guides/push_notifications
  https://pubsubhubbub.appspot.com/
- The W3C WebSub Recommendation, 5.1 Subscriber sends subscription request: a form-encoded
  POST of hub.callback, hub.mode (subscribe or unsubscribe), hub.topic, and optionally
  hub.lease_seconds and hub.secret (under 200 bytes); a hub that accepts the request answers
  202 Accepted and then verifies the intent with a GET to the callback (5.3); 4xx and 5xx
  are refusals: https://www.w3.org/TR/websub/#subscriber-sends-subscription-request
"""

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from accounts.platforms.base import (
    Credentials,
    DailyInsight,
    PlatformPage,
    PlatformPost,
    Profile,
    TokenValidation,
    end_of_day_totals,
    newer_than,
    paginate,
)
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformQuotaExhausted,
    PlatformRateLimited,
    PlatformRequestRejected,
)
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    from_timestamp,
    int_or_none,
    json_body,
    required,
    split_scopes,
)

# Follower totals from daily gains, shared with the LinkedIn client.
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error

# channels.list and playlistItems.list serve at most 50 items a page, and videos.list takes
# at most 50 ids: one page of uploads is one videos call.
MAX_RESULTS = 50
PAGE_CATEGORY = "Channel"
# Public links for people, not addresses this client calls.
CHANNEL_URL = "https://www.youtube.com/channel/{channel_id}"
HANDLE_URL = "https://www.youtube.com/{handle}"
VIDEO_URL = "https://www.youtube.com/watch?v={video_id}"
DAILY_METRICS = ("views", "likes", "comments", "shares", "subscribersGained", "subscribersLost")
# Channel reports need this scope besides the Data API's.
ANALYTICS_SCOPE = "https://www.googleapis.com/auth/yt-analytics.readonly"

# The WebSub topic of a channel's uploads (push notifications guide).
CHANNEL_FEED_TOPIC = "https://www.youtube.com/xml/feeds/videos.xml?channel_id={channel_id}"

# Google reports quota and rate limits as 403 with one of these reasons, not as 429.
DAILY_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# The daily quota resets at midnight Pacific Time (quota and compliance audits page).
QUOTA_TIME_ZONE = ZoneInfo("America/Los_Angeles")


def google_api_error(response: requests.Response) -> PlatformError:
    """Classify {"error": {"code", "message", "errors": [{"reason", ...}]}} by its reasons."""
    error = json_body(response).get("error")
    if not isinstance(error, dict):
        return oauth2_error(response)
    reasons = {item.get("reason") for item in error.get("errors") or []}
    if reasons & DAILY_QUOTA_REASONS:
        return PlatformQuotaExhausted(
            "YouTube daily quota exhausted; calls resume after midnight Pacific Time",
            retry_after=seconds_until_quota_reset(),
        )
    if reasons & RATE_LIMIT_REASONS:
        return PlatformRateLimited("YouTube rate limit reached")
    return classify_by_status(response)


def analytics_error(response: requests.Response) -> PlatformError:
    """A refused report says which scope it needs: Google's own reason ("insufficient
    authentication scopes") does not name it."""
    failure = google_api_error(response)
    if type(failure) is PlatformPermissionDenied:
        return PlatformPermissionDenied(
            f"{failure.message} (YouTube Analytics needs the {ANALYTICS_SCOPE} scope)"
        )
    return failure


def websub_hub_error(response: requests.Response) -> PlatformError:
    """The hub refused the request itself: its plain-text reason is not quoted, since a hub
    may echo the parameters it was sent, hub.secret among them."""
    return PlatformRequestRejected(
        f"The YouTube WebSub hub refused the request ({response.status_code})"
    )


def channel_feed_topic(channel_id: str) -> str:
    return CHANNEL_FEED_TOPIC.format(channel_id=channel_id)


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    """Seconds from `now` to the next midnight in Pacific Time (which moves with DST)."""
    now = now or datetime.now(UTC)
    local_date = now.astimezone(QUOTA_TIME_ZONE).date()
    next_midnight = datetime.combine(local_date + timedelta(days=1), time(0), QUOTA_TIME_ZONE)
    # Subtracting in UTC: within one zone Python subtracts wall-clock times, ignoring DST.
    return (next_midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds()


class YouTubeClient(OAuth2Client):
    platform = "YOUTUBE"
    refresh_model = "non_rotating"
    classify_error = staticmethod(google_api_error)

    @property
    def token_url(self) -> str:
        # Refreshing an access token: POST {OAUTH_URL}/token as a form; invalid_grant = revoked.
        return self.config["OAUTH_URL"] + "/token"

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        # tokeninfo: GET {OAUTH_URL}/tokeninfo?access_token=...; 400 invalid_token when dead.
        response = self.call(
            credentials,
            "GET",
            self.config["OAUTH_URL"] + "/tokeninfo",
            params={"access_token": credentials.access_token},
            classify_error=oauth2_error,
        )
        return self._validation_from(json_body(response))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        channel = _own_channel(
            self._channels(credentials, {"part": "snippet,statistics", "mine": "true"})
        )
        return Profile(
            platform_user_id=required(channel, "id"),
            user_name=(channel.get("snippet") or {}).get("title") or "",
            followers_count=_subscribers(channel),
        )

    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """The channels of the token's user (one, for most grants), as pages."""

        def channel_page(page_token: str | None) -> tuple[list[PlatformPage], str | None]:
            params = {
                "part": "snippet,statistics,contentDetails",
                "mine": "true",
                "maxResults": str(MAX_RESULTS),
            }
            if page_token:
                params["pageToken"] = page_token
            answer = self._channels(credentials, params)
            pages = [_channel_page(channel) for channel in answer.get("items") or []]
            return pages, answer.get("nextPageToken")

        return list(paginate(channel_page))

    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The channel's uploads with their statistics, newest first. The uploads playlist
        takes no "since", so it is read until the first older video: its pages do not promise
        an order, but YouTube serves uploads newest first. Nothing is asked before the first
        item is wanted."""
        uploads = self._uploads_playlist(credentials, page.platform_page_id)
        pages = paginate(lambda page_token: self._upload_page(credentials, uploads, page_token))
        yield from newer_than(pages, since)

    def fetch_daily_insights(
        self, credentials: Credentials, page: PlatformPage, *, since: date, until: date
    ) -> list[DailyInsight]:
        """The channel's daily views (as reach), likes + comments + shares (engagement) and
        end-of-day subscriber totals walked back from the current total through the daily
        net gains; YouTube reports no clicks. One request: reports.query documents no
        maximum range. Days are YouTube Analytics days (Pacific Time)."""
        today = datetime.now(UTC).date()
        last = min(until, today)
        if since > last:
            return []
        # Through today, whatever `until` is: the walk back needs every later day's gains.
        rows = self._daily_report(credentials, since, today)
        net_gains = {
            day: _count(row, "subscribersGained") - _count(row, "subscribersLost")
            for day, row in rows.items()
        }
        followers = end_of_day_totals(page.followers_count, net_gains, since, today)
        return [
            _daily_insight(since + timedelta(days=offset), rows, followers)
            for offset in range((last - since).days + 1)
        ]

    def websub_subscribe(
        self,
        credentials: Credentials,
        *,
        channel_id: str,
        callback_url: str,
        secret: str,
        lease_seconds: int,
    ) -> None:
        """Ask the hub to push the channel's new and edited videos to `callback_url`, signed
        with `secret`, for `lease_seconds`; subscribing again renews the lease."""
        self._hub_request(
            credentials,
            {
                "hub.callback": callback_url,
                "hub.mode": "subscribe",
                "hub.topic": channel_feed_topic(channel_id),
                "hub.lease_seconds": str(lease_seconds),
                "hub.secret": secret,
            },
        )

    def websub_unsubscribe(
        self, credentials: Credentials, *, channel_id: str, callback_url: str
    ) -> None:
        self._hub_request(
            credentials,
            {
                "hub.callback": callback_url,
                "hub.mode": "unsubscribe",
                "hub.topic": channel_feed_topic(channel_id),
            },
        )

    def _hub_request(self, credentials: Credentials, form: dict[str, str]) -> None:
        # WebSub 5.1: POST {WEBSUB_HUB_URL} form-encoded -> 202 Accepted, the intent verified
        # later by a GET to the callback. A request repeated has the effect of one (a second
        # subscribe renews, a second unsubscribe finds nothing), so a lost answer is resent.
        self.call(
            credentials,
            "POST",
            self.config["WEBSUB_HUB_URL"],
            data=form,
            classify_error=websub_hub_error,
            idempotent=True,
        )

    def _channels(self, credentials: Credentials, params: dict[str, str]) -> dict[str, Any]:
        # channels.list: GET {API_URL}/channels?part=...&mine=true (the token's channels) or
        # &id=... (one channel); 1 quota unit.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/channels",
            params=params,
            headers=bearer(credentials.access_token),
        )
        return json_body(response)

    def _uploads_playlist(self, credentials: Credentials, channel_id: str) -> str:
        """The playlist of the channel's uploads (contentDetails.relatedPlaylists.uploads)."""
        answer = self._channels(credentials, {"part": "contentDetails", "id": channel_id})
        channel = _own_channel(answer)
        playlists = (channel.get("contentDetails") or {}).get("relatedPlaylists") or {}
        return required(playlists, "uploads")

    def _upload_page(
        self, credentials: Credentials, playlist_id: str, page_token: str | None
    ) -> tuple[list[PlatformPost], str | None]:
        params = {
            "part": "contentDetails",
            "playlistId": playlist_id,
            "maxResults": str(MAX_RESULTS),
        }
        if page_token:
            params["pageToken"] = page_token
        # playlistItems.list: GET {API_URL}/playlistItems?part=contentDetails&playlistId=...
        # &maxResults=50&pageToken=... -> items[].contentDetails.videoId, nextPageToken;
        # 1 quota unit.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/playlistItems",
            params=params,
            headers=bearer(credentials.access_token),
        )
        answer = json_body(response)
        video_ids = [
            video_id
            for item in answer.get("items") or []
            if (video_id := (item.get("contentDetails") or {}).get("videoId"))
        ]
        return self._videos(credentials, video_ids), answer.get("nextPageToken")

    def _videos(self, credentials: Credentials, video_ids: list[str]) -> list[PlatformPost]:
        """The videos of one page of uploads in one call, in the playlist's order; a video
        the answer leaves out (deleted since) is left out."""
        if not video_ids:
            return []
        # videos.list: GET {API_URL}/videos?part=snippet,statistics&id=<up to 50 ids>;
        # 1 quota unit.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/videos",
            params={"part": "snippet,statistics", "id": ",".join(video_ids)},
            headers=bearer(credentials.access_token),
        )
        videos = {video.get("id"): video for video in json_body(response).get("items") or []}
        return [_video_post(videos[video_id]) for video_id in video_ids if video_id in videos]

    def _daily_report(
        self, credentials: Credentials, start: date, end: date
    ) -> dict[date, dict[str, Any]]:
        # YouTube Analytics reports.query: GET {ANALYTICS_URL}/reports?ids=channel==MINE
        # &startDate&endDate&metrics=...&dimensions=day&sort=day -> columnHeaders and rows,
        # one row per day. The token's channel is the page: a Google grant names one channel.
        response = self.call(
            credentials,
            "GET",
            self.config["ANALYTICS_URL"] + "/reports",
            params={
                "ids": "channel==MINE",
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "metrics": ",".join(DAILY_METRICS),
                "dimensions": "day",
                "sort": "day",
            },
            headers=bearer(credentials.access_token),
            classify_error=analytics_error,
        )
        return _rows_by_day(json_body(response))

    def _validation_from(self, info: dict[str, Any]) -> TokenValidation:
        # A live token minted for another app is not one we may use: check its audience.
        client_id = self.config.get("CLIENT_ID")
        return TokenValidation(
            is_valid=not client_id or info.get("aud") == client_id,
            expires_at=from_timestamp(info.get("exp")),
            scopes=split_scopes(info.get("scope")) or [],
            # tokeninfo names the Google account (sub), not the channel: leave the id unset.
        )


def _own_channel(answer: dict[str, Any]) -> dict[str, Any]:
    items = answer.get("items") or []
    if not items:
        # Reconnecting the same Google account would not help: it is not a token problem.
        raise PlatformRequestRejected("The Google account has no YouTube channel")
    return items[0]


def _subscribers(channel: Mapping[str, Any]) -> int | None:
    # Absent when the channel hides its subscriber count.
    return int_or_none((channel.get("statistics") or {}).get("subscriberCount"))


def _channel_page(channel: Mapping[str, Any]) -> PlatformPage:
    channel_id = required(channel, "id")
    snippet = channel.get("snippet") or {}
    handle = snippet.get("customUrl") or ""
    # customUrl is the channel's @handle today; older custom URLs have no "@" and are not
    # addresses on their own, so the channel id's address serves then.
    url = (
        HANDLE_URL.format(handle=handle)
        if handle.startswith("@")
        else CHANNEL_URL.format(channel_id=channel_id)
    )
    return PlatformPage(
        platform_page_id=channel_id,
        name=snippet.get("title") or "",
        category=PAGE_CATEGORY,
        url=url,
        followers_count=_subscribers(channel),
    )


def _video_post(video: Mapping[str, Any]) -> PlatformPost:
    video_id = required(video, "id")
    snippet = video.get("snippet") or {}
    statistics = video.get("statistics") or {}
    views = _count(statistics, "viewCount")
    return PlatformPost(
        platform_post_id=video_id,
        published_at=_rfc3339(required(snippet, "publishedAt")),
        text=snippet.get("title") or "",
        url=VIDEO_URL.format(video_id=video_id),
        # likeCount is absent where likes are hidden, commentCount where comments are off.
        likes=_count(statistics, "likeCount"),
        comments=_count(statistics, "commentCount"),
        # The Data API reports no shares and no unique audience: reach is the view count.
        views=views,
        reach=views,
    )


def _daily_insight(
    day: date, rows: Mapping[date, Mapping[str, Any]], followers: Mapping[date, int]
) -> DailyInsight:
    row = rows.get(day)
    if row is None:  # not reported (yet): YouTube Analytics lags a few days
        return DailyInsight(day=day, followers=followers.get(day))
    return DailyInsight(
        day=day,
        followers=followers.get(day),
        engagement=sum(_count(row, name) for name in ("likes", "comments", "shares")),
        reach=_count(row, "views"),
    )


def _rows_by_day(report: Mapping[str, Any]) -> dict[date, dict[str, Any]]:
    """Each row as {column name: value}, by its day column, reading the columns from
    columnHeaders rather than from their order in the request."""
    names = [header.get("name") for header in report.get("columnHeaders") or []]
    rows = [dict(zip(names, row, strict=False)) for row in report.get("rows") or []]
    return {date.fromisoformat(row["day"]): row for row in rows if row.get("day")}


def _rfc3339(value: str) -> datetime:
    # YouTube writes ISO 8601 in UTC with a "Z" (2026-07-01T16:00:05Z).
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        raise PlatformRequestRejected(
            "YouTube's answer has an unreadable publication time"
        ) from None


def _count(figures: Mapping[str, Any], key: str) -> int:
    # The Data API sends counts as strings, YouTube Analytics as numbers.
    return int_or_none(figures.get(key)) or 0
