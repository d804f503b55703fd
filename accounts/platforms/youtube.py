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
- channels.list (mine=true): https://developers.google.com/youtube/v3/docs/channels/list
- Errors (quotaExceeded, forbidden, ...): https://developers.google.com/youtube/v3/docs/errors
- The daily quota resets at midnight Pacific Time:
  https://developers.google.com/youtube/v3/determine_quota_cost
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from accounts.platforms.base import Credentials, Profile, TokenValidation
from accounts.platforms.errors import (
    PlatformError,
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
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error

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
        # channels.list: GET {API_URL}/channels?part=snippet,statistics&mine=true.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/channels",
            params={"part": "snippet,statistics", "mine": "true"},
            headers=bearer(credentials.access_token),
        )
        channel = _own_channel(json_body(response))
        return Profile(
            platform_user_id=required(channel, "id"),
            user_name=(channel.get("snippet") or {}).get("title") or "",
            # Absent when the channel hides its subscriber count.
            followers_count=int_or_none((channel.get("statistics") or {}).get("subscriberCount")),
        )

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
