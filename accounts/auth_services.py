"""Sign-in: JWTs bound to one of the user's organizations.

Each service answers the tokens for one membership, or raises a typed error whose message
is what the API answers."""

from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.authentication import membership_claims, tokens_for_membership
from accounts.models import Membership
from accounts.selectors import membership_default, membership_get
from vchata_social.errors import ApplicationError, Forbidden, NotFound


class InvalidCredentials(ApplicationError):
    status_code = 401
    default_message = "Invalid username or password"


class InvalidRefreshToken(ApplicationError):
    status_code = 401
    default_message = "Invalid or expired refresh token"


class MembershipRequired(Forbidden):
    default_message = "Organization membership required"


class OrganizationNotFound(NotFound):
    default_message = "Organization not found"


def session_sign_in(*, username: str, password: str, organization_id: str | None = None) -> dict:
    """Tokens for the named organization, or for the user's first one when none is named."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise InvalidCredentials()
    if organization_id is None:
        return _tokens_for(membership_default(user_id=user.pk))
    return _tokens_for(membership_get(user_id=user.pk, organization_id=organization_id))


def session_refresh(*, refresh_token: str) -> dict:
    """A new access token for the refresh token's membership, which must still exist: a
    member removed since signing in gets nothing more."""
    try:
        refresh = RefreshToken(refresh_token)
    except TokenError:
        raise InvalidRefreshToken() from None
    claims = membership_claims(refresh)
    if claims is None:
        raise InvalidRefreshToken()
    user_id, organization_id = claims
    membership = membership_get(user_id=user_id, organization_id=organization_id)
    return _tokens_for(membership, refresh)


def session_switch_organization(*, user: AbstractBaseUser, organization_id: str) -> dict:
    """Tokens for another of the user's organizations. One the user is no member of is not
    found, so that the answer does not tell which organization ids exist."""
    membership = membership_get(user_id=user.pk, organization_id=organization_id)
    if membership is None:
        raise OrganizationNotFound()
    return tokens_for_membership(membership)


def _tokens_for(membership: Membership | None, refresh: RefreshToken | None = None) -> dict:
    if membership is None:
        raise MembershipRequired()
    return tokens_for_membership(membership, refresh)
