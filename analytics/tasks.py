"""Sync tasks. They take ids, call one service, and leave the outcome on the SyncRun."""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.services import SYSTEM
from analytics import selectors
from analytics.models import SyncStatus, SyncType
from analytics.services import (
    SyncOptions,
    history_delete_expired,
    sync_run_execute,
    sync_run_start,
)
from vchata_social.errors import ApplicationError

logger = logging.getLogger(__name__)

SCHEDULED_SYNC_RETRIES = 3
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 1800
# The HTTP statuses of a failure worth another scheduled try: the platform was down or busy
# (502), or Redis, which counts the platform calls, could not be reached (503).
TRANSIENT_FAILURE_STATUSES = frozenset({502, 503})


@shared_task(acks_late=True)
def run_sync(run_id: str) -> str:
    """Carry out a run started through the API or the admin."""
    return sync_run_execute(run_id=run_id).status


@shared_task(bind=True, acks_late=True, max_retries=SCHEDULED_SYNC_RETRIES)
def sync_on_schedule(self, account_id: str) -> str:
    """One scheduled incremental sync. A transient failure is tried again later, as a new
    run: the failed one stays, counted among the sync failures."""
    try:
        start = sync_run_start(
            organization=None,
            account_id=account_id,
            actor=SYSTEM,
            options=SyncOptions(sync_type=SyncType.INCREMENTAL),
            enqueue=False,
        )
    except ApplicationError:  # waiting for its user to reconnect, or disconnected since
        return "skipped"
    # A run already under way stays with its worker; one whose worker was lost (this task
    # delivered again, the run's heartbeat stale) is taken over here.
    run = sync_run_execute(run_id=start.run.pk)
    if start.already_running and run.status == SyncStatus.RUNNING:
        return "already_running"
    if run.status == SyncStatus.FAILED and run.error_status in TRANSIENT_FAILURE_STATUSES:
        raise self.retry(countdown=_backoff(self.request.retries))
    return run.status


def _backoff(retries: int) -> float:
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


@shared_task(acks_late=True)
def enqueue_scheduled_syncs() -> int:
    """Beat entry: one incremental sync of every active account, spread over the interval."""
    plan = spread_over(
        settings.SYNC_INTERVAL_SECONDS, selectors.social_accounts_to_sync_by_platform()
    )
    for account_id, countdown in plan:
        sync_on_schedule.apply_async(args=[account_id], countdown=countdown)
    logger.info("Scheduled %d syncs over %d s", len(plan), settings.SYNC_INTERVAL_SECONDS)
    return len(plan)


def spread_over(interval: float, by_platform: dict[str, list[str]]) -> list[tuple[str, float]]:
    """(account id, seconds from now) for each account: evenly spaced over the interval
    within each platform, so that no platform app sees its accounts all at once."""
    plan = []
    for account_ids in by_platform.values():
        spacing = interval / len(account_ids)
        plan += [(account_id, n * spacing) for n, account_id in enumerate(account_ids)]
    return plan


@shared_task(acks_late=True)
def delete_expired_history() -> int:
    """Beat entry: daily history older than METRICS_RETENTION_DAYS is deleted."""
    return history_delete_expired(today=timezone.now().date())
