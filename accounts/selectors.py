"""Reads. Every selector serving a request takes the organization: nothing leaves its
tenant. The schedule's selectors, which work across organizations, say so in their name;
the staff dashboard's take the accounts the admin shows the staff member instead."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import (
    REAUTH_SOON,
    AccountStatus,
    Membership,
    Organization,
    Platform,
    ScheduledTaskRun,
    SocialAccount,
)
from accounts.platforms import get_client
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


# --- Staff dashboard --------------------------------------------------------------------------
# Across organizations: these take the accounts staff may see (the account admin's queryset)
# and answer in a fixed number of queries whatever their number.


@dataclass(frozen=True)
class PlatformCounts:
    platform: str
    active: int
    reauth_required: int
    disconnected: int


def social_account_counts_by_platform(*, accounts: QuerySet[SocialAccount]) -> list[PlatformCounts]:
    """Every platform, with its connected accounts by status and its disconnected ones."""
    connected = Q(disconnected_at__isnull=True)
    rows = {
        row["platform"]: row
        for row in accounts.order_by()
        .values("platform")
        .annotate(
            active=Count("pk", filter=connected & Q(status=AccountStatus.ACTIVE)),
            reauth_required=Count("pk", filter=connected & Q(status=AccountStatus.REAUTH_REQUIRED)),
            disconnected=Count("pk", filter=~connected),
        )
    }
    return [
        PlatformCounts(
            platform=platform,
            active=rows.get(platform, {}).get("active", 0),
            reauth_required=rows.get(platform, {}).get("reauth_required", 0),
            disconnected=rows.get(platform, {}).get("disconnected", 0),
        )
        for platform in Platform.values
    ]


@dataclass(frozen=True)
class AttentionReason:
    """Why a connected account needs staff's attention. `key` is the value of the account
    list's "needs attention" filter (?attention=<key>), which filters by `condition`, the
    same condition the dashboard counts."""

    key: str
    label: str
    condition: Callable[[datetime], Q]


TOKEN_EXPIRY_WARNING = timedelta(days=7)
REFRESH_TOKEN_EXPIRY_WARNING = timedelta(days=30)


def _extending_platforms() -> list[str]:
    """Platforms whose only refresh is extending the still-valid token itself."""
    return [
        platform for platform in Platform.values if get_client(platform).refresh_model == "extend"
    ]


def _expiring_without_refresh(now: datetime) -> Q:
    """Active accounts whose token ends within a week and cannot be renewed: no refresh token
    where the platform refreshes with one, or an expired token where it extends the token."""
    extending = _extending_platforms()
    without_refresh_token = Q(refresh_token__isnull=True) & ~Q(platform__in=extending)
    expired_beyond_extension = Q(platform__in=extending, token_expires_at__lte=now)
    no_refresh_path = without_refresh_token | expired_beyond_extension
    return Q(status=AccountStatus.ACTIVE, token_expires_at__lte=now + TOKEN_EXPIRY_WARNING) & (
        no_refresh_path
    )


attention_reasons: list[AttentionReason] = [
    AttentionReason(
        "reauth_required",
        "Waiting for their user to reconnect them (REAUTH_REQUIRED)",
        lambda now: Q(status=AccountStatus.REAUTH_REQUIRED),
    ),
    AttentionReason(
        "expiring_without_refresh",
        "Token expiring within a week with no way to refresh it",
        _expiring_without_refresh,
    ),
    AttentionReason(
        "refresh_token_dying",
        "Refresh token ending within 30 days",
        lambda now: Q(
            status=AccountStatus.ACTIVE,
            refresh_token_expires_at__lte=now + REFRESH_TOKEN_EXPIRY_WARNING,
        ),
    ),
]


def register_attention_reason(reason: AttentionReason) -> None:
    """For the apps built on this one (last sync failed, webhook dead letters), which this
    one never imports."""
    if reason.key not in {known.key for known in attention_reasons}:
        attention_reasons.append(reason)


def attention_reason_get(key: str) -> AttentionReason | None:
    return next((reason for reason in attention_reasons if reason.key == key), None)


def accounts_needing_attention(
    *, accounts: QuerySet[SocialAccount], reason: AttentionReason, now: datetime
) -> QuerySet[SocialAccount]:
    return accounts.connected().filter(reason.condition(now))


def attention_counts(*, accounts: QuerySet[SocialAccount], now: datetime) -> dict[str, int]:
    """How many connected accounts each reason holds, in one query."""
    return accounts.connected().aggregate(
        **{reason.key: Count("pk", filter=reason.condition(now)) for reason in attention_reasons}
    )


# --- The schedule ---------------------------------------------------------------------------


def scheduled_task_names() -> frozenset[str]:
    return frozenset(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())


@dataclass(frozen=True)
class ScheduledTask:
    entry: str
    task_name: str
    # None for a schedule that is not a plain interval (a crontab).
    every: timedelta | None
    last_run: ScheduledTaskRun | None
    # Not started for more than two of its intervals: beat or the workers are down.
    is_late: bool

    @property
    def is_running(self) -> bool:
        run = self.last_run
        if run is None or run.last_started_at is None:
            return False
        return run.last_finished_at is None or run.last_finished_at < run.last_started_at


def scheduled_tasks(*, now: datetime) -> list[ScheduledTask]:
    """Every entry of the beat schedule with the last run its worker recorded; one query."""
    runs = {
        run.task_name: run
        for run in ScheduledTaskRun.objects.filter(task_name__in=scheduled_task_names())
    }
    tasks = []
    for entry, definition in settings.CELERY_BEAT_SCHEDULE.items():
        every = _interval(definition["schedule"])
        last_run = runs.get(definition["task"])
        started = last_run.last_started_at if last_run else None
        late = every is not None and (started is None or now - started > 2 * every)
        tasks.append(ScheduledTask(entry, definition["task"], every, last_run, late))
    return tasks


def _interval(schedule) -> timedelta | None:
    if isinstance(schedule, timedelta):
        return schedule
    if isinstance(schedule, int | float):
        return timedelta(seconds=schedule)
    return None
