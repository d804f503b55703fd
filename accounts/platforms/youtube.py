"""YouTube client: Google OAuth 2.0 refresh, tokeninfo, and the channel of the token's user.

Google's refresh answer usually carries no refresh_token: the stored one stays valid (until
revoked, unused for 6 months, or 7 days old for apps in "Testing"), so TokenGrant.refresh_token
is None and the caller keeps what it has.

Documentation followed:
- Refreshing an access token (offline access):
  https://developers.google.com/identity/protocols/oauth2/web-server#offline
- Why refresh tokens expire (invalid_grant):
  https://developers.google.com/identity/protocols/oauth2#expiration
- tokeninfo (the oauth2.googleapis.com endpoint, its 400 for a bad token, checking `aud`):
  https://developers.google.com/identity/sign-in/android/backend-auth#calling-the-tokeninfo-endpoint
  and the Tokeninfo resource of Google's OAuth2 API:
  https://googleapis.github.io/google-api-python-client/docs/dyn/oauth2_v2.html
- channels.list (mine=true): https://developers.google.com/youtube/v3/docs/channels/list
- Errors (quotaExceeded, forbidden, ...): https://developers.google.com/youtube/v3/docs/errors
"""

from typing import Any

import requests

from accounts.platforms.base import (
    Credentials,
    PlatformClient,
    Profile,
    TokenGrant,
    TokenValidation,
)
from accounts.platforms.errors import (
    PlatformError,
    PlatformRateLimited,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    from_timestamp,
    int_or_none,
    json_body,
    oauth2_error,
    refresh_token_grant,
    request,
    required,
    split_scopes,
)

# Google reports quota and rate limits as 403 with one of these reasons, not as 429.
RATE_LIMIT_REASONS = frozenset(
    {"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded"}
)


def google_api_error(response: requests.Response) -> PlatformError:
    """Classify {"error": {"code", "message", "errors": [{"reason", ...}]}} by its reasons."""
    error = json_body(response).get("error")
    if not isinstance(error, dict):
        return oauth2_error(response)
    reasons = {item.get("reason") for item in error.get("errors") or []}
    if reasons & RATE_LIMIT_REASONS:
        return PlatformRateLimited("YouTube quota or rate limit reached")
    return classify_by_status(response)


class YouTubeClient(PlatformClient):
    platform = "YOUTUBE"
    refresh_model = "non_rotating"

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        client_id, client_secret = self.app_credentials()
        # Refreshing an access token: POST {OAUTH_URL}/token as a form; invalid_grant = revoked.
        return refresh_token_grant(
            self.config["OAUTH_URL"] + "/token",
            refresh_token=credentials.refresh_token,
            form={"client_id": client_id, "client_secret": client_secret},
            rate_limit_key=self.rate_limit_key(credentials),
        )

    def validate_token(self, credentials: Credentials) -> TokenValidation:
        try:
            # tokeninfo: GET {OAUTH_URL}/tokeninfo?access_token=...; 400 invalid_token when dead.
            response = request(
                "GET",
                self.config["OAUTH_URL"] + "/tokeninfo",
                params={"access_token": credentials.access_token},
                rate_limit_key=self.rate_limit_key(credentials),
                classify_error=oauth2_error,
            )
        except ReauthRequired:
            return TokenValidation(is_valid=False)
        return self._validation_from(json_body(response))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        # channels.list: GET {API_URL}/channels?part=snippet,statistics&mine=true.
        response = request(
            "GET",
            self.config["API_URL"] + "/channels",
            params={"part": "snippet,statistics", "mine": "true"},
            headers=bearer(credentials.access_token),
            rate_limit_key=self.rate_limit_key(credentials),
            classify_error=google_api_error,
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
