"""The OAuth 2.0 token endpoint (RFC 6749), as TikTok, X, LinkedIn and Google serve it.

`OAuth2Client` refreshes with the refresh_token grant (section 6): each platform names its
token endpoint and, where it differs from the RFC's default, how its app authenticates there.
The Meta exchanges answer in the same shape, so `token_grant_from` reads theirs too.
"""

from abc import abstractmethod
from typing import Any

import requests

from accounts.platforms.base import Credentials, PlatformClient, TokenGrant
from accounts.platforms.errors import (
    PlatformError,
    PlatformRequestRejected,
    PlatformUnavailable,
    ReauthRequired,
)
from accounts.platforms.http import ErrorClassifier, int_or_none, json_body, split_scopes

# Errors only a new authorization by the user fixes: a dead grant or refresh token
# (RFC 6749 5.2) and a dead access token (RFC 6750 3.1, answered by Google's tokeninfo).
REAUTH_OAUTH_ERRORS = frozenset({"invalid_grant", "invalid_token"})
TRANSIENT_OAUTH_ERRORS = frozenset({"server_error", "temporarily_unavailable"})


def oauth2_error(response: requests.Response) -> PlatformError:
    """Classify an RFC 6749 error body {"error": "<code>", "error_description": "..."}."""
    code = json_body(response).get("error")
    if code in REAUTH_OAUTH_ERRORS:
        return ReauthRequired()
    if code in TRANSIENT_OAUTH_ERRORS:
        return PlatformUnavailable()
    return token_request_refused(response)


def token_request_refused(response: requests.Response) -> PlatformRequestRejected:
    """invalid_client, unauthorized_client, a malformed request…: our app's setup or our
    request is wrong, not the user's token, so asking the user to reconnect would not help."""
    detail = str(json_body(response).get("error") or response.status_code)[:40]
    return PlatformRequestRejected(f"The platform refused the token request ({detail})")


def token_grant_from(response: requests.Response, classify_error: ErrorClassifier) -> TokenGrant:
    """Read a token answer (RFC 6749 5.1)."""
    body = json_body(response)
    if not body.get("access_token"):
        # Some platforms (TikTok) answer a failed grant with 200 and an error body.
        raise classify_error(response)
    return TokenGrant(
        access_token=body["access_token"],
        expires_in=int_or_none(body.get("expires_in")),
        # Absent or empty means "keep the stored one", never "store nothing".
        refresh_token=body.get("refresh_token") or None,
        # TikTok names it refresh_expires_in, LinkedIn refresh_token_expires_in.
        refresh_expires_in=int_or_none(
            body.get("refresh_expires_in", body.get("refresh_token_expires_in"))
        ),
        scopes=split_scopes(body.get("scope")),
        token_type=str(body.get("token_type") or "bearer").lower(),
    )


class OAuth2Client(PlatformClient):
    """A platform whose refresh is the refresh_token grant at its token endpoint."""

    # How the token endpoint's errors read; the platform's API may answer in another shape.
    classify_token_error: ErrorClassifier = staticmethod(oauth2_error)

    @property
    @abstractmethod
    def token_url(self) -> str:
        """The platform's token endpoint; each client names the doc it follows."""

    def client_authentication(self) -> tuple[dict[str, str], dict[str, Any]]:
        """How the app proves itself at the token endpoint, as (form fields, request options).
        By default its id and secret travel in the form body (RFC 6749 section 2.3.1)."""
        client_id, client_secret = self.app_credentials()
        return {"client_id": client_id, "client_secret": client_secret}, {}

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        if not credentials.refresh_token:
            raise ReauthRequired("No refresh token is stored for this account; reconnect it")
        form, options = self.client_authentication()
        response = self.call(
            credentials,
            "POST",
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": credentials.refresh_token,
                **form,
            },
            classify_error=self.classify_token_error,
            **options,
        )
        return token_grant_from(response, self.classify_token_error)
