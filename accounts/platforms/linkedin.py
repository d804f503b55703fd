"""LinkedIn client for a Community Management API app: programmatic refresh tokens, token
introspection, and the member's identity from the organizations they administer.

The refresh token does not slide: it lives a fixed time (365 days) from the first grant, and
each refresh only mints a new 60-day access token, so refresh_token_expires_in shrinks.

The Community Management API must be the only product on its app, so the app cannot also
offer Sign In with OpenID Connect (/v2/userinfo). The member's id is read instead from their
own organization role assignments, which the same app's r_organization_admin scope allows:
what the service manages on LinkedIn is organization pages, so a member who administers
none has nothing to connect.

Documentation followed:
- Refresh: https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
- Introspection: https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
- Organization access control by role (GET /organizationAcls?q=roleAssignee):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
- Versioned REST API (LinkedIn-Version header, base /rest; a retired version answers 426):
  https://learn.microsoft.com/en-us/linkedin/marketing/versioning
- Rest.li protocol 2.0 header:
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
"""

from typing import Any

import requests
from django.conf import settings

from accounts.platforms.base import Credentials, Profile, TokenValidation
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformRequestRejected,
)
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    from_timestamp,
    json_body,
    required,
    split_scopes,
)
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error

PERSON_URN_PREFIX = "urn:li:person:"
# One approved administrator role of the token's member is enough to name the member.
OWN_ADMINISTRATOR_ROLES = {
    "q": "roleAssignee",
    "role": "ADMINISTRATOR",
    "state": "APPROVED",
    "count": "1",
}


def linkedin_error(response: requests.Response) -> PlatformError:
    """Classify a REST answer: a retired API version is our setting to fix, the rest by status."""
    if response.status_code == 426:
        return PlatformRequestRejected(
            f"LinkedIn no longer serves API version {settings.SOCIAL_LINKEDIN_API_VERSION}: "
            "set SOCIAL_LINKEDIN_API_VERSION to a version LinkedIn currently serves"
        )
    return classify_by_status(response)


def rest_headers(access_token: str) -> dict[str, str]:
    """Headers of every call to the versioned REST API ({API_URL}/...): pin the monthly API
    version and Rest.li protocol 2.0, whose syntax the REST endpoints expect."""
    return {
        **bearer(access_token),
        "LinkedIn-Version": settings.SOCIAL_LINKEDIN_API_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }


class LinkedInClient(OAuth2Client):
    platform = "LINKEDIN"
    refresh_model = "non_rotating"
    classify_error = staticmethod(linkedin_error)

    @property
    def token_url(self) -> str:
        # Programmatic refresh tokens: POST {OAUTH_URL}/accessToken as a form.
        return self.config["OAUTH_URL"] + "/accessToken"

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        client_id, client_secret = self.app_credentials()
        # Token introspection: POST {OAUTH_URL}/introspectToken with the app's credentials.
        # A 401 here means our app credentials are wrong: oauth2_error does not call that
        # a dead user token.
        response = self.call(
            credentials,
            "POST",
            self.config["OAUTH_URL"] + "/introspectToken",
            data={
                "client_id": client_id,
                "client_secret": client_secret,
                "token": credentials.access_token,
            },
            classify_error=oauth2_error,
        )
        return _validation_from(json_body(response))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        # Organization access control by role: GET /organizationAcls?q=roleAssignee lists the
        # token's member's approved roles, each naming the member as roleAssignee.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/organizationAcls",
            params={
                "q": "roleAssignee",
                "role": "ADMINISTRATOR",
                "state": "APPROVED",
                "count": "1",
            },
            headers=rest_headers(credentials.access_token),
        )
        return Profile(platform_user_id=_member_id(json_body(response)), user_name="")


def _member_id(acls: dict[str, Any]) -> str:
    """The person id of `urn:li:person:{id}`, the roleAssignee of the member's own roles."""
    elements = acls.get("elements") or []
    if not elements:
        raise PlatformPermissionDenied(
            "The LinkedIn member administers no organization page; only page administrators "
            "can be connected"
        )
    assignee = required(elements[0], "roleAssignee")
    if not assignee.startswith(PERSON_URN_PREFIX):
        raise PlatformRequestRejected("LinkedIn's answer names no member as roleAssignee")
    return assignee.removeprefix(PERSON_URN_PREFIX)


def _validation_from(introspection: dict[str, Any]) -> TokenValidation:
    """Read introspectToken: active, expires_at (epoch seconds), scope (comma-separated)."""
    return TokenValidation(
        is_valid=bool(introspection.get("active")),
        expires_at=from_timestamp(introspection.get("expires_at")),
        scopes=split_scopes(introspection.get("scope")) or [],
    )
