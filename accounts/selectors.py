"""Reads. Every selector takes the organization: nothing leaves its tenant."""

from django.db.models import QuerySet

from accounts.models import Membership, Organization, SocialAccount
from vchata_social.errors import NotFound


def social_account_list(
    *, organization: Organization, platform: str | None = None, is_active: bool | None = None
) -> QuerySet[SocialAccount]:
    accounts = SocialAccount.objects.for_organization(organization).without_secrets()
    if platform:
        accounts = accounts.filter(platform=platform)
    if is_active is not None:
        accounts = accounts.filter(is_active=is_active)
    return accounts


def social_account_get(*, organization: Organization, account_id: str) -> SocialAccount:
    """One account of the organization; another organization's account is simply not found."""
    try:
        return social_account_list(organization=organization).get(pk=account_id)
    except SocialAccount.DoesNotExist:
        raise NotFound("Social account not found") from None


def membership_get(*, user_id: int, organization_id: str) -> Membership | None:
    return (
        Membership.objects.select_related("user", "organization")
        .filter(user_id=user_id, organization_id=organization_id, user__is_active=True)
        .first()
    )


def membership_default(*, user_id: int) -> Membership | None:
    """The organization a user signs in to when none is asked for: the first one joined."""
    return (
        Membership.objects.select_related("organization")
        .filter(user_id=user_id)
        .order_by("created_at", "id")
        .first()
    )
