"""Webhooks: the subscription an account's platform calls, the handshakes, and the receipt of
signed deliveries, each stored exactly once."""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpResponse, QueryDict
from django.utils import timezone

from accounts.models import Organization, SocialAccount
from accounts.services import (
    SYSTEM,
    Actor,
    audit_log_record,
    social_account_mark_reauth_required,
    usable_account,
)
from vchata_social.errors import ApplicationError, NotFound
from webhooks.models import (
    ReceiptStatus,
    SocialEvent,
    SyncRequest,
    WebhookReceipt,
    WebhookRejection,
    WebhookSubscription,
)
from webhooks.platforms import get_webhook_platform
from webhooks.platforms.base import EventKind, ParsedEvent, WebhookSecrets

RECEIVER_NOT_FOUND = "Webhook endpoint not found"
VERIFY_TOKEN_BYTES = 24


class SignatureInvalid(ApplicationError):
    status_code = 401
    default_message = "Webhook signature missing or invalid"


class HandshakeRefused(ApplicationError):
    status_code = 403
    default_message = "Webhook verification failed"


@dataclass(frozen=True)
class SubscriptionSetUp:
    subscription: WebhookSubscription
    # The plain verify token, answered once, at set-up.
    verify_token: str


@transaction.atomic
def webhook_subscription_set_up(
    *,
    organization: Organization,
    account_id: str,
    actor: Actor,
    webhook_url: str | None,
    receiver_url: Callable[[SocialAccount], str],
    events: list[str],
    verify_token: str | None = None,
) -> SubscriptionSetUp:
    """Create or replace the account's subscription; a verify token is generated when none
    is given, and the webhook URL defaults to `receiver_url(account)`."""
    account = usable_account(organization=organization, account_id=account_id)
    token = verify_token or secrets.token_urlsafe(VERIFY_TOKEN_BYTES)
    webhook_url = webhook_url or receiver_url(account)
    subscription, created = WebhookSubscription.objects.update_or_create(
        social_account=account,
        defaults={
            "webhook_url": webhook_url,
            "events": events,
            "verify_token": token,
            "is_active": True,
        },
    )
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="webhook.set_up" if created else "webhook.replace",
        target=subscription,
        details={"events": events},
    )
    return SubscriptionSetUp(subscription=subscription, verify_token=token)


@transaction.atomic
def webhook_subscription_remove(*, organization: Organization, account_id: str, actor: Actor):
    subscription = _subscription_of(organization, account_id)
    subscription.delete()
    audit_log_record(
        organization_id=subscription.social_account.organization_id,
        actor=actor,
        action="webhook.remove",
        target=subscription,
    )


def webhook_subscription_verify(
    *, organization: Organization, account_id: str, mode: str, verify_token: str, challenge: str
) -> str:
    """The challenge to echo when the verify token is the subscription's (the spec's verify
    call, which answers as the Meta handshake does)."""
    subscription = _subscription_of(organization, account_id)
    secrets_ = WebhookSecrets(verify_token=subscription.verify_token)
    query = QueryDict(mutable=True)
    query.update({"hub.mode": mode, "hub.verify_token": verify_token, "hub.challenge": challenge})
    if get_webhook_platform("FACEBOOK").answer_handshake(query, secrets_) is None:
        raise HandshakeRefused()
    return challenge


def _subscription_of(organization: Organization, account_id: str) -> WebhookSubscription:
    try:
        return WebhookSubscription.objects.select_related("social_account").get(
            social_account__in=SocialAccount.objects.for_organization(organization),
            social_account_id=account_id,
        )
    except WebhookSubscription.DoesNotExist:
        raise NotFound("Webhook not found") from None


# --- The public receiver ------------------------------------------------------------------


def webhook_handshake(*, platform: str, account_id: str, query: QueryDict) -> HttpResponse:
    """The platform's GET challenge, answered for one of our accounts on that platform."""
    account = _receiving_account(platform, account_id)
    answer = get_webhook_platform(platform).answer_handshake(query, _secrets_of(account))
    if answer is None:
        WebhookRejection.objects.create(social_account=account, reason="handshake_refused")
        raise HandshakeRefused()
    return answer


@dataclass(frozen=True)
class Receipt:
    receipt: WebhookReceipt
    # False when the platform delivered an event that was already stored.
    stored_now: bool


def webhook_event_receive(
    *, platform: str, account_id: str, body: bytes, headers: Mapping[str, str]
) -> Receipt:
    """Check the delivery's signature over the raw body, then store it once. The platform
    is answered right after: nothing here calls a platform or processes the event."""
    account = _receiving_account(platform, account_id)
    checks = get_webhook_platform(platform)
    if not checks.signature_valid(body, headers, _secrets_of(account)):
        WebhookRejection.objects.create(social_account=account, reason="signature_invalid")
        raise SignatureInvalid()
    key = checks.event_key(body) or "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            receipt = WebhookReceipt.objects.create(
                social_account=account,
                platform=platform,
                event_key=key,
                payload=body.decode("utf-8", errors="replace"),
                content_type=headers.get("Content-Type", "")[:255],
            )
            # Robust: the platform gets its 200 even if the queue cannot be reached now; a
            # receipt left RECEIVED is picked up again by the schedule.
            transaction.on_commit(partial(_enqueue_processing, receipt.pk), robust=True)
    except IntegrityError:
        # Delivered again (platforms deliver at least once): the first one stands.
        stored = WebhookReceipt.objects.get(social_account=account, event_key=key)
        return Receipt(receipt=stored, stored_now=False)
    return Receipt(receipt=receipt, stored_now=True)


def _enqueue_processing(receipt_id: str) -> None:
    from webhooks.tasks import process_receipt  # the tasks module imports this one

    process_receipt.delay(receipt_id)


def _receiving_account(platform: str, account_id: str) -> SocialAccount:
    """A connected account of that platform; anything else is the same 404."""
    try:
        return SocialAccount.objects.connected().get(pk=account_id, platform=platform)
    except SocialAccount.DoesNotExist:
        raise NotFound(RECEIVER_NOT_FOUND) from None


def _secrets_of(account: SocialAccount) -> WebhookSecrets:
    subscription = WebhookSubscription.objects.filter(social_account=account, is_active=True)
    found = subscription.first()
    if found is None:
        return WebhookSecrets()
    return WebhookSecrets(
        verify_token=found.verify_token,
        subscription_secret=found.hub_secret,
        topics=tuple(found.topics),
    )


# --- Processing -----------------------------------------------------------------------------

# Kinds after which the account's posts or their metrics have changed: worth a sync.
SYNC_WORTHY_KINDS = frozenset({EventKind.POST, EventKind.COMMENT, EventKind.REACTION})
DEAUTHORIZED_REASON = "The platform reports that the user removed the app's access"


def webhook_receipt_process(*, receipt_id: str) -> WebhookReceipt:
    """Turn a receipt into normalized events, once; then act on them: an account whose
    access was removed needs reconnecting, and new posts or comments ask for a sync."""
    receipt = WebhookReceipt.objects.select_related("social_account").get(pk=receipt_id)
    if receipt.status == ReceiptStatus.PROCESSED:
        return receipt
    parsed = get_webhook_platform(receipt.platform).parse(receipt.payload.encode())
    account = receipt.social_account
    with transaction.atomic():
        SocialEvent.objects.bulk_create(
            [_social_event(receipt, event) for event in parsed], ignore_conflicts=True
        )
        kinds = {event.kind for event in parsed}
        if kinds & SYNC_WORTHY_KINDS:
            SyncRequest.objects.update_or_create(social_account=account)
        WebhookReceipt.objects.filter(pk=receipt.pk).update(
            status=ReceiptStatus.PROCESSED, processed_at=timezone.now(), error=""
        )
    if EventKind.DEAUTHORIZATION in kinds:
        social_account_mark_reauth_required(
            account_id=account.pk, actor=SYSTEM, reason=DEAUTHORIZED_REASON
        )
    receipt.refresh_from_db()
    return receipt


def _social_event(receipt: WebhookReceipt, event: ParsedEvent) -> SocialEvent:
    return SocialEvent(
        organization_id=receipt.social_account.organization_id,
        social_account_id=receipt.social_account_id,
        receipt=receipt,
        platform=receipt.platform,
        kind=event.kind.value,
        platform_event_id=event.platform_event_id[:255],
        occurred_at=event.occurred_at,
        author_id=event.author_id[:255],
        author_name=event.author_name[:255],
        text=event.text,
        object_ids=event.object_ids,
    )


def webhook_receipt_record_failure(*, receipt_id: str, error: Exception, final: bool) -> None:
    """Count a failed processing; the last one dead-letters the receipt, which keeps its
    payload and error until staff retry it."""
    WebhookReceipt.objects.filter(pk=receipt_id).update(
        status=ReceiptStatus.DEAD if final else ReceiptStatus.FAILED,
        attempts=models.F("attempts") + 1,
        error=_safe_error(error),
    )


def _safe_error(error: Exception) -> str:
    """What staff see: the class, and a message of our own errors (no payload is quoted)."""
    if isinstance(error, ApplicationError | ValueError):
        return f"{type(error).__name__}: {error}"[:1000]
    return type(error).__name__


def webhook_receipts_retry(*, receipt_ids: list[str]) -> int:
    """Staff send failed or dead-lettered receipts through processing again."""
    retried = list(
        WebhookReceipt.objects.filter(
            pk__in=receipt_ids, status__in=[ReceiptStatus.FAILED, ReceiptStatus.DEAD]
        ).values_list("pk", flat=True)
    )
    WebhookReceipt.objects.filter(pk__in=retried).update(
        status=ReceiptStatus.RECEIVED, attempts=0, error=""
    )
    for receipt_id in retried:
        transaction.on_commit(partial(_enqueue_processing, receipt_id), robust=True)
    return len(retried)


def sync_requests_take() -> list[str]:
    """The accounts whose events asked for a sync; their requests are taken (deleted) in
    the same statement, so two schedulers never both start one."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {SyncRequest._meta.db_table} RETURNING social_account_id"  # noqa: S608
        )
        return [row[0] for row in cursor.fetchall()]


# --- Retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deleted:
    receipts: int
    rejections: int
    events: int


def webhook_data_delete_expired(*, now: datetime) -> Deleted:
    """Raw payloads of processed receipts and records of refused deliveries go after
    WEBHOOK_PAYLOAD_RETENTION_DAYS; normalized events after EVENT_RETENTION_DAYS. Receipts
    that failed stay until staff deal with them: they are the only copy of their event."""
    payloads_until = now - timedelta(days=settings.WEBHOOK_PAYLOAD_RETENTION_DAYS)
    events_until = now - timedelta(days=settings.EVENT_RETENTION_DAYS)
    receipts, _ = WebhookReceipt.objects.filter(
        status=ReceiptStatus.PROCESSED, received_at__lt=payloads_until
    ).delete()
    rejections, _ = WebhookRejection.objects.filter(received_at__lt=payloads_until).delete()
    events, _ = SocialEvent.objects.filter(created_at__lt=events_until).delete()
    return Deleted(receipts=receipts, rejections=rejections, events=events)
