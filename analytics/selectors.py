"""Reads of synced data: account stats, organization metrics, what the schedule syncs.

Every figure is computed from stored rows (posts, daily history, sync runs, audit records),
never from the platform, in a fixed number of queries whatever the range or the data.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact

from accounts.models import AccountStatus, AuditLog, Organization, SocialAccount
from accounts.oauth import CONNECT_FAILED
from accounts.platforms.base import each_day
from accounts.selectors import AttentionReason
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus
from vchata_social.errors import NotFound

RATE_DECIMALS = 1


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "DateRange":
        """The period of the same length just before this one."""
        return DateRange(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def each_day(self) -> list[date]:
        return list(each_day(self.start, self.end))


@dataclass(frozen=True)
class TopPost:
    id: str
    engagement: int
    reach: int


@dataclass(frozen=True)
class TrendDay:
    date: date
    followers: int | None
    engagement: int
    reach: int


@dataclass(frozen=True)
class HistoryDay:
    day: date
    followers: int | None
    engagement: int | None
    reach: int | None


@dataclass(frozen=True)
class AccountStats:
    social_account_id: str
    platform: str
    date_range: DateRange
    total_posts: int
    total_followers: int
    total_engagement: int
    total_reach: int
    total_clicks: int
    average_engagement_rate: float
    average_click_through_rate: float
    top_engaging_post: TopPost | None
    follower_growth: int
    engagement_growth: float | None
    reach_growth: float | None
    trends: list[TrendDay]


def account_stats(*, account: SocialAccount, period: DateRange) -> AccountStats:
    """The account's figures over `period` (formulas in the README)."""
    previous = period.previous()
    history = _daily_history(account, DateRange(previous.start, period.end))
    current = [row for row in history if row["day"] >= period.start]
    earlier = [row for row in history if row["day"] < period.start]
    totals = _sums(current)
    followers_before = _last_followers(account, before=period.start)
    trends = _trends(period, current, followers_before)
    end_followers = _end_followers(account, trends)
    # Growth counts from the eve of the period; with no figure then, from its first one.
    start_followers = followers_before
    if start_followers is None:
        start_followers = next((day.followers for day in trends if day.followers is not None), None)
    previous_totals = _sums(earlier)
    return AccountStats(
        social_account_id=account.pk,
        platform=account.platform,
        date_range=period,
        total_posts=_posts_published(account, period),
        total_followers=end_followers,
        total_engagement=totals["engagement"],
        total_reach=totals["reach"],
        total_clicks=totals["clicks"],
        average_engagement_rate=_percent(totals["engagement"], totals["reach"]) or 0.0,
        average_click_through_rate=_percent(totals["clicks"], totals["reach"]) or 0.0,
        top_engaging_post=_top_post(account, period),
        follower_growth=end_followers - start_followers if start_followers is not None else 0,
        engagement_growth=_growth(totals["engagement"], previous_totals["engagement"]),
        reach_growth=_growth(totals["reach"], previous_totals["reach"]),
        trends=trends,
    )


def _daily_history(account: SocialAccount, period: DateRange) -> list[dict]:
    return list(
        DailyMetric.objects.filter(
            social_account=account, day__gte=period.start, day__lte=period.end
        )
        .order_by("day")
        .values("day", "followers", "engagement", "reach", "clicks")
    )


def _sums(rows: list[dict]) -> dict[str, int]:
    return {name: sum(row[name] for row in rows) for name in ("engagement", "reach", "clicks")}


def _last_followers(account: SocialAccount, *, before: date) -> int | None:
    """The follower count known last before a period, which its first days carry on."""
    return (
        DailyMetric.objects.filter(social_account=account, day__lt=before, followers__isnull=False)
        .order_by("-day")
        .values_list("followers", flat=True)
        .first()
    )


def _trends(period: DateRange, rows: list[dict], followers_before: int | None) -> list[TrendDay]:
    """One row a day; a day without history had no engagement or reach that we know of."""
    return [
        TrendDay(
            date=day.day,
            followers=day.followers,
            engagement=day.engagement or 0,
            reach=day.reach or 0,
        )
        for day in _history_days(period, rows, followers_before)
    ]


def _history_days(
    period: DateRange, rows: list[dict], followers_before: int | None
) -> list[HistoryDay]:
    """One entry a day of `period`. A day without a follower figure carries the last one known
    (a total lasts until it changes); engagement and reach stay None on a day without a
    history row: no sync covered that day, which is not the same as a day with none."""
    by_day = {row["day"]: row for row in rows}
    followers = followers_before
    days = []
    for day in period.each_day():
        row = by_day.get(day, {})
        if row.get("followers") is not None:
            followers = row["followers"]
        days.append(
            HistoryDay(
                day=day,
                followers=followers,
                engagement=row.get("engagement"),
                reach=row.get("reach"),
            )
        )
    return days


def _end_followers(account: SocialAccount, trends: list[TrendDay]) -> int:
    last_known = trends[-1].followers if trends else None
    return account.stats_total_followers if last_known is None else last_known


def _posts_in(account: SocialAccount, period: DateRange) -> models.QuerySet[Post]:
    return Post.objects.filter(
        social_account=account,
        published_at__date__gte=period.start,
        published_at__date__lte=period.end,
    )


def _posts_published(account: SocialAccount, period: DateRange) -> int:
    return _posts_in(account, period).count()


def _top_post(account: SocialAccount, period: DateRange) -> TopPost | None:
    post = (
        _posts_in(account, period)
        .order_by("-engagement", "-published_at")
        .values("id", "engagement", "reach")
        .first()
    )
    return TopPost(**post) if post else None


def _percent(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return round(part / whole * 100, RATE_DECIMALS)


def _growth(current: int, previous: int) -> float | None:
    """Percent change against the previous period; None when that period had nothing to
    compare with (a change from zero has no percentage)."""
    if not previous:
        return None
    return round((current - previous) / previous * 100, RATE_DECIMALS)


def account_daily_history(*, account: SocialAccount, period: DateRange) -> list[HistoryDay]:
    """The account's stored history, one entry a day of `period`, in two queries whatever its
    length (see _history_days)."""
    rows = _daily_history(account, period)
    return _history_days(period, rows, _last_followers(account, before=period.start))


def sync_run_get(*, organization: Organization, account_id: str, sync_id: str) -> SyncRun:
    """One run of one of the organization's accounts; any other is simply not found."""
    try:
        return SyncRun.objects.get(
            pk=sync_id,
            social_account__in=SocialAccount.objects.for_organization(organization),
            social_account_id=account_id,
        )
    except SyncRun.DoesNotExist:
        raise NotFound("Sync run not found") from None


# --- Organization metrics -------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationMetrics:
    organization_id: str
    date_range: DateRange
    total_accounts: int
    active_accounts: int
    platform_distribution: dict[str, int]
    average_sync_time: float | None
    token_refresh_rate: float | None
    connection_failures: int
    token_expirations: int
    sync_failures: int
    webhook_failures: int


# Counters of webhook failures (refused deliveries, failed processing), registered by the
# webhooks app at start-up: it builds on this app, so this one never imports it.
webhook_failure_counters: list[Callable[[Organization, DateRange], int]] = []

REFRESH_SUCCEEDED = "social_account.token_refresh"
REFRESH_FAILED = "social_account.token_refresh_failed"
REAUTH_REQUIRED = "social_account.reauth_required"
UNREACHABLE_PLATFORM_STATUS = 502


def organization_metrics(*, organization: Organization, period: DateRange) -> OrganizationMetrics:
    """Integration and error metrics of the organization's accounts: three queries, and
    those of the webhook failure counters."""
    accounts = _account_counts(organization)
    runs = _sync_run_figures(organization, period)
    audited = _audited_counts(organization, period)
    refreshes = audited[REFRESH_SUCCEEDED]
    refresh_failures = audited[REFRESH_FAILED] + audited[REAUTH_REQUIRED]
    return OrganizationMetrics(
        organization_id=organization.pk,
        date_range=period,
        total_accounts=sum(row["total"] for row in accounts),
        active_accounts=sum(row["active"] for row in accounts),
        platform_distribution={row["platform"]: row["total"] for row in accounts},
        average_sync_time=runs["average_seconds"],
        token_refresh_rate=_percent(refreshes, refreshes + refresh_failures),
        connection_failures=audited[REFRESH_FAILED] + runs["unreachable"] + audited[CONNECT_FAILED],
        token_expirations=audited[REAUTH_REQUIRED],
        sync_failures=runs["failed"],
        webhook_failures=sum(count(organization, period) for count in webhook_failure_counters),
    )


def _account_counts(organization: Organization) -> list[dict]:
    active = Q(is_active=True, status=AccountStatus.ACTIVE)
    return list(
        SocialAccount.objects.for_organization(organization)
        .values("platform")
        .annotate(total=models.Count("id"), active=models.Count("id", filter=active))
        .order_by("platform")
    )


def _sync_run_figures(organization: Organization, period: DateRange) -> dict:
    succeeded = Q(status=SyncStatus.SUCCEEDED)
    failed = Q(status=SyncStatus.FAILED)
    figures = SyncRun.objects.filter(
        social_account__organization=organization,
        started_at__date__gte=period.start,
        started_at__date__lte=period.end,
    ).aggregate(
        average=models.Avg(models.F("finished_at") - models.F("started_at"), filter=succeeded),
        failed=models.Count("id", filter=failed),
        unreachable=models.Count("id", filter=failed & Q(error_status=UNREACHABLE_PLATFORM_STATUS)),
    )
    average = figures["average"]
    return {
        "average_seconds": round(average.total_seconds(), RATE_DECIMALS) if average else None,
        "failed": figures["failed"],
        "unreachable": figures["unreachable"],
    }


def _audited_counts(organization: Organization, period: DateRange) -> dict[str, int]:
    rows = (
        AuditLog.objects.filter(
            organization=organization,
            action__in=[REFRESH_SUCCEEDED, REFRESH_FAILED, REAUTH_REQUIRED, CONNECT_FAILED],
            created_at__date__gte=period.start,
            created_at__date__lte=period.end,
        )
        .values("action")
        .annotate(count=models.Count("id"))
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["action"]] = row["count"]
    return counts


# --- The schedule ---------------------------------------------------------------------------


def social_accounts_to_sync_by_platform() -> dict[str, list[str]]:
    """Across organizations: the ids of every connected, active account that can still call
    its platform, grouped by platform."""
    rows = (
        SocialAccount.objects.connected()
        .filter(is_active=True, status=AccountStatus.ACTIVE)
        .order_by("platform", "created_at")
        .values_list("platform", "id")
    )
    grouped: dict[str, list[str]] = defaultdict(list)
    for platform, account_id in rows:
        grouped[platform].append(account_id)
    return dict(grouped)


# --- Staff dashboard --------------------------------------------------------------------------


def last_sync_status() -> Subquery:
    """The status of an account's latest sync run, for filtering accounts (by their pk)."""
    latest = SyncRun.objects.filter(social_account=OuterRef("pk")).order_by("-started_at")
    return Subquery(latest.values("status")[:1])


LAST_SYNC_FAILED = AttentionReason(
    "last_sync_failed",
    "Last sync failed",
    lambda now: Q(Exact(last_sync_status(), SyncStatus.FAILED)),
)


@dataclass(frozen=True)
class Rate:
    succeeded: int
    attempted: int

    @property
    def percent(self) -> float | None:
        return _percent(self.succeeded, self.attempted)


@dataclass(frozen=True)
class SuccessRate:
    name: str
    last_day: Rate
    last_week: Rate


DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def success_rates(*, accounts: QuerySet[SocialAccount], now: datetime) -> list[SuccessRate]:
    """Token refreshes and syncs of `accounts` that succeeded, over the last 24 hours and the
    last 7 days: two queries. A refresh counts as failed as in organization_metrics; a sync
    still running counts for neither."""
    return [_refresh_rate(accounts, now), _sync_rate(accounts, now)]


def _rate_counts(rows: QuerySet, moment: str, succeeded: Q, failed: Q, now: datetime) -> dict:
    def counted(condition: Q, since: datetime) -> models.Count:
        return models.Count("pk", filter=condition & Q(**{f"{moment}__gte": since}))

    return rows.filter(**{f"{moment}__gte": now - WEEK}).aggregate(
        day_succeeded=counted(succeeded, now - DAY),
        day_failed=counted(failed, now - DAY),
        week_succeeded=counted(succeeded, now - WEEK),
        week_failed=counted(failed, now - WEEK),
    )


def _success_rate(name: str, counts: dict) -> SuccessRate:
    return SuccessRate(
        name=name,
        last_day=Rate(counts["day_succeeded"], counts["day_succeeded"] + counts["day_failed"]),
        last_week=Rate(counts["week_succeeded"], counts["week_succeeded"] + counts["week_failed"]),
    )


def _refresh_rate(accounts: QuerySet[SocialAccount], now: datetime) -> SuccessRate:
    audited = AuditLog.objects.filter(
        target_type=SocialAccount.__name__, target_id__in=accounts.values("pk")
    )
    succeeded = Q(action=REFRESH_SUCCEEDED)
    failed = Q(action__in=[REFRESH_FAILED, REAUTH_REQUIRED])
    return _success_rate(
        "Token refresh", _rate_counts(audited, "created_at", succeeded, failed, now)
    )


def _sync_rate(accounts: QuerySet[SocialAccount], now: datetime) -> SuccessRate:
    runs = SyncRun.objects.filter(social_account__in=accounts)
    succeeded = Q(status=SyncStatus.SUCCEEDED)
    failed = Q(status=SyncStatus.FAILED)
    return _success_rate("Sync", _rate_counts(runs, "started_at", succeeded, failed, now))
