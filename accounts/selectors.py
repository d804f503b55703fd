"""Reads. Every selector serving a request takes the organization: nothing leaves its
tenant. The schedule's selectors, which work across organizations, say so in their name."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import (
    REAUTH_SOON,
    AccountStatus,
    Membership,
    Organization,
    SocialAccount,
)
from vchata_social.errors import NotFound


def social_account_list(
    *,
    organization: Organization,
    platform: str | None = None,
    is_active: bool | None = None,
    status: str | None = None,
) -> QuerySet[SocialAccount]:
    accounts = SocialAccount.objects.for_organization(organization).without_secrets()
    if platform:
        accounts = accounts.filter(platform=platform)
    if status == REAUTH_SOON:
        accounts = accounts.reauth_soon(before=reauth_warning_horizon())
    elif status:
        accounts = accounts.filter(status=status)
    if is_active is not None:
        accounts = accounts.filter(is_active=is_active)
    return accounts


def reauth_warning_horizon() -> datetime:
    """Until when a coming forced login is worth a warning."""
    return timezone.now() + timedelta(days=settings.REAUTH_WARNING_DAYS)


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


def social_accounts_due_for_refresh(*, now: datetime | None = None) -> QuerySet[SocialAccount]:
    """Across organizations: accounts whose token expires within its platform's lead time.
    One query, on the `social_account_refresh_due` partial index."""
    now = now or timezone.now()
    due = Q()
    for platform, lead in settings.TOKEN_REFRESH_LEAD_SECONDS.items():
        due |= Q(platform=platform, token_expires_at__lte=now + timedelta(seconds=lead))
    return SocialAccount.objects.connected().filter(due, status=AccountStatus.ACTIVE).order_by()
