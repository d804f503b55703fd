"""LinkedIn client: programmatic refresh tokens, token introspection, OpenID userinfo.

The refresh token does not slide: it lives a fixed time (365 days) from the first grant, and
each refresh only mints a new 60-day access token, so refresh_token_expires_in shrinks.

Documentation followed:
- Refresh: https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
- Introspection: https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
- Profile through OpenID Connect userinfo (sub, name, email):
  https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
- Versioned REST API (LinkedIn-Version header, base /rest):
  https://learn.microsoft.com/en-us/linkedin/talent/versioning-announcement
- Rest.li protocol 2.0 header:
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
"""

from typing import Any
from urllib.parse import urljoin

from django.conf import settings

from accounts.platforms.base import (
    Credentials,
    PlatformClient,
    Profile,
    TokenGrant,
    TokenValidation,
)
from accounts.platforms.errors import ReauthRequired
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    from_timestamp,
    json_body,
    oauth2_error,
    refresh_token_grant,
    request,
    required,
    split_scopes,
)

# userinfo lives on /v2, outside the versioned /rest base that API_URL points at.
USERINFO_PATH = "/v2/userinfo"


def rest_headers(access_token: str) -> dict[str, str]:
    """Headers of every call to the versioned REST API ({API_URL}/...): pin the monthly API
    version and Rest.li protocol 2.0, whose syntax the REST endpoints expect."""
    return {
        **bearer(access_token),
        "LinkedIn-Version": settings.SOCIAL_LINKEDIN_API_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }


class LinkedInClient(PlatformClient):
    platform = "LINKEDIN"
    refresh_model = "non_rotating"

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        client_id, client_secret = self.app_credentials()
        # Programmatic refresh tokens: POST {OAUTH_URL}/accessToken as a form.
        return refresh_token_grant(
            self.config["OAUTH_URL"] + "/accessToken",
            refresh_token=credentials.refresh_token,
            form={"client_id": client_id, "client_secret": client_secret},
            rate_limit_key=self.rate_limit_key(credentials),
        )

    def validate_token(self, credentials: Credentials) -> TokenValidation:
        client_id, client_secret = self.app_credentials()
        try:
            # Token introspection: POST {OAUTH_URL}/introspectToken with the app's credentials.
            # A 401 here means our app credentials are wrong: oauth2_error does not call that
            # a dead user token.
            response = request(
                "POST",
                self.config["OAUTH_URL"] + "/introspectToken",
                data={
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "token": credentials.access_token,
                },
                rate_limit_key=self.rate_limit_key(credentials),
                classify_error=oauth2_error,
            )
        except ReauthRequired:
            return TokenValidation(is_valid=False)
        return _validation_from(json_body(response))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        # Sign In with LinkedIn using OpenID Connect: GET /v2/userinfo with the member's token.
        response = request(
            "GET",
            self._userinfo_url(),
            headers=bearer(credentials.access_token),
            rate_limit_key=self.rate_limit_key(credentials),
            classify_error=classify_by_status,
        )
        member = json_body(response)
        return Profile(
            platform_user_id=required(member, "sub"),
            user_name=member.get("name") or "",
            email=member.get("email"),
        )

    def _userinfo_url(self) -> str:
        # Same host as API_URL, so a local stand-in server set there serves it too.
        return self.config.get("USERINFO_URL") or urljoin(self.config["API_URL"], USERINFO_PATH)


def _validation_from(introspection: dict[str, Any]) -> TokenValidation:
    """Read introspectToken: active, expires_at (epoch seconds), scope (comma-separated)."""
    return TokenValidation(
        is_valid=bool(introspection.get("active")),
        expires_at=from_timestamp(introspection.get("expires_at")),
        scopes=split_scopes(introspection.get("scope")) or [],
    )
