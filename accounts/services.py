"""Writes. Views, tasks and the admin all call these; each write is audited."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import (
    AccountStatus,
    AuditLog,
    Membership,
    Organization,
    Role,
    ScheduledTaskRun,
    SocialAccount,
    SocialAccountQuerySet,
    SocialPage,
)
from accounts.platforms import get_client
from accounts.platforms.base import (
    Credentials,
    PlatformClient,
    PlatformPage,
    TokenGrant,
    TokenValidation,
)
from accounts.platforms.errors import PlatformError, PlatformUnavailable, ReauthRequired
from accounts.signals import account_reauth_required
from vchata_social.errors import Conflict, NotFound

T = TypeVar("T")


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
    refresh_expires_in: int | None = None,
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
        refresh_token_expires_at=_expiry(refresh_expires_in),
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
def social_account_disconnect(
    *, organization: Organization | None, account_id: str, actor: Actor
) -> SocialAccount:
    """Keeps the row for history and the audit trail, but wipes its tokens at once:
    a disconnected account must hold no credential.

    The row lock makes a second disconnect that raced this one wait, then find the account
    disconnected: NotFound, and one audit entry only. `organization` is the caller's tenant;
    None only for the admin, which works across organizations."""
    account = _connected_account(
        SocialAccount.objects.without_secrets().select_for_update(),
        organization=organization,
        account_id=account_id,
    )
    now = timezone.now()
    SocialAccount.objects.filter(pk=account.pk).update(
        disconnected_at=now,
        is_active=False,
        access_token="",
        refresh_token=None,
        token_expires_at=None,
        updated_at=now,
    )
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="social_account.disconnect",
        target=account,
    )
    return account


# --- Tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRefreshOutcome:
    account: SocialAccount
    # False when no platform call was made: a sibling refreshed while we waited for the
    # lock, or (for the schedule) the token was no longer due.
    refreshed: bool


def credentials_of(account: SocialAccount, refresh_token: str | None = None) -> Credentials:
    return Credentials(
        account_key=account.pk,
        access_token=account.access_token,
        refresh_token=refresh_token or account.refresh_token,
        platform_user_id=account.platform_user_id,
    )


def token_refresh_due(account: SocialAccount) -> bool:
    if account.token_expires_at is None:
        return False
    lead = timedelta(seconds=settings.TOKEN_REFRESH_LEAD_SECONDS[account.platform])
    return account.token_expires_at <= timezone.now() + lead


def social_account_refresh_token(
    *,
    organization: Organization | None,
    account_id: str,
    actor: Actor,
    refresh_token: str | None = None,
    only_if_due: bool = False,
) -> TokenRefreshOutcome:
    """Refresh one account's token, calling the platform at most once however many callers
    race: the row lock serialises them, and each re-checks after the wait whether a sibling
    already refreshed. A rotated refresh token is stored in the same transaction.

    `refresh_token` (from the API body) is tried instead of the stored one; its failure says
    nothing of the stored token, so only the stored token's rejection marks the account
    REAUTH_REQUIRED.

    `organization` is the caller's tenant: another organization's account is NotFound. It is
    None only for the schedule and the admin actions, which work across organizations.
    Raises NotFound, ReauthRequired, PlatformUnavailable, PlatformRateLimited…"""
    requested_at = timezone.now()
    with transaction.atomic():
        account = _connected_account(
            SocialAccount.objects.select_for_update(),
            organization=organization,
            account_id=account_id,
        )
        if _refreshed_since(account, requested_at) or (
            only_if_due and not token_refresh_due(account)
        ):
            return TokenRefreshOutcome(account=account, refreshed=False)
        if account.status == AccountStatus.REAUTH_REQUIRED and not refresh_token:
            raise ReauthRequired()
        try:
            grant = get_client(account.platform).refresh_token(
                credentials_of(account, refresh_token)
            )
        except PlatformError as error:
            failure = error
        else:
            apply_token_grant(account, grant, used_refresh_token=refresh_token)
            audit_log_record(
                organization_id=account.organization_id,
                actor=actor,
                action="social_account.token_refresh",
                target=account,
                details={"rotated": grant.refresh_token is not None},
            )
            return TokenRefreshOutcome(account=account, refreshed=True)
    # Recorded after the lock's transaction, so that raising does not roll the record back.
    _record_refresh_failure(
        account_id=account_id, actor=actor, failure=failure, stored_token_used=not refresh_token
    )
    raise failure


def _record_refresh_failure(
    *, account_id: str, actor: Actor, failure: PlatformError, stored_token_used: bool
) -> None:
    if isinstance(failure, ReauthRequired) and stored_token_used:
        social_account_mark_reauth_required(
            account_id=account_id, actor=actor, reason=str(failure.message)
        )
    elif isinstance(failure, PlatformUnavailable):
        with transaction.atomic():
            SocialAccount.objects.filter(pk=account_id).update(
                token_refresh_failures=models.F("token_refresh_failures") + 1
            )
            account = SocialAccount.objects.without_secrets().get(pk=account_id)
            # Audited so that refresh success rates can be counted per organization.
            audit_log_record(
                organization_id=account.organization_id,
                actor=actor,
                action="social_account.token_refresh_failed",
                target=account,
                details={"reason": type(failure).__name__},
            )


def _connected_account(
    queryset: SocialAccountQuerySet, *, organization: Organization | None, account_id: str
) -> SocialAccount:
    """A disconnected account holds no token: there is nothing to refresh or validate. An
    account outside `organization` is not found either, exactly like an unknown id."""
    if organization is not None:
        queryset = queryset.for_organization(organization)
    try:
        return queryset.connected().get(pk=account_id)
    except SocialAccount.DoesNotExist:
        raise NotFound("Social account not found") from None


def _refreshed_since(account: SocialAccount, moment) -> bool:
    return account.token_refreshed_at is not None and account.token_refreshed_at >= moment


def apply_token_grant(
    account: SocialAccount, grant: TokenGrant, *, used_refresh_token: str | None
) -> None:
    now = timezone.now()
    account.access_token = grant.access_token
    # Never overwrite a refresh token with nothing: Google and others omit it on refresh.
    kept_refresh_token = grant.refresh_token or used_refresh_token or account.refresh_token
    account.refresh_token = kept_refresh_token
    account.token_expires_at = _expiry(grant.expires_in)
    if grant.refresh_expires_in:
        account.refresh_token_expires_at = _expiry(grant.refresh_expires_in)
    if grant.scopes:
        account.permissions = grant.scopes
    account.token_refreshed_at = now
    account.token_is_valid = True
    account.token_refresh_failures = 0
    account.status = AccountStatus.ACTIVE
    account.save()


@transaction.atomic
def social_account_mark_reauth_required(*, account_id: str, actor: Actor, reason: str) -> None:
    account = SocialAccount.objects.without_secrets().select_for_update().get(pk=account_id)
    if account.status == AccountStatus.REAUTH_REQUIRED:
        return
    account.status = AccountStatus.REAUTH_REQUIRED
    account.token_is_valid = False
    account.save(update_fields=["status", "token_is_valid", "updated_at"])
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="social_account.reauth_required",
        target=account,
        details={"reason": reason},
    )
    tell = partial(
        account_reauth_required.send, sender=SocialAccount, account=account, reason=reason
    )
    transaction.on_commit(tell, robust=True)


@dataclass(frozen=True)
class TokenValidationOutcome:
    account: SocialAccount
    validation: TokenValidation


def social_account_validate_token(
    *, organization: Organization | None, account_id: str, actor: Actor
) -> TokenValidationOutcome:
    """Ask the platform about the current token; store its validity, expiry and scopes.
    An invalid token of a platform without refresh tokens can only be fixed by the user.

    `organization` is the caller's tenant: another organization's account is NotFound. It is
    None only for the admin actions, which work across organizations."""
    account = _connected_account(
        SocialAccount.objects.all(), organization=organization, account_id=account_id
    )
    client = get_client(account.platform)
    validation = client.validate_token(credentials_of(account))
    with transaction.atomic():
        if not _store_validation(account, validation):
            # Refreshed while we asked: the answer is about a token no longer in use.
            return TokenValidationOutcome(account=account, validation=validation)
        audit_log_record(
            organization_id=account.organization_id,
            actor=actor,
            action="social_account.token_validate",
            target=account,
            details={"isValid": validation.is_valid},
        )
    if not validation.is_valid and not _can_refresh(client, account):
        social_account_mark_reauth_required(
            account_id=account_id, actor=actor, reason="The platform reports the token invalid"
        )
    return TokenValidationOutcome(account=account, validation=validation)


def _can_refresh(client: PlatformClient, account: SocialAccount) -> bool:
    return client.refresh_model != "extend" and bool(account.refresh_token)


def _store_validation(account: SocialAccount, validation: TokenValidation) -> bool:
    """Store what the platform said, unless the token was refreshed meanwhile."""
    changes = {"token_is_valid": validation.is_valid, "token_validated_at": timezone.now()}
    if validation.expires_at is not None:
        changes["token_expires_at"] = validation.expires_at
    if validation.scopes:
        changes["permissions"] = validation.scopes
    if validation.data_access_expires_at is not None:
        changes["data_access_expires_at"] = validation.data_access_expires_at
    same_token = SocialAccount.objects.filter(
        pk=account.pk, token_refreshed_at=account.token_refreshed_at
    )
    if not same_token.update(**changes, updated_at=timezone.now()):
        return False
    for name, value in changes.items():
        setattr(account, name, value)
    return True


# --- Pages ---------------------------------------------------------------------------------


def usable_account(*, organization: Organization | None, account_id: str) -> SocialAccount:
    """A connected account whose token may be used: one waiting for its user to reconnect is
    refused (409), since calling the platform with a dead token cannot help."""
    account = _connected_account(
        SocialAccount.objects.all(), organization=organization, account_id=account_id
    )
    if account.status == AccountStatus.REAUTH_REQUIRED:
        raise ReauthRequired("The platform rejected the account's token; reconnect the account")
    return account


def platform_call(
    account: SocialAccount, actor: Actor, operation: Callable[[PlatformClient, Credentials], T]
) -> T:
    """Run one platform operation with the account's credentials. A token the platform
    rejects for good marks the account REAUTH_REQUIRED, as a failed refresh does."""
    try:
        return operation(get_client(account.platform), credentials_of(account))
    except ReauthRequired as error:
        social_account_mark_reauth_required(
            account_id=account.pk, actor=actor, reason=str(error.message)
        )
        raise


def social_account_pages_refresh(
    *, organization: Organization | None, account_id: str, actor: Actor
) -> list[SocialPage]:
    """Ask the platform for the account's pages and store them (see social_page_store)."""
    account = usable_account(organization=organization, account_id=account_id)
    fetched = platform_call(account, actor, lambda client, creds: client.fetch_pages(creds))
    return social_page_store(account=account, pages=fetched)


PAGE_FIELDS_FROM_PLATFORM = (
    "name",
    "category",
    "url",
    "followers_count",
    "access_token",
    "is_active",
    "updated_at",
)


@transaction.atomic
def social_page_store(*, account: SocialAccount, pages: list[PlatformPage]) -> list[SocialPage]:
    """Upsert what the platform lists, in one statement; a page it no longer lists stays,
    inactive and without its token, for the history of its posts. Returns the active pages."""
    rows = [
        SocialPage(
            social_account=account,
            platform_page_id=page.platform_page_id,
            name=page.name[:255],
            category=page.category[:255],
            url=page.url[:1000],
            followers_count=page.followers_count,
            access_token=page.access_token,
            is_active=True,
        )
        for page in pages
    ]
    SocialPage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["social_account", "platform_page_id"],
        update_fields=PAGE_FIELDS_FROM_PLATFORM,
    )
    listed = [page.platform_page_id for page in pages]
    SocialPage.objects.filter(social_account=account).exclude(platform_page_id__in=listed).update(
        is_active=False, access_token=None, updated_at=timezone.now()
    )
    return list(
        SocialPage.objects.filter(social_account=account, is_active=True).order_by(
            "created_at", "id"
        )
    )


# --- The schedule ----------------------------------------------------------------------------


def scheduled_task_run_started(*, task_name: str) -> None:
    run = ScheduledTaskRun(task_name=task_name, last_started_at=timezone.now())
    _scheduled_task_run_store(run, fields=["last_started_at"])


def scheduled_task_run_finished(*, task_name: str, state: str, error: str = "") -> None:
    run = ScheduledTaskRun(
        task_name=task_name,
        last_finished_at=timezone.now(),
        last_state=state[:16],
        last_error=error[:200],
    )
    _scheduled_task_run_store(run, fields=["last_finished_at", "last_state", "last_error"])


def _scheduled_task_run_store(run: ScheduledTaskRun, *, fields: list[str]) -> None:
    """One upsert of `fields` only: a run's start never erases the last finish (nor its
    state), which the dashboard still shows while the new run goes on."""
    ScheduledTaskRun.objects.bulk_create(
        [run], update_conflicts=True, unique_fields=["task_name"], update_fields=fields
    )
