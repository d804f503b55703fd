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

The Meta error body {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} is
classified here once (`meta_error`), and `MetaGraphClient` sends the Graph GET calls; the
Instagram client, on the same Graph platform, builds on both.
"""

import hashlib
import hmac
import json
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
