"""Sync: pull an account's pages, posts and daily figures from its platform and store them.

A run is started by `sync_run_start` (the API, the admin, the schedule) and carried out by a
Celery task calling `sync_run_execute`. Posts are written in batches, one upsert a batch, and
the run's counts grow as they are; the account's summary, its daily history and the run's
outcome are written together at the end, so that a failure midway leaves the account as the
last successful sync left it (the posts already written stay: they were really synced).
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from itertools import islice

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Organization, SocialAccount, SocialPage
from accounts.platforms import get_client
from accounts.platforms.base import DailyInsight, PlatformPage, PlatformPost, each_day
from accounts.platforms.errors import PlatformError, ReauthRequired
from accounts.services import (
    SYSTEM,
    Actor,
    audit_log_record,
    credentials_of,
    social_account_mark_reauth_required,
    social_page_store,
    usable_account,
)
from analytics import stats_cache
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus, SyncType
from analytics.signals import sync_finished
from vchata_social.errors import Conflict, ServiceUnavailable
from vchata_social.outages import BROKER_UNREACHABLE_ERRORS
from vchata_social.transactions import on_commit_robust

logger = logging.getLogger(__name__)

POST_METRICS = ("likes", "comments", "shares", "views", "reach", "clicks", "engagement")
UNEXPECTED_FAILURE = "The sync failed unexpectedly; it can be started again"
LOST_RUN = "The sync stopped without finishing (its worker was lost)"
NOT_QUEUED = "The sync could not be handed to a worker (the task queue is unreachable)"
# A running sync's heartbeat beats at least this many times within SYNC_CLAIM_TIMEOUT_SECONDS
# (plus one platform call, which may be slow): a live worker is never taken for lost.
HEARTBEATS_PER_CLAIM_TIMEOUT = 10


@dataclass(frozen=True)
class SyncOptions:
    sync_type: str = SyncType.INCREMENTAL
    include_posts: bool = True
    include_followers: bool = True
    include_engagement: bool = True


@dataclass(frozen=True)
class SyncStart:
    run: SyncRun
    # True when a run of the account was already going: it is the one answered.
    already_running: bool


def sync_run_start(
    *,
    organization: Organization | None,
    account_id: str,
    actor: Actor,
    options: SyncOptions,
    enqueue: bool = True,
) -> SyncStart:
    """Start a sync of the account, or answer the one already running: two syncs of one
    account never run at once. Accounts waiting to be reconnected are refused (409).

    With `enqueue`, a worker carries the run out once this commits; without it, the caller
    runs `sync_run_execute` itself (the scheduled task does)."""
    account = usable_account(organization=organization, account_id=account_id)
    _fail_lost_runs(account)
    # Twice at most: the running run that refused ours may finish before we read it.
    for _attempt in range(2):
        try:
            run = _create_run(account, actor, options, enqueue=enqueue)
        except IntegrityError:
            running = SyncRun.objects.filter(social_account=account, status=SyncStatus.RUNNING)
            if (run := running.first()) is not None:
                return SyncStart(run=run, already_running=True)
        else:
            return SyncStart(run=run, already_running=False)
    raise Conflict("A sync of this account keeps starting and ending; try again")


@transaction.atomic
def _create_run(
    account: SocialAccount, actor: Actor, options: SyncOptions, *, enqueue: bool
) -> SyncRun:
    # The partial unique constraint refuses a second RUNNING run of the account.
    run = SyncRun.objects.create(
        social_account=account,
        sync_type=options.sync_type,
        include_posts=options.include_posts,
        include_followers=options.include_followers,
        include_engagement=options.include_engagement,
        since=_posts_since(account, options.sync_type),
    )
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="social_account.sync",
        target=account,
        details={"syncId": run.pk, "syncType": run.sync_type},
    )
    if enqueue:
        transaction.on_commit(partial(_hand_to_worker, run.pk))
    return run


def _hand_to_worker(run_id: str) -> None:
    """Queue the committed run. With the broker unreachable no worker will ever take it: the
    run fails at once (no RUNNING run left to block the next sync) and the caller gets a 503."""
    from analytics.tasks import run_sync  # the tasks module imports this one

    try:
        run_sync.delay(run_id)
    except BROKER_UNREACHABLE_ERRORS as error:
        logger.warning("Sync %s not queued, broker unreachable: %s", run_id, type(error).__name__)
        SyncRun.objects.filter(pk=run_id, status=SyncStatus.RUNNING).update(
            status=SyncStatus.FAILED, finished_at=timezone.now(), error=NOT_QUEUED, error_status=503
        )
        raise ServiceUnavailable("The sync could not be started; try again shortly") from None


def _posts_since(account: SocialAccount, sync_type: str) -> datetime | None:
    """Where an incremental sync starts: the start of the last successful run, so that
    nothing published while it ran is missed. A full sync (or a first one) reads all."""
    if sync_type == SyncType.FULL:
        return None
    last = (
        SyncRun.objects.filter(social_account=account, status=SyncStatus.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return last


def _fail_lost_runs(account: SocialAccount) -> None:
    """A run is lost when its last sign of life (its heartbeat, or its start if no worker took
    it) is older than SYNC_STALE_AFTER_SECONDS: a long sync whose worker is alive is not."""
    stale = timezone.now() - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    SyncRun.objects.alias(last_alive=Coalesce("claimed_at", "started_at")).filter(
        social_account=account, status=SyncStatus.RUNNING, last_alive__lt=stale
    ).update(status=SyncStatus.FAILED, finished_at=timezone.now(), error=LOST_RUN, error_status=500)


class ClaimLost(Exception):
    """The run is no longer this worker's: another one took it over (this one's heartbeat had
    stopped for SYNC_CLAIM_TIMEOUT_SECONDS) or it was ended meanwhile. This worker stops."""


def sync_run_execute(*, run_id: str) -> SyncRun:
    """Carry out a started run, once. A run another worker is carrying out (its heartbeat is
    fresh) or no longer RUNNING is left as it is. A run whose heartbeat stopped lost its worker
    (the broker delivers the late-acknowledged task again): it is taken over and read afresh."""
    run = SyncRun.objects.select_related("social_account").get(pk=run_id)
    if not _claim(run):
        return run
    try:
        return _carry_out(run)
    except ClaimLost:
        logger.warning("Sync %s stopped: another worker took it over or it ended", run.pk)
        run.refresh_from_db()
        return run


def _claim(run: SyncRun) -> bool:
    """Take the run for this worker: unclaimed, or claimed by a worker whose heartbeat stopped.
    A compare-and-set on the claim as read, so that of two deliveries only one takes it."""
    if run.status != SyncStatus.RUNNING or _heartbeat_is_fresh(run.claimed_at):
        return False
    now = timezone.now()
    # The run is read again from the start: its counts start again with it.
    taken = SyncRun.objects.filter(
        pk=run.pk, status=SyncStatus.RUNNING, claimed_at=run.claimed_at
    ).update(claimed_at=now, posts_synced=0, engagement_synced=0)
    if not taken:
        return False
    if run.claimed_at is not None:
        logger.warning("Sync %s taken over: last heartbeat at %s", run.pk, run.claimed_at)
    run.claimed_at, run.posts_synced, run.engagement_synced = now, 0, 0
    return True


def _heartbeat_is_fresh(claimed_at: datetime | None) -> bool:
    if claimed_at is None:
        return False
    timeout = timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS)
    return timezone.now() - claimed_at < timeout


def _heartbeat_is_due(run: SyncRun) -> bool:
    interval = settings.SYNC_CLAIM_TIMEOUT_SECONDS / HEARTBEATS_PER_CLAIM_TIMEOUT
    return (timezone.now() - run.claimed_at).total_seconds() >= interval


def _still_claimed(run: SyncRun) -> models.QuerySet[SyncRun]:
    """The run, as long as this worker's claim on it holds."""
    return SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING, claimed_at=run.claimed_at)


def _beat(run: SyncRun, **progress: models.Expression) -> None:
    """Record progress and that this worker is alive, in one UPDATE. Raises ClaimLost when
    the run is no longer this worker's."""
    now = timezone.now()
    if not _still_claimed(run).update(claimed_at=now, **progress):
        raise ClaimLost
    run.claimed_at = now


def _carry_out(run: SyncRun) -> SyncRun:
    account = run.social_account
    try:
        pages, insights = _pull(run, account)
    except ClaimLost:
        raise
    except ReauthRequired as error:
        social_account_mark_reauth_required(
            account_id=account.pk, actor=SYSTEM, reason=str(error.message)
        )
        return _fail(run, error)
    except PlatformError as error:
        return _fail(run, error)
    except Exception:
        logger.exception("Sync %s of %s failed unexpectedly", run.pk, account.pk)
        return _fail(run, None)
    return _succeed(run, account, pages, insights)


def _pull(run: SyncRun, account: SocialAccount) -> tuple[list[SocialPage], list[DailyInsight]]:
    """Pages, then each page's posts (stored as they come), then daily figures."""
    client = get_client(account.platform)
    credentials = credentials_of(account)
    pages = social_page_store(account=account, pages=client.fetch_pages(credentials))
    since, until = history_window(run)
    insights: list[DailyInsight] = []
    for page in pages:
        platform_page = platform_page_of(page)
        if run.include_posts:
            posts = client.fetch_posts(credentials, platform_page, since=run.since)
            _store_posts(run, page, islice(posts, settings.SYNC_MAX_POSTS))
        if run.include_followers or run.include_engagement:
            insights += client.fetch_daily_insights(
                credentials, platform_page, since=since, until=until
            )
        _beat(run)
    return pages, insights


def platform_page_of(page: SocialPage) -> PlatformPage:
    return PlatformPage(
        platform_page_id=page.platform_page_id,
        name=page.name,
        category=page.category,
        url=page.url,
        followers_count=page.followers_count,
        access_token=page.access_token,
    )


def history_window(run: SyncRun) -> tuple[date, date]:
    """The days whose figures this run asks for: SYNC_HISTORY_DAYS for a full or first
    sync, else from the day before the last successful run (late figures settle)."""
    today = timezone.now().date()
    earliest = today - timedelta(days=settings.SYNC_HISTORY_DAYS - 1)
    if run.since is None:
        return earliest, today
    return max(earliest, run.since.date() - timedelta(days=1)), today


def _batches(
    items: Iterator[PlatformPost], size: int, *, end_early: Callable[[], bool]
) -> Iterator[list[PlatformPost]]:
    """Lists of at most `size` items; a list also ends at an item that finds `end_early()`
    true, so that a platform answering slowly still lets the run's heartbeat beat."""
    batch: list[PlatformPost] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size or end_early():
            yield batch
            batch = []
    if batch:
        yield batch


def _store_posts(run: SyncRun, page: SocialPage, posts: Iterator[PlatformPost]) -> None:
    heartbeat_due = partial(_heartbeat_is_due, run)
    for batch in _batches(posts, settings.SYNC_BATCH_SIZE, end_early=heartbeat_due):
        # A post may come twice (offset paging shifts when one is published meanwhile); one
        # upsert may not touch a row twice, so the last copy of each stands.
        latest = list({post.platform_post_id: post for post in batch}.values())
        _upsert_posts(run.social_account_id, page.pk, latest)
        # Counted as they are written, so that a caller polling the run sees it grow.
        _beat(
            run,
            posts_synced=models.F("posts_synced") + len(latest),
            engagement_synced=models.F("engagement_synced") + sum(p.engagement for p in latest),
        )


# One statement a batch: its posts as one JSON array of rows (in the order of the columns),
# each value cast by PostgreSQL, inserted or, for a post stored before, updated with all the
# platform says of it now (its id and creation stay). Model instances and the driver's quoting
# of each value cost a sync more than the database's own work did (bench/README.md).
_UPSERT_POSTS = """
    INSERT INTO analytics_post (
        id, social_account_id, page_id, platform_post_id, published_at, text, url,
        likes, comments, shares, views, reach, clicks, engagement, created_at, updated_at)
    SELECT incoming->>0, incoming->>1, incoming->>2, incoming->>3,
        (incoming->>4)::timestamptz, incoming->>5, incoming->>6,
        (incoming->>7)::bigint, (incoming->>8)::bigint, (incoming->>9)::bigint,
        (incoming->>10)::bigint, (incoming->>11)::bigint, (incoming->>12)::bigint,
        (incoming->>13)::bigint, (incoming->>14)::timestamptz, (incoming->>14)::timestamptz
    FROM jsonb_array_elements(%s::jsonb) AS incoming
    ON CONFLICT (social_account_id, platform_post_id) DO UPDATE SET
        page_id = EXCLUDED.page_id, published_at = EXCLUDED.published_at,
        text = EXCLUDED.text, url = EXCLUDED.url, likes = EXCLUDED.likes,
        comments = EXCLUDED.comments, shares = EXCLUDED.shares, views = EXCLUDED.views,
        reach = EXCLUDED.reach, clicks = EXCLUDED.clicks, engagement = EXCLUDED.engagement,
        updated_at = EXCLUDED.updated_at
"""


def _upsert_posts(account_id: str, page_id: str, posts: list[PlatformPost]) -> None:
    now = timezone.now()
    url_length = Post._meta.get_field("url").max_length
    rows = [
        (
            Post._meta.pk.get_default(),
            account_id,
            page_id,
            post.platform_post_id,
            post.published_at,
            post.text,
            post.url[:url_length],
            *(getattr(post, metric) for metric in POST_METRICS),
            now,
        )
        for post in posts
    ]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_POSTS, [orjson.dumps(rows).decode()])


def _fail(run: SyncRun, error: PlatformError | None) -> SyncRun:
    outcome = {
        "status": SyncStatus.FAILED,
        "finished_at": timezone.now(),
        "error": UNEXPECTED_FAILURE if error is None else str(error.message),
        "error_status": 500 if error is None else error.status_code,
    }
    if not _still_claimed(run).update(**outcome):
        raise ClaimLost
    for field, value in outcome.items():
        setattr(run, field, value)
    _tell_finished(run)
    return run


@transaction.atomic
def _succeed(
    run: SyncRun, account: SocialAccount, pages: list[SocialPage], insights: list[DailyInsight]
) -> SyncRun:
    """The account's summary, its daily history and the run's outcome, in one transaction."""
    followers = sum(page.followers_count or 0 for page in pages)
    now = timezone.now()
    # First, so that the run's row stays locked to this transaction: a run no longer this
    # worker's writes nothing.
    finished = _still_claimed(run).update(
        status=SyncStatus.SUCCEEDED,
        finished_at=now,
        followers_synced=followers if run.include_followers else 0,
    )
    if not finished:
        raise ClaimLost
    if run.include_followers or run.include_engagement:
        _store_daily_history(run, account, followers, insights)
    _store_last_post_dates(account)
    summary = Post.objects.filter(social_account=account).aggregate(
        total=models.Count("id"),
        engagement=models.Sum("engagement"),
        last=models.Max("published_at"),
    )
    changes = {
        "stats_total_posts": summary["total"],
        "stats_total_engagement": summary["engagement"] or 0,
        "stats_last_post_date": summary["last"],
        "last_sync_at": now,
        "stats_version": stats_cache.NEXT_VERSION,
    }
    if run.include_followers:
        changes["stats_total_followers"] = followers
    SocialAccount.objects.filter(pk=account.pk).update(**changes, updated_at=now)
    run.refresh_from_db()
    _tell_finished(run)
    return run


def _tell_finished(run: SyncRun) -> None:
    on_commit_robust(sync_finished.send, sender=SyncRun, run=run)


def _store_last_post_dates(account: SocialAccount) -> None:
    latest = (
        Post.objects.filter(page=models.OuterRef("pk"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    SocialPage.objects.filter(social_account=account).update(last_post_date=models.Subquery(latest))


def _store_daily_history(
    run: SyncRun, account: SocialAccount, followers_now: int, insights: list[DailyInsight]
) -> None:
    """One row a day of the run's window: the platform's daily figures where it reports
    them, else what the posts published that day add up to; followers from the platform's
    daily totals, and today's from the pages' counts."""
    since, until = history_window(run)
    from_posts = _daily_post_figures(account, since, until)
    from_platform = _summed_by_day(insights)
    rows = []
    for day in each_day(since, until):
        posted = from_posts.get(day, {})
        reported = from_platform.get(day, DailyInsight(day=day))
        followers = reported.followers
        if day == until and run.include_followers:
            followers = followers_now
        rows.append(
            DailyMetric(
                social_account=account,
                day=day,
                followers=followers if run.include_followers else None,
                engagement=_first_known(reported.engagement, posted.get("engagement")),
                reach=_first_known(reported.reach, posted.get("reach")),
                clicks=_first_known(reported.clicks, posted.get("clicks")),
                posts=posted.get("posts", 0),
            )
        )
    _upsert_daily(rows)


def _upsert_daily(rows: list[DailyMetric]) -> None:
    """A day without a follower figure keeps the one it had: only rows that know their
    followers write them."""
    figures = ["engagement", "reach", "clicks", "posts", "updated_at"]
    with_followers = [row for row in rows if row.followers is not None]
    without_followers = [row for row in rows if row.followers is None]
    for batch, fields in ((with_followers, [*figures, "followers"]), (without_followers, figures)):
        DailyMetric.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["social_account", "day"],
            update_fields=fields,
        )


def _daily_post_figures(account: SocialAccount, since: date, until: date) -> dict[date, dict]:
    """Posts published each day, and what they add up to now: one grouped query."""
    rows = (
        Post.objects.filter(
            social_account=account,
            published_at__date__gte=since,
            published_at__date__lte=until,
        )
        .annotate(day=TruncDate("published_at"))
        .values("day")
        .annotate(
            posts=models.Count("id"),
            engagement=models.Sum("engagement"),
            reach=models.Sum("reach"),
            clicks=models.Sum("clicks"),
        )
        .order_by()
    )
    return {row["day"]: row for row in rows}


def _summed_by_day(insights: list[DailyInsight]) -> dict[date, DailyInsight]:
    """One figure a day over every page: pages of one account add up."""
    summed: dict[date, DailyInsight] = {}
    for insight in insights:
        known = summed.get(insight.day, DailyInsight(day=insight.day))
        summed[insight.day] = DailyInsight(
            day=insight.day,
            followers=_add(known.followers, insight.followers),
            engagement=_add(known.engagement, insight.engagement),
            reach=_add(known.reach, insight.reach),
            clicks=_add(known.clicks, insight.clicks),
        )
    return summed


def _add(first: int | None, second: int | None) -> int | None:
    if first is None:
        return second
    return first if second is None else first + second


def _first_known(*values: int | None) -> int:
    return next((value for value in values if value is not None), 0)


def history_delete_expired(*, today: date) -> int:
    """Delete daily history older than METRICS_RETENTION_DAYS; returns the rows deleted."""
    oldest_kept = today - timedelta(days=settings.METRICS_RETENTION_DAYS)
    deleted, _ = DailyMetric.objects.filter(day__lt=oldest_kept).delete()
    return deleted
