"""X (Twitter) client: OAuth 2.0 with PKCE refresh and the authenticated user lookup.

Refresh tokens come only with the offline.access scope, are single-use and rotate: the answer
carries a new refresh token and the one sent is dead, so the caller stores the new one first.

Documentation followed:
- Refresh with a confidential client (HTTP Basic with client id and secret):
  https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
  https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
- GET /2/users/me: https://docs.x.com/x-api/users/lookup/quickstart/authenticated-lookup
- Status codes: https://developer.x.com/en/support/x-api/error-troubleshooting
- Rate limits and the x-rate-limit-* headers: https://docs.x.com/fundamentals/rate-limits
- The usage cap's 429 (problem type .../2/problems/usage-capped, period Monthly) and the
  usage endpoint: https://docs.x.com/x-api/x-api-v2/usage/tweets
"""

import re
import time
from datetime import timedelta
from typing import Any

import requests

from accounts.platforms.base import Credentials, Profile, TokenValidation
from accounts.platforms.errors import (
    PlatformError,
    PlatformQuotaExhausted,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    int_or_none,
    json_body,
    required,
    retry_after_header,
)
from accounts.platforms.oauth2 import REAUTH_OAUTH_ERRORS, OAuth2Client, oauth2_error

USER_FIELDS = "public_metrics,username,name"
# X answers a used, expired or revoked refresh token with 400 invalid_request, not with
# RFC 6749's invalid_grant, and tells it apart from a malformed request only by the
# description ("Value passed for the token was invalid.").
DEAD_TOKEN_DESCRIPTION = re.compile(
    r"token was invalid|invalid (refresh )?token|token (is|has) (expired|been revoked)", re.I
)
# The problem type of a 429 that the app's monthly usage cap, not a rate window, caused.
USAGE_CAPPED_PROBLEM = "https://api.twitter.com/2/problems/usage-capped"
# X does not say when the cap resets (it is the app's billing day): look again a day later.
USAGE_CAP_RECHECK = timedelta(days=1)
APP_CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


def x_api_error(response: requests.Response) -> PlatformError:
    """Classify an X API v2 problem: the usage cap, then by status."""
    return _usage_cap_reached(response) or classify_by_status(response)


def x_token_error(response: requests.Response) -> PlatformError:
    """Classify an answer of the token endpoint by its error and description, so that only a
    dead refresh token sends the account to re-authorization."""
    body = json_body(response)
    code = body.get("error")
    if code == "invalid_request":
        description = str(body.get("error_description") or "")
        if DEAD_TOKEN_DESCRIPTION.search(description):
            return ReauthRequired()
        return PlatformRequestRejected(
            f"X refused the token request as malformed: {description[:200] or 'no reason given'}"
        )
    if code in APP_CREDENTIAL_ERRORS:
        return PlatformRequestRejected(
            "X refused the app's credentials: check SOCIAL_TWITTER_CLIENT_ID and "
            "SOCIAL_TWITTER_CLIENT_SECRET"
        )
    if code in REAUTH_OAUTH_ERRORS:
        return ReauthRequired()
    return _usage_cap_reached(response) or oauth2_error(response)


def _usage_cap_reached(response: requests.Response) -> PlatformQuotaExhausted | None:
    if response.status_code != 429:
        return None
    body = json_body(response)
    if body.get("type") != USAGE_CAPPED_PROBLEM and body.get("title") != "UsageCapExceeded":
        return None
    return PlatformQuotaExhausted(
        "X API usage cap reached for this period; calls resume when the app's cap resets",
        retry_after=USAGE_CAP_RECHECK.total_seconds(),
    )


def x_retry_after(response: requests.Response) -> float | None:
    """X says when the window resets (x-rate-limit-reset, epoch seconds), not how long to wait."""
    reset = response.headers.get("x-rate-limit-reset", "")
    if reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return retry_after_header(response)


class TwitterClient(OAuth2Client):
    platform = "TWITTER"
    refresh_model = "rotating"
    classify_error = staticmethod(x_api_error)
    classify_token_error = staticmethod(x_token_error)
    read_retry_after = staticmethod(x_retry_after)

    @property
    def token_url(self) -> str:
        # OAuth 2.0 Authorization Code Flow with PKCE, refresh: POST /2/oauth2/token as a form.
        return self.config["API_URL"] + "/2/oauth2/token"

    def client_authentication(self) -> tuple[dict[str, str], dict[str, Any]]:
        # The same page: a confidential client authenticates with HTTP Basic and still names
        # its client_id in the form.
        client_id, client_secret = self.app_credentials()
        return {"client_id": client_id}, {"auth": (client_id, client_secret)}

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        # A 401 from /2/users/me: the access token is expired or revoked.
        user = self._me(credentials)
        return TokenValidation(is_valid=True, platform_user_id=user.get("id"))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        user = self._me(credentials)
        metrics = user.get("public_metrics") or {}
        return Profile(
            platform_user_id=required(user, "id"),
            user_name=user.get("name") or user.get("username") or "",
            followers_count=int_or_none(metrics.get("followers_count")),
        )

    def _me(self, credentials: Credentials) -> dict[str, Any]:
        # Authenticated user lookup: GET /2/users/me?user.fields=... with the user's token.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/2/users/me",
            params={"user.fields": USER_FIELDS},
            headers=bearer(credentials.access_token),
        )
        return json_body(response).get("data") or {}
