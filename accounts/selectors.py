"""Reads. Every selector serving a request takes the organization: nothing leaves its
tenant. The schedule's selectors, which work across organizations, say so in their name;
the staff dashboard's take the accounts the admin shows the staff member instead."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
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
from vchata_social.db import rows_reconnecting
from vchata_social.errors import NotFound


def social_account_list(
    *,
    organization: Organization | str,
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


class AccountListRow(NamedTuple):
    """An account as the list shows it; timestamps are already ISO 8601 text in UTC."""

    id: str
    organization_id: str
    platform: str
    platform_user_id: str
    platform_user_name: str
    platform_user_email: str
    permissions: object
    is_active: bool
    status: str
    token_expires_at: str | None
    refresh_token_expires_at: str | None
    data_access_expires_at: str | None
    last_sync_at: str | None
    stats_total_posts: int
    stats_total_followers: int
    stats_total_engagement: int
    stats_last_post_date: str | None
    created_at: str
    updated_at: str


# The UTC text DRF's DATETIME_FORMAT gives ("%Y-%m-%dT%H:%M:%SZ", years unpadded): made by
# PostgreSQL, because reading a timestamptz into Python and formatting it again cost more
# than the rest of the list together.
_UTC_TEXT = """to_char({} AT TIME ZONE 'UTC', 'FMYYYY-MM-DD"T"HH24:MI:SS"Z"')"""
_TIMESTAMPS = {
    "token_expires_at",
    "refresh_token_expires_at",
    "data_access_expires_at",
    "last_sync_at",
    "stats_last_post_date",
    "created_at",
    "updated_at",
}
_LIST_COLUMNS = ", ".join(
    _UTC_TEXT.format(column) if column in _TIMESTAMPS else column
    for column in AccountListRow._fields
)
# The largest OFFSET PostgreSQL takes; any offset past the last account answers the same.
_MAX_OFFSET = 2**63 - 1


def social_account_list_page(
    *,
    organization_id: str,
    offset: int,
    limit: int,
    platform: str | None = None,
    is_active: bool | None = None,
    status: str | None = None,
) -> tuple[list[AccountListRow], int]:
    """One page of social_account_list's accounts (same filters, same order) and how many
    match in all, in one query. Written in SQL, because this is the busiest read of the
    service and compiling the ORM's query cost more than running it."""
    where, params = _list_conditions(organization_id, platform, is_active, status)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_LIST_COLUMNS}, COUNT(*) OVER () FROM accounts_socialaccount "  # noqa: S608 - constant SQL, values are parameters
            f"WHERE {where} ORDER BY created_at, id LIMIT %s OFFSET %s",
            [*params, limit, min(offset, _MAX_OFFSET)],
        )
        rows = cursor.fetchall()
        if rows:
            return [_list_row(row) for row in rows], rows[0][-1]
        if offset == 0:
            return [], 0
        # A page past the last account: the count comes on its own.
        cursor.execute(f"SELECT COUNT(*) FROM accounts_socialaccount WHERE {where}", params)  # noqa: S608 - as above
        return [], cursor.fetchone()[0]


def _list_conditions(
    organization_id: str, platform: str | None, is_active: bool | None, status: str | None
) -> tuple[str, list]:
    """social_account_list's filters, as SQL over constant fragments and their parameters."""
    conditions = ["organization_id = %s", "disconnected_at IS NULL"]
    params: list = [organization_id]
    if platform:
        conditions.append("platform = %s")
        params.append(platform)
    if status == REAUTH_SOON:
        conditions.append(
            "status = %s AND (data_access_expires_at <= %s OR refresh_token_expires_at <= %s)"
        )
        horizon = reauth_warning_horizon()
        params += [AccountStatus.ACTIVE.value, horizon, horizon]
    elif status:
        conditions.append("status = %s")
        params.append(status)
    if is_active is not None:
        conditions.append("is_active = %s")
        params.append(is_active)
    return " AND ".join(conditions), params


def _list_row(row: tuple) -> AccountListRow:
    *values, _total = row
    # jsonb arrives as text (how Django sets up the driver), decoded as JSONField decodes it.
    values[_PERMISSIONS] = json.loads(values[_PERMISSIONS])
    return AccountListRow._make(values)


_PERMISSIONS = AccountListRow._fields.index("permissions")


def reauth_warning_horizon() -> datetime:
    """Until when a coming forced login is worth a warning."""
    return timezone.now() + timedelta(days=settings.REAUTH_WARNING_DAYS)


def social_account_get(*, organization: Organization | str, account_id: str) -> SocialAccount:
    """One account of the organization (or of the organization with that id); another
    organization's account is simply not found."""
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


@dataclass(frozen=True)
class OrganizationAccess:
    """A member's standing in an organization: the role, and the version its reader caches
    by, read in the same query as the membership."""

    user_id: int
    organization_id: str
    role: str
    # Of every account of the organization (the account list).
    accounts_version: str | None = None
    # Of one account's analytics (its stats); None too when the account is not one of the
    # organization's connected accounts.
    stats_version: int | None = None

    @property
    def can_write(self) -> bool:
        return self.role in Membership.WRITE_ROLES


# Every write of an account row (an insert, an update by any path, a delete) leaves a row
# version with a new place (ctid) or transaction (xmin): a digest of the organization's live
# row versions changes with every committed write and with nothing else, without any writer
# having to remember to bump it.
_ACCOUNTS_VERSION = (
    "SELECT md5(string_agg(account.ctid::text || account.xmin::text, ',' ORDER BY account.ctid)) "
    "FROM accounts_socialaccount account "
    "WHERE account.organization_id = membership.organization_id"
)
# One row, by its key, and only if the member's organization has it connected.
_STATS_VERSION = (
    "SELECT account.stats_version FROM accounts_socialaccount account "
    "WHERE account.id = %s AND account.organization_id = membership.organization_id "
    "AND account.disconnected_at IS NULL"
)
_MEMBERSHIP_ACCESS = (
    "SELECT membership.role, ({version}) "
    "FROM accounts_membership membership "
    "JOIN auth_user ON auth_user.id = membership.user_id "
    "WHERE membership.user_id = %s AND membership.organization_id = %s "
    "AND auth_user.is_active"
)


def membership_access_with_accounts_version(
    *, user_id: int, organization_id: str
) -> OrganizationAccess | None:
    """The access of an active user to the organization, or None when they have none, with the
    version of the organization's accounts (which reads every account row of the
    organization: only the account list, which caches by it, asks for it)."""
    found = _role_and_version(_WITH_ACCOUNTS_VERSION, [user_id, organization_id])
    if found is None:
        return None
    role, version = found
    return OrganizationAccess(user_id, organization_id, role, accounts_version=version)


def membership_access_with_stats_version(
    *, user_id: int, organization_id: str, account_id: str
) -> OrganizationAccess | None:
    """The same access, with the stats version of one account of the organization."""
    # The id as the ORM would send it (an id with a NUL finds nothing, like any unknown one).
    account_key = SocialAccount._meta.pk.get_prep_value(account_id)
    found = _role_and_version(_WITH_STATS_VERSION, [account_key, user_id, organization_id])
    if found is None:
        return None
    role, version = found
    return OrganizationAccess(user_id, organization_id, role, stats_version=version)


_WITH_ACCOUNTS_VERSION = _MEMBERSHIP_ACCESS.format(version=_ACCOUNTS_VERSION)
_WITH_STATS_VERSION = _MEMBERSHIP_ACCESS.format(version=_STATS_VERSION)


def _role_and_version(sql: str, params: list) -> tuple | None:
    """One small query whose SQL is never compiled again, sent without a health check."""
    found = rows_reconnecting(sql, params)
    return found[0] if found else None


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
