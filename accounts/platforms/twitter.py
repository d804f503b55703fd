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
"""

import time
from typing import Any

import requests

from accounts.platforms.base import (
    Credentials,
    PlatformClient,
    Profile,
    TokenGrant,
    TokenValidation,
)
from accounts.platforms.errors import PlatformError, ReauthRequired
from accounts.platforms.http import (
    REAUTH_OAUTH_ERRORS,
    bearer,
    classify_by_status,
    int_or_none,
    json_body,
    oauth2_error,
    refresh_token_grant,
    request,
    required,
    retry_after_header,
)

USER_FIELDS = "public_metrics,username,name"
# X answers a used, expired or revoked refresh token with 400 invalid_request (description
# "Value passed for the token was invalid."), not with RFC 6749's invalid_grant.
X_REAUTH_OAUTH_ERRORS = REAUTH_OAUTH_ERRORS | {"invalid_request"}


def x_token_error(response: requests.Response) -> PlatformError:
    return oauth2_error(response, reauth_errors=X_REAUTH_OAUTH_ERRORS)


def x_retry_after(response: requests.Response) -> float | None:
    """X says when the window resets (x-rate-limit-reset, epoch seconds), not how long to wait."""
    reset = response.headers.get("x-rate-limit-reset", "")
    if reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return retry_after_header(response)


class TwitterClient(PlatformClient):
    platform = "TWITTER"
    refresh_model = "rotating"

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        client_id, client_secret = self.app_credentials()
        # OAuth 2.0 Authorization Code Flow with PKCE, refresh: POST /2/oauth2/token as a form;
        # a confidential client also authenticates with HTTP Basic.
        return refresh_token_grant(
            self.config["API_URL"] + "/2/oauth2/token",
            refresh_token=credentials.refresh_token,
            form={"client_id": client_id},
            auth=(client_id, client_secret),
            rate_limit_key=self.rate_limit_key(credentials),
            classify_error=x_token_error,
            read_retry_after=x_retry_after,
        )

    def validate_token(self, credentials: Credentials) -> TokenValidation:
        try:
            user = self._me(credentials)
        except ReauthRequired:  # 401: the access token is expired or revoked
            return TokenValidation(is_valid=False)
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
        response = request(
            "GET",
            self.config["API_URL"] + "/2/users/me",
            params={"user.fields": USER_FIELDS},
            headers=bearer(credentials.access_token),
            rate_limit_key=self.rate_limit_key(credentials),
            classify_error=classify_by_status,
            read_retry_after=x_retry_after,
        )
        return json_body(response).get("data") or {}
