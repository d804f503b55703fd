"""TikTok client (Login Kit OAuth v2 and the Display API's user info).

Refresh tokens rotate: each successful refresh returns a new refresh token and the one sent
stops working, so the caller must store the new one before anything else.

Documentation followed:
- Refresh: https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token
- Token lifetimes: the current token-management page gives 2 hours and 180 days (an older
  page still says 24 hours and 365 days) and asks clients to schedule refreshes from the
  answer's expires_in and refresh_expires_in, never from fixed figures, which is what we do:
  https://developers.tiktok.com/docs/en/oauth-user-access-token-management
- OAuth errors {"error", "error_description", "log_id"}:
  https://developers.tiktok.com/doc/oauth-error-handling
- User info: https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
- Which user fields need which scope (profile_deep_link and username: user.info.profile;
  follower_count: user.info.stats): https://developers.tiktok.com/bulletin/user-info-scope-migration
- List Videos (POST, scope video.list, newest first, max_count at most 20, cursor a UTC
  timestamp in milliseconds to pass back while has_more is true):
  https://developers.tiktok.com/doc/tiktok-api-v2-video-list
- The video fields: https://developers.tiktok.com/doc/tiktok-api-v2-video-object
- The public profile address https://www.tiktok.com/@<username>:
  https://developers.tiktok.com/doc/embed-creator-profiles
- API errors {"error": {"code", "message", "log_id"}} and their HTTP statuses:
  https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests

from accounts.platforms.base import (
    Credentials,
    PlatformPage,
    PlatformPost,
    Profile,
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
    bearer,
    from_timestamp,
    int_or_none,
    json_body,
    permission_denied,
    required,
)
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error

# user.info.basic is enough to prove the token is live.
VALIDATION_FIELDS = "open_id,display_name"
# The counts need the user.info.stats scope; without it TikTok answers scope_not_authorized.
PROFILE_FIELDS = (
    "open_id,union_id,display_name,avatar_url,follower_count,following_count,likes_count,"
    "video_count"
)

# The profile as the account's one page. profile_deep_link and username need
# user.info.profile, follower_count needs user.info.stats.
PAGE_FIELDS = "open_id,display_name,username,profile_deep_link,follower_count"
PAGE_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats")
PAGE_CATEGORY = "Profile"
# A public link for people to follow, not an address this client calls.
PROFILE_WEB_URL = "https://www.tiktok.com/@{username}"

# Every video field, counts included, comes with the video.list scope.
VIDEO_FIELDS = (
    "id,title,video_description,create_time,share_url,view_count,like_count,comment_count,"
    "share_count"
)
VIDEO_SCOPES = ("video.list",)
# The most List Videos answers in one page.
MAX_VIDEOS_PER_PAGE = 20

API_ERRORS: dict[str, type[PlatformError]] = {
    "access_token_invalid": ReauthRequired,
    "scope_not_authorized": PlatformPermissionDenied,
    "scope_permission_missed": PlatformPermissionDenied,
    "rate_limit_exceeded": PlatformRateLimited,
    "internal_error": PlatformUnavailable,
}


def tiktok_error(response: requests.Response) -> PlatformError:
    """Classify either TikTok error shape: the API's error object or the OAuth error string."""
    error = json_body(response).get("error")
    if not isinstance(error, dict):
        return oauth2_error(response)
    code = str(error.get("code"))
    if API_ERRORS.get(code) is PlatformPermissionDenied:
        return permission_denied(response)
    # log_id is what TikTok support asks for; it holds nothing secret.
    detail = f"TikTok API error {code[:40]} (log_id {error.get('log_id')})"
    return API_ERRORS.get(code, PlatformRequestRejected)(detail)


def needing_scopes(scopes: tuple[str, ...]) -> ErrorClassifier:
    """tiktok_error, naming the scopes a call needs when TikTok refuses it for one: TikTok's
    own message says that a scope is missing, never which."""

    def classify(response: requests.Response) -> PlatformError:
        error = tiktok_error(response)
        if not isinstance(error, PlatformPermissionDenied):
            return error
        return PlatformPermissionDenied(
            f"{error.message} (TikTok needs the {', '.join(scopes)} scopes for this)"
        )

    return classify


# How the page and the video calls read a refusal: naming the scopes each needs.
PAGE_ERROR = needing_scopes(PAGE_SCOPES)
VIDEO_LIST_ERROR = needing_scopes(VIDEO_SCOPES)


def answer_data(response: requests.Response, classify_error: ErrorClassifier) -> dict[str, Any]:
    """The `data` of a TikTok v2 answer. Success carries error.code "ok"; anything else is an
    error, even with a 200."""
    body = json_body(response)
    if (body.get("error") or {}).get("code", "ok") != "ok":
        raise classify_error(response)
    return body.get("data") or {}


def profile_page(user: dict[str, Any]) -> PlatformPage:
    username = user.get("username") or ""
    return PlatformPage(
        platform_page_id=required(user, "open_id"),
        name=user.get("display_name") or username,
        category=PAGE_CATEGORY,
        # The docs call profile_deep_link "the link to user's TikTok profile page"; the web
        # address built from the username stands in where it is missing.
        url=user.get("profile_deep_link")
        or (PROFILE_WEB_URL.format(username=username) if username else ""),
        followers_count=int_or_none(user.get("follower_count")),
    )


def video_post(video: dict[str, Any]) -> PlatformPost:
    views = count(video.get("view_count"))
    return PlatformPost(
        platform_post_id=required(video, "id"),
        published_at=published_at(video),
        # video_description is the caption people read; title is often empty.
        text=video.get("video_description") or video.get("title") or "",
        url=video.get("share_url") or "",
        likes=count(video.get("like_count")),
        comments=count(video.get("comment_count")),
        shares=count(video.get("share_count")),
        views=views,
        # TikTok reports no unique reach for a video: its view count stands in.
        reach=views,
    )


def published_at(video: dict[str, Any]) -> datetime:
    # create_time: "UTC Unix epoch (in seconds) of when the TikTok video was posted".
    moment = from_timestamp(required(video, "create_time"))
    if moment is None:
        raise PlatformRequestRejected("The platform's answer has no usable 'create_time'")
    return moment


def count(value: Any) -> int:
    return int_or_none(value) or 0


class TikTokClient(OAuth2Client):
    platform = "TIKTOK"
    refresh_model = "rotating"
    classify_error = staticmethod(tiktok_error)
    classify_token_error = staticmethod(tiktok_error)

    @property
    def token_url(self) -> str:
        # Refresh a User Access Token: POST /v2/oauth/token/ as a form; rotates the refresh token.
        return self.config["API_URL"] + "/v2/oauth/token/"

    def client_authentication(self) -> tuple[dict[str, str], dict[str, Any]]:
        # The same page: TikTok names the app's id client_key.
        client_key, client_secret = self.app_credentials()
        return {"client_key": client_key, "client_secret": client_secret}, {}

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        user = self._user_info(credentials, VALIDATION_FIELDS)
        return TokenValidation(is_valid=True, platform_user_id=user.get("open_id"))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        user = self._user_info(credentials, PROFILE_FIELDS)
        return Profile(
            platform_user_id=required(user, "open_id"),
            user_name=user.get("display_name") or "",
            followers_count=int_or_none(user.get("follower_count")),
        )

    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """The account's own profile, its one page."""
        user = self._user_info(credentials, PAGE_FIELDS, classify_error=PAGE_ERROR)
        return [profile_page(user)]

    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The profile's public videos, newest first. List Videos has no "since" (its cursor
        only reaches back from a moment), so the list is read until the first older video.
        The token's user is the profile: `page` names nothing the call needs."""
        return newer_than(paginate(lambda cursor: self._video_page(credentials, cursor)), since)

    def _video_page(
        self, credentials: Credentials, cursor: str | None
    ) -> tuple[list[PlatformPost], str | None]:
        body = {"max_count": MAX_VIDEOS_PER_PAGE}
        if cursor is not None:
            body["cursor"] = int(cursor)
        # List Videos: POST /v2/video/list/?fields=... with a JSON body; it only reads, so
        # sending it again is safe.
        response = self.call(
            credentials,
            "POST",
            self.config["API_URL"] + "/v2/video/list/",
            params={"fields": VIDEO_FIELDS},
            headers=bearer(credentials.access_token),
            json=body,
            idempotent=True,
            classify_error=VIDEO_LIST_ERROR,
        )
        data = answer_data(response, VIDEO_LIST_ERROR)
        videos = [video_post(video) for video in data.get("videos") or []]
        # The cursor is passed back as received; has_more false ends the list.
        next_cursor = data.get("cursor") if data.get("has_more") else None
        return videos, None if next_cursor is None else str(next_cursor)

    def _user_info(
        self,
        credentials: Credentials,
        fields: str,
        *,
        classify_error: ErrorClassifier = tiktok_error,
    ) -> dict[str, Any]:
        # Get User Info: GET /v2/user/info/?fields=... with the user's Bearer token.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/v2/user/info/",
            params={"fields": fields},
            headers=bearer(credentials.access_token),
            classify_error=classify_error,
        )
        return answer_data(response, classify_error).get("user") or {}
