"""The browser connect flow at each platform (OAuth 2.0 authorization code grant, RFC 6749
section 4.1): the authorization URL the user is sent to, and the exchange of the code the
platform sends back for tokens, made long-lived where the platform's first token is short.

PKCE (RFC 7636, S256) is sent where the platform documents it for a web server app: X requires
it, Google recommends it. TikTok documents `code_verifier` for its mobile and desktop kits only,
LinkedIn for native apps only, Meta for an OpenID Connect flow it calls "still in testing":
those get the plain authorization code grant, which a confidential client (our secret stays on
the server) may use.

Documentation followed:
- Facebook, "Manually Build a Login Flow" (GET {AUTHORIZE_URL}?client_id&redirect_uri&state
  &scope, comma-separated; the code exchanged with GET {GRAPH_URL}/oauth/access_token
  ?client_id&redirect_uri&client_secret&code → {access_token, token_type, expires_in}; the
  user's refusal comes back as error=access_denied, error_reason, error_description):
  https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
  and the long-lived exchange (fb_exchange_token), which FacebookClient.refresh_token sends:
  https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
- Instagram, Business Login for Instagram (GET https://www.instagram.com/oauth/authorize
  ?client_id&redirect_uri&response_type=code&scope, comma-separated, &state; POST
  {OAUTH_URL}/access_token form client_id, client_secret, grant_type=authorization_code,
  redirect_uri, code → {"data": [{access_token, user_id, permissions}]}, a one-hour token):
  https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login
  https://developers.facebook.com/documentation/instagram-platform/reference/oauth-authorize
  and the long-lived exchange, GET graph.instagram.com/access_token?grant_type=ig_exchange_token
  &client_secret&access_token → {access_token, token_type, expires_in} (60 days):
  https://developers.facebook.com/documentation/instagram-platform/reference/access_token
- TikTok, Login Kit for Web (GET https://www.tiktok.com/v2/auth/authorize/?client_key&scope,
  comma-separated, &response_type=code&redirect_uri&state): https://developers.tiktok.com/doc/login-kit-web
  and the code exchange (POST {API_URL}/v2/oauth/token/ form client_key, client_secret, code,
  grant_type=authorization_code, redirect_uri → open_id, scope, access_token, expires_in,
  refresh_token, refresh_expires_in, token_type):
  https://developers.tiktok.com/doc/oauth-user-access-token-management
- X, OAuth 2.0 Authorization Code Flow with PKCE (GET https://x.com/i/oauth2/authorize
  ?response_type=code&client_id&redirect_uri&scope, space-separated, &state&code_challenge
  &code_challenge_method; POST {API_URL}/2/oauth2/token form code, grant_type, redirect_uri,
  code_verifier, with HTTP Basic for a confidential client):
  https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
- LinkedIn, Authorization Code Flow (GET {AUTHORIZE_URL}?response_type=code&client_id
  &redirect_uri&state&scope, space-separated; POST {OAUTH_URL}/accessToken form
  grant_type=authorization_code, code, client_id, client_secret, redirect_uri → access_token,
  expires_in, refresh_token, refresh_token_expires_in, scope):
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
- Google, OAuth 2.0 for Web Server Applications (GET {AUTHORIZE_URL}?client_id&redirect_uri
  &response_type=code&scope, space-separated, &access_type=offline&state&code_challenge
  &code_challenge_method&prompt; POST {OAUTH_URL}/token form code, client_id, client_secret,
  redirect_uri, grant_type=authorization_code, code_verifier → access_token, expires_in,
  refresh_token, scope, token_type): https://developers.google.com/identity/protocols/oauth2/web-server
"""

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast
from urllib.parse import quote, urlencode, urljoin

from accounts.platforms import get_client
from accounts.platforms.base import Credentials, PlatformClient, TokenGrant
from accounts.platforms.errors import PlatformRequestRejected
from accounts.platforms.facebook import FacebookClient, meta_error
from accounts.platforms.http import json_body, split_scopes
from accounts.platforms.oauth2 import OAuth2Client, token_grant_from


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 4.2, S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class PlatformAuthorization:
    """How one platform runs the authorization code grant for a web server app."""

    platform: str
    scope_separator = " "
    uses_pkce = False
    # The parameter naming our app in the authorization URL (TikTok calls it client_key).
    client_id_param = "client_id"
    # Parameters the platform needs beyond the RFC's.
    extra_params: dict[str, str] = {}

    @property
    def client(self) -> PlatformClient:
        return get_client(self.platform)

    def authorization_url(
        self,
        *,
        redirect_uri: str,
        state: str,
        scopes: Sequence[str],
        code_verifier: str | None,
    ) -> str:
        client_id, _secret = self.client.app_credentials()
        params = {
            "response_type": "code",
            self.client_id_param: client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope_separator.join(scopes),
            "state": state,
            **self.extra_params,
        }
        if code_verifier is not None:
            params["code_challenge"] = pkce_challenge(code_verifier)
            params["code_challenge_method"] = "S256"
        # %20 rather than "+" between space-separated scopes, as the platforms' examples show.
        query = urlencode(params, quote_via=quote)
        return f"{self.client.config['AUTHORIZE_URL']}?{query}"

    def exchange_code(
        self,
        credentials: Credentials,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
    ) -> TokenGrant:
        """The tokens the code stands for, long-lived where the platform makes them so.
        `credentials` only name the rate-limit budget: there is no token yet."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        return self.long_lived(credentials, self.code_grant(credentials, form))

    def code_grant(self, credentials: Credentials, form: dict[str, str]) -> TokenGrant:
        """RFC 6749 4.1.3 at the platform's token endpoint, the app authenticated as it is
        for a refresh."""
        client = cast(OAuth2Client, self.client)
        authentication, options = client.client_authentication()
        response = client.call(
            credentials,
            "POST",
            client.token_url,
            data={**form, **authentication},
            classify_error=client.classify_token_error,
            **options,
        )
        return token_grant_from(response, client.classify_token_error)

    def long_lived(self, credentials: Credentials, grant: TokenGrant) -> TokenGrant:
        """The token to keep: the code's own, where the platform issues no shorter one."""
        return grant


class FacebookAuthorization(PlatformAuthorization):
    platform = "FACEBOOK"
    scope_separator = ","

    def code_grant(self, credentials: Credentials, form: dict[str, str]) -> TokenGrant:
        client = cast(FacebookClient, self.client)
        client_id, client_secret = client.app_credentials()
        # Manual login flow, exchanging code for an access token (a GET, without grant_type).
        response = client.graph_get(
            credentials,
            "/oauth/access_token",
            client_id=client_id,
            redirect_uri=form["redirect_uri"],
            client_secret=client_secret,
            code=form["code"],
        )
        return token_grant_from(response, meta_error)

    def long_lived(self, credentials: Credentials, grant: TokenGrant) -> TokenGrant:
        # The code's token lives about two hours; fb_exchange_token makes a ~60-day one.
        return self.client.refresh_token(_with_token(credentials, grant.access_token))


class InstagramAuthorization(PlatformAuthorization):
    platform = "INSTAGRAM"
    scope_separator = ","

    def code_grant(self, credentials: Credentials, form: dict[str, str]) -> TokenGrant:
        client = self.client
        client_id, client_secret = client.app_credentials()
        # Business Login, step 2: POST {OAUTH_URL}/access_token as a form.
        response = client.call(
            credentials,
            "POST",
            client.config["OAUTH_URL"] + "/access_token",
            data={**form, "client_id": client_id, "client_secret": client_secret},
        )
        grant = _instagram_short_lived_grant(json_body(response))
        if grant is None:
            raise meta_error(response)
        return grant

    def long_lived(self, credentials: Credentials, grant: TokenGrant) -> TokenGrant:
        client = self.client
        _client_id, client_secret = client.app_credentials()
        # Access Token reference: GET /access_token?grant_type=ig_exchange_token, at the host's
        # root like /refresh_access_token.
        response = client.call(
            _with_token(credentials, grant.access_token),
            "GET",
            urljoin(client.config["GRAPH_URL"], "/access_token"),
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": client_secret,
                "access_token": grant.access_token,
            },
        )
        long_lived = token_grant_from(response, meta_error)
        # Its answer names no permissions: those granted with the code stand.
        return replace(long_lived, scopes=long_lived.scopes or grant.scopes)


def _instagram_short_lived_grant(body: dict[str, Any]) -> TokenGrant | None:
    """The one-hour token of a code exchange and its permissions: Business Login wraps them in
    `data`, the older Instagram answer does not."""
    rows = body.get("data")
    answer = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else body
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        return None
    permissions = answer.get("permissions")
    scopes = split_scopes(permissions if isinstance(permissions, str) else None)
    return TokenGrant(access_token=token, expires_in=None, scopes=scopes)


class TikTokAuthorization(PlatformAuthorization):
    platform = "TIKTOK"
    scope_separator = ","
    client_id_param = "client_key"


class TwitterAuthorization(PlatformAuthorization):
    platform = "TWITTER"
    uses_pkce = True


class LinkedInAuthorization(PlatformAuthorization):
    platform = "LINKEDIN"


class YouTubeAuthorization(PlatformAuthorization):
    platform = "YOUTUBE"
    uses_pkce = True
    # offline: a refresh token comes with the code; consent: Google sends a new one on a
    # reconnect too, instead of only on the first grant.
    extra_params = {"access_type": "offline", "prompt": "consent"}


def _with_token(credentials: Credentials, access_token: str) -> Credentials:
    return Credentials(account_key=credentials.account_key, access_token=access_token)


_AUTHORIZATIONS: dict[str, PlatformAuthorization] = {
    flow.platform: flow
    for flow in (
        FacebookAuthorization(),
        InstagramAuthorization(),
        TikTokAuthorization(),
        TwitterAuthorization(),
        LinkedInAuthorization(),
        YouTubeAuthorization(),
    )
}


def get_authorization(platform: str) -> PlatformAuthorization:
    """The connect flow of `platform`; PlatformRequestRejected for one without it."""
    try:
        return _AUTHORIZATIONS[platform.upper()]
    except KeyError:
        raise PlatformRequestRejected(f"No connect flow for {platform!r}") from None
