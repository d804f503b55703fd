"""Webhook tasks: each receipt is processed by a task of its own (late acknowledgement, so a
lost worker's receipt is processed again), retried with backoff, then dead-lettered."""

import dataclasses
import logging
import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.platforms.errors import PlatformError, PlatformRateLimited, PlatformUnavailable
from analytics.tasks import sync_on_schedule
from webhooks import services
from webhooks.models import ReceiptStatus, WebhookReceipt

logger = logging.getLogger(__name__)

PROCESSING_RETRIES = 5
LEASE_RENEWAL_RETRIES = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


@shared_task(bind=True, acks_late=True, max_retries=PROCESSING_RETRIES)
def process_receipt(self, receipt_id: str) -> str:
    try:
        return services.webhook_receipt_process(receipt_id=receipt_id).status
    except Exception as error:
        final = self.request.retries >= PROCESSING_RETRIES
        services.webhook_receipt_record_failure(receipt_id=receipt_id, error=error, final=final)
        logger.warning("Processing receipt %s failed: %s", receipt_id, type(error).__name__)
        if final:
            return ReceiptStatus.DEAD
        raise self.retry(countdown=_backoff(self.request.retries)) from None


@shared_task(acks_late=True)
def process_waiting_receipts() -> int:
    """Process every receipt waiting; queued by the receiver when no drain is pending."""
    return services.webhook_receipts_process_waiting()


def retry_receipt_later(receipt_id: str) -> None:
    """A receipt whose processing failed in a drain goes on as its own task's first retry."""
    process_receipt.apply_async(args=[receipt_id], countdown=_backoff(0), retries=1)


def _backoff(retries: int) -> float:
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


@shared_task(acks_late=True)
def start_requested_syncs() -> int:
    """Beat entry: one incremental sync of each account whose events asked for one."""
    account_ids = services.sync_requests_take()
    for account_id in account_ids:
        sync_on_schedule.delay(account_id)
    return len(account_ids)


@shared_task(acks_late=True)
def requeue_unprocessed_receipts() -> int:
    """Beat entry: receipts still RECEIVED a while after they came (their task was never
    queued, the broker being down) go to processing again."""
    stale = timezone.now() - timedelta(seconds=settings.WEBHOOK_REQUEUE_AFTER_SECONDS)
    receipt_ids = list(
        WebhookReceipt.objects.filter(
            status=ReceiptStatus.RECEIVED, received_at__lt=stale
        ).values_list("pk", flat=True)
    )
    for receipt_id in receipt_ids:
        process_receipt.delay(receipt_id)
    return len(receipt_ids)


@shared_task(acks_late=True)
def renew_websub_leases() -> int:
    """Beat entry: one renewal task per YouTube WebSub lease ending within the margin."""
    subscription_ids = services.webhook_leases_due(now=timezone.now())
    for subscription_id in subscription_ids:
        renew_websub_lease.delay(subscription_id)
    return len(subscription_ids)


@shared_task(bind=True, acks_late=True, max_retries=LEASE_RENEWAL_RETRIES)
def renew_websub_lease(self, subscription_id: str) -> str:
    try:
        renewed = services.webhook_subscription_renew_lease(
            subscription_id=subscription_id, now=timezone.now()
        )
    except PlatformRateLimited as error:
        raise self.retry(countdown=error.retry_after or _backoff(self.request.retries)) from None
    except PlatformUnavailable:
        logger.warning("Renewing the WebSub lease of %s failed for now; retrying", subscription_id)
        raise self.retry(countdown=_backoff(self.request.retries)) from None
    except PlatformError as error:
        # The hub refused: the next run, within the hour, asks again while the lease lasts.
        logger.warning(
            "Renewing the WebSub lease of %s was refused: %s", subscription_id, type(error).__name__
        )
        return "refused"
    return "renewed" if renewed else "not_due"


@shared_task(acks_late=True)
def delete_expired_webhook_data() -> dict[str, int]:
    """Beat entry: the daily clean-up of webhook payloads, refusals and old events."""
    deleted = services.webhook_data_delete_expired(now=timezone.now())
    return dataclasses.asdict(deleted)


@shared_task(acks_late=True)
def send_delivery(delivery_id: str) -> str:
    """One attempt; a failure is not retried by Celery but rescheduled in the database, so a
    retry a day away survives restarts and needs no long-lived broker message."""
    return services.delivery_send(delivery_id=delivery_id).status


@shared_task(acks_late=True)
def send_due_deliveries() -> int:
    """Beat entry: the deliveries whose retry time has come, and those whose sending was lost."""
    delivery_ids = services.deliveries_due(now=timezone.now())
    for delivery_id in delivery_ids:
        send_delivery.delay(delivery_id)
    return len(delivery_ids)
