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
- API errors {"error": {"code", "message", "log_id"}} and their HTTP statuses:
  https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
"""

from typing import Any

import requests

from accounts.platforms.base import Credentials, Profile, TokenValidation
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformRateLimited,
    PlatformRequestRejected,
    PlatformUnavailable,
    ReauthRequired,
)
from accounts.platforms.http import bearer, int_or_none, json_body, permission_denied, required
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error

# user.info.basic is enough to prove the token is live.
VALIDATION_FIELDS = "open_id,display_name"
# The counts need the user.info.stats scope; without it TikTok answers scope_not_authorized.
PROFILE_FIELDS = (
    "open_id,union_id,display_name,avatar_url,follower_count,following_count,likes_count,"
    "video_count"
)

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

    def _user_info(self, credentials: Credentials, fields: str) -> dict[str, Any]:
        # Get User Info: GET /v2/user/info/?fields=... with the user's Bearer token.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/v2/user/info/",
            params={"fields": fields},
            headers=bearer(credentials.access_token),
        )
        body = json_body(response)
        # Success carries error.code "ok"; anything else is an error, even with a 200.
        if (body.get("error") or {}).get("code", "ok") != "ok":
            raise tiktok_error(response)
        return (body.get("data") or {}).get("user") or {}
