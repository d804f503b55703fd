"""Writes. Views, tasks and the admin all call these; each write is audited."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditLog, Membership, Organization, Role, SocialAccount
from vchata_social.errors import Conflict


@dataclass(frozen=True)
class Actor:
    """Who caused a write, for the audit log. `user` is None for scheduled jobs."""

    user: AbstractBaseUser | None = None
    ip_address: str | None = None


SYSTEM = Actor()


def audit_log_record(
    *,
    organization_id: str,
    actor: Actor,
    action: str,
    target: object,
    details: dict | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        organization_id=organization_id,
        actor=actor.user,
        action=action,
        target_type=type(target).__name__,
        target_id=str(target.pk),
        ip_address=actor.ip_address,
        details=details or {},
    )


def organization_create(*, name: str, owner: AbstractBaseUser) -> Organization:
    with transaction.atomic():
        organization = Organization.objects.create(name=name)
        Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
        audit_log_record(
            organization_id=organization.pk,
            actor=Actor(user=owner),
            action="organization.create",
            target=organization,
        )
    return organization


def _expiry(seconds: int | None):
    return timezone.now() + timedelta(seconds=seconds) if seconds else None


@transaction.atomic
def social_account_connect(
    *,
    organization: Organization,
    actor: Actor,
    platform: str,
    platform_user_id: str,
    access_token: str,
    refresh_token: str | None = None,
    expires_in: int | None = None,
    platform_user_name: str = "",
    platform_user_email: str = "",
    permissions: list[str] | None = None,
) -> SocialAccount:
    if (
        SocialAccount.objects.for_organization(organization)
        .filter(platform=platform, platform_user_id=platform_user_id)
        .exists()
    ):
        raise Conflict("Social account already connected")
    account = SocialAccount(
        organization=organization,
        platform=platform,
        platform_user_id=platform_user_id,
        platform_user_name=platform_user_name,
        platform_user_email=platform_user_email,
        permissions=permissions or [],
        access_token=access_token,
        refresh_token=refresh_token or None,
        token_expires_at=_expiry(expires_in),
    )
    try:
        # A savepoint, so a concurrent connect losing the race leaves the transaction usable.
        with transaction.atomic():
            account.save(force_insert=True)
    except IntegrityError:
        raise Conflict("Social account already connected") from None
    audit_log_record(
        organization_id=organization.pk,
        actor=actor,
        action="social_account.connect",
        target=account,
        details={"platform": platform, "platformUserId": platform_user_id},
    )
    return account


UPDATABLE_FIELDS = ("platform_user_name", "platform_user_email", "permissions", "is_active")


@transaction.atomic
def social_account_update(*, account: SocialAccount, actor: Actor, changes: dict) -> SocialAccount:
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not updatable: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(account, name) != value]
    for name in changed:
        setattr(account, name, changes[name])
    if changed:
        account.save(update_fields=[*changed, "updated_at"])
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="social_account.update",
        target=account,
        details={"fields": changed},
    )
    return account


@transaction.atomic
def social_account_disconnect(*, account: SocialAccount, actor: Actor) -> None:
    """Keeps the row for history and the audit trail, but wipes its tokens at once:
    a disconnected account must hold no credential."""
    SocialAccount.objects.filter(pk=account.pk).update(
        disconnected_at=timezone.now(),
        is_active=False,
        access_token="",
        refresh_token=None,
        token_expires_at=None,
        updated_at=timezone.now(),
    )
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="social_account.disconnect",
        target=account,
    )
