"""JWT authentication bound to an organization.

The access token carries the organization the user is working in (`org`). Each request
loads the membership behind it in one query, so a member removed a second ago is refused
on their next call, whatever their token says."""

import re
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.models import Membership
from accounts.selectors import (
    OrganizationAccess,
    membership_access_with_accounts_version,
    membership_access_with_stats_version,
    membership_get,
)

ORGANIZATION_CLAIM = "org"
MEMBERSHIP_REQUIRED = "Organization membership required"
_USER_ID_DIGITS = re.compile(r"[0-9]{1,19}")  # a bigint at most
# Access tokens a process keeps validated (a few hundred bytes each).
VALIDATED_TOKENS_KEPT = 1024


class OrganizationJWTAuthentication(JWTAuthentication):
    """Sets `request.user` to the user and `request.auth` to their Membership."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        """A client sends the same token on every request until it expires, and a token's
        signature and claims cannot change: each process checks them once per token (an
        invalid one is never kept), and only the expiry on every request."""
        token = _validated_once(raw_token)
        if _expired(token):
            return super().get_validated_token(raw_token)  # refused as any expired token is
        return token

    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is None:
            return None
        membership, _token = authenticated
        return membership.user, membership

    def get_user(self, validated_token):
        membership = membership_get(**_claims_or_refuse(validated_token))
        if membership is None:
            raise PermissionDenied(MEMBERSHIP_REQUIRED)
        return membership


class OrganizationAccessJWTAuthentication(OrganizationJWTAuthentication):
    """For the account list, the busiest read: `request.auth` is an OrganizationAccess (the
    role and the version of the organization's accounts), checked in one small query on every
    request like any membership; `request.user` is loaded only if something asks for it."""

    def authenticate(self, request):
        authenticated = JWTAuthentication.authenticate(self, request)
        if authenticated is None:
            return None
        access, _token = authenticated
        return SimpleLazyObject(lambda: get_user_model().objects.get(pk=access.user_id)), access

    def get_user(self, validated_token):
        access = self.access(**_claims_or_refuse(validated_token))
        if access is None:
            raise PermissionDenied(MEMBERSHIP_REQUIRED)
        return access

    def access(self, *, user_id: int, organization_id: str) -> OrganizationAccess | None:
        return membership_access_with_accounts_version(
            user_id=user_id, organization_id=organization_id
        )


class AccountStatsJWTAuthentication(OrganizationAccessJWTAuthentication):
    """For an account's stats: `request.auth.stats_version` is the version of the account the
    URL names, read in the membership's query (None when the organization has no such
    connected account)."""

    def authenticate(self, request):
        # DRF makes an authenticator for each request: the account is this request's.
        self.account_id = request.parser_context["kwargs"]["account_id"]
        return super().authenticate(request)

    def access(self, *, user_id: int, organization_id: str) -> OrganizationAccess | None:
        return membership_access_with_stats_version(
            user_id=user_id, organization_id=organization_id, account_id=self.account_id
        )


@lru_cache(maxsize=VALIDATED_TOKENS_KEPT)
def _validated_once(raw_token: bytes) -> Token:
    return JWTAuthentication().get_validated_token(raw_token)


def _expired(token: Token) -> bool:
    try:
        token.check_exp(current_time=aware_utcnow())
    except TokenError:
        return True
    return False


def _claims_or_refuse(token: Token) -> dict:
    claims = membership_claims(token)
    if claims is None:
        raise AuthenticationFailed("Invalid or expired access token")
    user_id, organization_id = claims
    return {"user_id": user_id, "organization_id": organization_id}


def membership_claims(token: Token) -> tuple[int, str] | None:
    """The user id and organization id a token names, or None when either is missing or of
    a shape our tokens never carry: a correct signature says who signed, not that the claims
    are well-formed, and a user id that is no integer would fail in the database (a 500)."""
    user_id = _user_id(token.get(api_settings.USER_ID_CLAIM))
    organization_id = token.get(ORGANIZATION_CLAIM)
    if user_id is None or not isinstance(organization_id, str):
        return None
    return user_id, organization_id


def _user_id(claim: object) -> int | None:
    """simplejwt writes the user id as a string of digits (older versions: as a number)."""
    if type(claim) is int:  # not a bool
        return claim
    if isinstance(claim, str) and _USER_ID_DIGITS.fullmatch(claim):
        return int(claim)
    return None


def tokens_for_membership(membership: Membership, refresh: RefreshToken | None = None) -> dict:
    """An access token (from `refresh`, or from a new refresh token) for the membership."""
    if refresh is None:
        refresh = RefreshToken.for_user(membership.user)
        refresh[ORGANIZATION_CLAIM] = membership.organization_id
    return {
        "accessToken": str(refresh.access_token),
        "refreshToken": str(refresh),
        "organizationId": membership.organization_id,
        "role": membership.role,
    }


class OrganizationJWTScheme(OpenApiAuthenticationExtension):
    """Describes the bearer JWT in the OpenAPI schema."""

    target_class = OrganizationJWTAuthentication
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT"
        )
