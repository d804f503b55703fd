"""Instagram client for the Instagram API with Instagram Login (graph.instagram.com).

Like Facebook, there is no refresh token: a long-lived token at least 24 hours old and not yet
expired is refreshed into a new 60-day one. None of these calls needs the app's credentials.

Documentation followed:
- Refresh: https://developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token
- /me, documented under a version (graph.instagram.com/v<version>/me), which GRAPH_URL
  carries: https://developers.facebook.com/docs/instagram-platform/reference/me
- Fields of the user (user_id, username, followers_count, media_count):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
- Getting the user id and username with /me:
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started
- Errors use the Graph API shape and codes, read by facebook.meta_error:
  https://developers.facebook.com/docs/graph-api/guides/error-handling
"""

from typing import Any
from urllib.parse import urljoin

from accounts.platforms.base import Credentials, Profile, TokenGrant, TokenValidation
from accounts.platforms.facebook import MetaGraphClient, meta_error
from accounts.platforms.http import int_or_none, json_body, required
from accounts.platforms.oauth2 import token_grant_from

VALIDATION_FIELDS = "user_id,username"
PROFILE_FIELDS = "user_id,username,followers_count,media_count"


class InstagramClient(MetaGraphClient):
    platform = "INSTAGRAM"
    refresh_model = "extend"

    def refresh_token(self, credentials: Credentials) -> TokenGrant:
        # Refresh Access Token reference: GET /refresh_access_token?grant_type=ig_refresh_token,
        # documented at the host's root, without the version the other calls carry.
        params = {"grant_type": "ig_refresh_token", **self.token_params(credentials.access_token)}
        url = urljoin(self.config["GRAPH_URL"], "/refresh_access_token")
        response = self.call(credentials, "GET", url, params=params)
        return token_grant_from(response, meta_error)

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        # A /me that answers proves the token is live; a token error (code 190) says it is not.
        user = self._me(credentials, VALIDATION_FIELDS)
        return TokenValidation(is_valid=True, platform_user_id=user.get("user_id"))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        user = self._me(credentials, PROFILE_FIELDS)
        return Profile(
            platform_user_id=required(user, "user_id"),
            user_name=user.get("username") or "",
            followers_count=int_or_none(user.get("followers_count")),
        )

    def _me(self, credentials: Credentials, fields: str) -> dict[str, Any]:
        # Me reference: GET /me?fields=... answers the fields of the token's own user.
        response = self.graph_get(credentials, "/me", token=credentials.access_token, fields=fields)
        return json_body(response)
