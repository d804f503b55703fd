"""Facebook (Graph API) client.

A Facebook user token has no refresh token: "refreshing" exchanges a still-valid token for a
new long-lived one (about 60 days); an expired token cannot be exchanged, only re-authorized.

Documentation followed:
- Long-lived tokens:
  https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
- Debugging tokens (debug_token and its answer):
  https://developers.facebook.com/docs/facebook-login/guides/%20access-tokens/debugging
  https://developers.facebook.com/docs/graph-api/reference/debug_token
- User node (/me): https://developers.facebook.com/docs/graph-api/reference/user
- Error shape and codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
- Rate-limit codes: https://developers.facebook.com/docs/graph-api/overview/rate-limiting/

The Meta error body {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} is
classified here once (`meta_error`), and `MetaGraphClient` sends the Graph GET calls; the
Instagram client, on the same Graph platform, builds on both.
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
    PlatformUnavailable,
    ReauthRequired,
)
from accounts.platforms.http import (
    ErrorClassifier,
    from_timestamp,
    json_body,
    permission_denied,
    request,
    required,
    token_grant_from,
)

# 190: token expired, revoked or invalid; 102: API session expired (error-handling guide).
META_REAUTH_CODES = frozenset({102, 190})
# 4 app, 17 user, 32 page, 613 custom throttling (error-handling and rate-limiting pages).
META_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
# 3 missing capability, 10 and 200-299 a permission not granted or removed.
META_PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
# 1 unknown and 2 service: temporary downtime, "wait and retry".
META_TRANSIENT_CODES = frozenset({1, 2})


def meta_error(response: requests.Response) -> PlatformError:
    """Classify a Graph API error body by its `code`, which says more than the HTTP status."""
    error = json_body(response).get("error") or {}
    code = error.get("code")
    # fbtrace_id is what Meta support asks for; it holds nothing secret.
    detail = f"Meta Graph API error {code} (fbtrace_id {error.get('fbtrace_id')})"
    if code in META_REAUTH_CODES:
        return ReauthRequired(detail)
    if code in META_RATE_LIMIT_CODES:
        return PlatformRateLimited(detail)
    if code in META_PERMISSION_CODES:
        return permission_denied(response)
    if code in META_TRANSIENT_CODES:
        return PlatformUnavailable(detail)
    return PlatformRequestRejected(detail)


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


class MetaGraphClient(PlatformClient):
    """What Facebook and Instagram share: GET calls on GRAPH_URL, errors read by `meta_error`."""

    def _get(
        self,
        credentials: Credentials,
        path: str,
        classify_error: ErrorClassifier = meta_error,
        **params: str,
    ) -> requests.Response:
        return request(
            "GET",
            self.config["GRAPH_URL"] + path,
            params=params,
            rate_limit_key=self.rate_limit_key(credentials),
            classify_error=classify_error,
        )


class FacebookClient(MetaGraphClient):
    platform = "FACEBOOK"
    refresh_model = "extend"

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        client_id, client_secret = self.app_credentials()
        # Long-lived tokens guide: GET /oauth/access_token?grant_type=fb_exchange_token.
        # An expired token answers code 190, which raises ReauthRequired.
        response = self._get(
            credentials,
            "/oauth/access_token",
            grant_type="fb_exchange_token",
            client_id=client_id,
            client_secret=client_secret,
            fb_exchange_token=credentials.access_token,
        )
        return token_grant_from(response, meta_error)

    def validate_token(self, credentials: Credentials) -> TokenValidation:
        client_id, client_secret = self.app_credentials()
        # Debugging tokens guide: GET /debug_token?input_token=..., with the app access token
        # "<app id>|<app secret>" so that any user token of our app can be checked. An invalid
        # or expired user token still answers 200, with data.is_valid false and data.error.
        response = self._get(
            credentials,
            "/debug_token",
            classify_error=app_token_error,
            input_token=credentials.access_token,
            access_token=f"{client_id}|{client_secret}",
        )
        return _validation_from(json_body(response).get("data") or {})

    def fetch_profile(self, credentials: Credentials) -> Profile:
        # User node reference: GET /me?fields=id,name,email (email needs the email permission).
        response = self._get(
            credentials, "/me", fields="id,name,email", access_token=credentials.access_token
        )
        user = json_body(response)
        return Profile(
            platform_user_id=required(user, "id"),
            user_name=user.get("name") or "",
            email=user.get("email"),
        )


def _validation_from(data: dict[str, Any]) -> TokenValidation:
    """Read debug_token's `data`: is_valid, expires_at (0 = never), scopes, user_id."""
    return TokenValidation(
        is_valid=bool(data.get("is_valid")),
        expires_at=from_timestamp(data.get("expires_at")),
        scopes=list(data.get("scopes") or []),
        platform_user_id=data.get("user_id"),
    )
