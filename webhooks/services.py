"""Webhooks: the subscription an account's platform calls, the handshakes, and the receipt of
signed deliveries, each stored exactly once."""

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import orjson
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
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
from analytics.models import SyncRun, SyncStatus
from vchata_social.db import rows_reconnecting
from vchata_social.errors import ApplicationError, NotFound
from vchata_social.ids import new_prefixed_id
from vchata_social.outages import BROKER_UNREACHABLE_ERRORS
from vchata_social.transactions import on_commit_robust
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationEndpoint,
    ReceiptStatus,
    SocialEvent,
    SyncRequest,
    WebhookReceipt,
    WebhookRejection,
    WebhookSubscription,
)
from webhooks.platform_subscriptions import (
    PlatformSubscription,
    SubscriptionPlan,
    platform_renew,
    platform_subscribe,
    platform_subscribe_undo,
    platform_unsubscribe,
    prior_of,
    subscription_plan,
    websub_intended,
)
from webhooks.platforms import get_webhook_platform
from webhooks.platforms.base import EventKind, ParsedEvent, WebhookSecrets
from webhooks.receipt_batches import ReceiptBatches, ReceiptRow

RECEIVER_NOT_FOUND = "Webhook endpoint not found"
VERIFY_TOKEN_BYTES = 24

logger = logging.getLogger(__name__)


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
    # What was done at the platform itself, or is left to its developer console.
    platform_subscription: PlatformSubscription


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
    is given, and the webhook URL defaults to `receiver_url(account)`.

    The platform is asked first, outside any transaction (webhooks.platform_subscriptions):
    when it refuses, what it already agreed to is undone, its error is raised, and nothing is
    stored. The row is written once the platform has agreed."""
    account = usable_account(organization=organization, account_id=account_id)
    token = verify_token or secrets.token_urlsafe(VERIFY_TOKEN_BYTES)
    plan = subscription_plan(
        platform=account.platform,
        callback_url=webhook_url or receiver_url(account),
        events=events,
    )
    prior = prior_of(WebhookSubscription.objects.filter(social_account=account).first())
    done = platform_subscribe(account=account, actor=actor, plan=plan, prior=prior)
    try:
        subscription = _subscription_store(account, actor, plan, token, done)
    except Exception:
        platform_subscribe_undo(account=account, actor=actor, done=done, plan=plan, prior=prior)
        raise
    return SubscriptionSetUp(
        subscription=subscription, verify_token=token, platform_subscription=done
    )


@transaction.atomic
def _subscription_store(
    account: SocialAccount,
    actor: Actor,
    plan: SubscriptionPlan,
    verify_token: str,
    done: PlatformSubscription,
) -> WebhookSubscription:
    subscription, created = WebhookSubscription.objects.update_or_create(
        social_account=account,
        defaults={
            "webhook_url": plan.callback_url,
            "events": list(plan.events),
            "verify_token": verify_token,
            "hub_secret": plan.hub_secret,
            "topics": list(done.topics),
            "subscribed_page_ids": list(done.subscribed),
            "lease_expires_at": done.lease_expires_at,
            "is_active": True,
        },
    )
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="webhook.set_up" if created else "webhook.replace",
        target=subscription,
        details={"events": list(plan.events), "platformSubscribed": list(done.subscribed)},
    )
    return subscription


@dataclass(frozen=True)
class SubscriptionRemoval:
    # False when the platform refused to unsubscribe or could not be reached (logged): it
    # may go on calling the receiver, for YouTube until its lease ends.
    platform_unsubscribed: bool


def webhook_subscription_remove(
    *, organization: Organization, account_id: str, actor: Actor
) -> SubscriptionRemoval:
    """Unsubscribe at the platform, outside any transaction, then delete the subscription
    whatever the platform answered: a platform that cannot be reached must not keep it here
    for ever."""
    subscription = _subscription_of(organization, account_id)
    unsubscribed = platform_unsubscribe(subscription=subscription, actor=actor)
    with transaction.atomic():
        # Recorded first: deleting the row clears its id.
        audit_log_record(
            organization_id=subscription.social_account.organization_id,
            actor=actor,
            action="webhook.remove",
            target=subscription,
            details={"platformUnsubscribed": unsubscribed},
        )
        subscription.delete()
    return SubscriptionRemoval(platform_unsubscribed=unsubscribed)


def _leases_due(now: datetime) -> models.QuerySet:
    """WebSub leases ending within WEBSUB_RENEWAL_MARGIN_SECONDS, of connected accounts (a
    disconnected account's receiver answers nothing)."""
    ends_before = now + timedelta(seconds=settings.WEBSUB_RENEWAL_MARGIN_SECONDS)
    return WebhookSubscription.objects.filter(
        lease_expires_at__lte=ends_before,
        is_active=True,
        social_account__disconnected_at__isnull=True,
    )


def webhook_leases_due(*, now: datetime) -> list[str]:
    return list(_leases_due(now).values_list("pk", flat=True))


def webhook_subscription_renew_lease(*, subscription_id: str, now: datetime) -> bool:
    """Subscribe the channels again, which renews the hub's lease. False, with nothing sent,
    when the subscription is gone or its lease no longer due (renewed meanwhile)."""
    subscription = _leases_due(now).select_related("social_account").filter(pk=subscription_id)
    subscription = subscription.first()
    if subscription is None:
        return False
    lease_ends = platform_renew(subscription=subscription, actor=SYSTEM)
    # Compare-and-set: a lease the hub granted while we asked (its verification writes it)
    # is the true one, and stays.
    WebhookSubscription.objects.filter(
        pk=subscription.pk, lease_expires_at=subscription.lease_expires_at
    ).update(lease_expires_at=lease_ends, updated_at=timezone.now())
    return True


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
    answer = get_webhook_platform(platform).answer_handshake(
        query, _handshake_secrets(account, query)
    )
    if answer is None:
        WebhookRejection.objects.create(social_account=account, reason="handshake_refused")
        raise HandshakeRefused()
    _store_granted_lease(account, query)
    return answer


def _handshake_secrets(account: SocialAccount, query: QueryDict) -> WebhookSecrets:
    """The subscription's secrets. A WebSub topic we have just asked the hub for counts as
    ours too: the hub verifies asynchronously, possibly before set-up has stored the topic,
    and an unsubscription after removal has deleted it."""
    known = _secrets_of(account)
    topic = query.get("hub.topic")
    if topic and websub_intended(account.pk, query.get("hub.mode", ""), topic):
        return replace(known, topics=(*known.topics, topic))
    return known


def _store_granted_lease(account: SocialAccount, query: QueryDict) -> None:
    """A hub verifying a subscription says how long it granted (WebSub 5.3, hub.lease_seconds),
    which may be less than we asked: the renewal goes by it."""
    if account.platform != "YOUTUBE" or query.get("hub.mode") != "subscribe":
        return
    # The YouTube handshake confirms a subscription only with a lease of digits.
    granted = timedelta(seconds=int(query["hub.lease_seconds"]))
    WebhookSubscription.objects.filter(social_account=account).update(
        lease_expires_at=timezone.now() + granted
    )


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    # False when the platform delivered an event that was already stored.
    stored_now: bool


def webhook_event_receive(
    *, platform: str, account_id: str, body: bytes, headers: Mapping[str, str]
) -> Receipt:
    """Check the delivery's signature over the raw body, then store it once. The platform
    is answered right after: nothing here calls a platform or processes the event.

    Deliveries come in bursts, so the usual one costs one statement: the account is read
    first only when its subscription's secret signs (YouTube), or to tell why nothing was
    stored (an unknown account, or an event stored before)."""
    checks = get_webhook_platform(platform)
    account = None
    secrets = WebhookSecrets()
    if checks.signed_with_subscription_secret:
        account = _receiving_account(platform, account_id)
        secrets = _secrets_of(account)
    if not checks.signature_valid(body, headers, secrets):
        account = account or _receiving_account(platform, account_id)
        WebhookRejection.objects.create(social_account=account, reason="signature_invalid")
        raise SignatureInvalid()
    key = checks.event_key(body) or "sha256:" + hashlib.sha256(body).hexdigest()
    receipt_id = WebhookReceipt._meta.pk.get_default()
    row = (
        receipt_id,
        account_id,
        platform,
        key,
        body.decode("utf-8", errors="replace"),
        headers.get("Content-Type", "")[:255],
    )
    if _RECEIPT_BATCHES.store(row):
        return Receipt(receipt_id=receipt_id, stored_now=True)
    account = account or _receiving_account(platform, account_id)
    # Delivered again (platforms deliver at least once): the first one stands.
    stored = WebhookReceipt.objects.filter(social_account=account, event_key=key)
    return Receipt(receipt_id=stored.values_list("pk", flat=True).get(), stored_now=False)


# Receipts, each inserted only for a connected account of its platform and only if its event
# is not stored yet; the ids of those stored now come back. Rows come as one JSON array:
# [id, account id, platform, event key, payload, content type].
_STORE_RECEIPTS = """
    INSERT INTO webhooks_webhookreceipt (
        id, social_account_id, platform, event_key, payload, content_type, status, attempts,
        error, received_at)
    SELECT incoming->>0, account.id, account.platform, incoming->>3, incoming->>4,
        incoming->>5, %(status)s, 0, '', %(now)s
    FROM jsonb_array_elements(%(rows)s::jsonb) AS incoming
    JOIN accounts_socialaccount AS account
        ON account.id = incoming->>1 AND account.platform = incoming->>2
        AND account.disconnected_at IS NULL
    ON CONFLICT (social_account_id, event_key) DO NOTHING
    RETURNING id
"""


def _store_receipts(rows: list[ReceiptRow]) -> set[str]:
    """Store deliveries in one statement; the ids of those stored now. Sent twice when the
    connection is lost under it: were it lost after the commit, before the answer came back,
    the second send finds the events stored ("already received"), and the schedule's requeue
    processes the receipts."""
    stored = rows_reconnecting(
        _STORE_RECEIPTS,
        {
            "rows": orjson.dumps(rows).decode(),
            "status": ReceiptStatus.RECEIVED,
            "now": timezone.now(),
        },
    )
    return {receipt_id for (receipt_id,) in stored}


def _process_when_committed(receipt_ids: set[str]) -> None:
    # Robust: the platform gets its 200 even if the queue cannot be reached now; a receipt
    # left RECEIVED is picked up again by the schedule.
    on_commit_robust(_enqueue_processing, sorted(receipt_ids))


# The Redis command that asks for a drain is sent after the batch's deliveries are let go.
_RECEIPT_BATCHES = ReceiptBatches(_store_receipts, _process_when_committed)


# Set while a drain of waiting receipts is queued: the receipts stored meanwhile are its.
DRAIN_PENDING_KEY = "webhooks:receipt-drain-pending"
# A drain lost before it ran holds the next one back this long at most (the schedule's
# requeue of old receipts catches what it held).
DRAIN_PENDING_SECONDS = 60


def _enqueue_processing(receipt_ids: list[str]) -> None:
    """Have the committed receipts processed. One task drains every receipt waiting, so a
    burst of deliveries costs one queued task and each batch of them one Redis command: a
    drain is queued only when none is pending already. With Redis unreachable the receipts
    stay RECEIVED, and the schedule queues them again."""
    try:
        if cache.add(DRAIN_PENDING_KEY, receipt_ids[0], timeout=DRAIN_PENDING_SECONDS):
            _queue_drain()
    except BROKER_UNREACHABLE_ERRORS as error:
        logger.warning(
            "%d receipt(s) not queued, %s first: %s",
            len(receipt_ids),
            receipt_ids[0],
            type(error).__name__,
        )


def _queue_drain() -> None:
    from webhooks.tasks import process_waiting_receipts  # the tasks module imports this one

    try:
        process_waiting_receipts.delay()
    except BROKER_UNREACHABLE_ERRORS:
        # Not pending after all: the next delivery tries to queue one afresh.
        cache.delete(DRAIN_PENDING_KEY)
        raise


def _receiving_account(platform: str, account_id: str) -> SocialAccount:
    """A connected account of that platform; anything else is the same 404."""
    try:
        # Without its tokens: decrypting them is the dearest part of a read, and no check
        # of a delivery needs them.
        return (
            SocialAccount.objects.connected()
            .without_secrets()
            .get(pk=account_id, platform=platform)
        )
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
        events = [_social_event(receipt, event) for event in parsed]
        SocialEvent.objects.bulk_create(events, ignore_conflicts=True)
        _notify_recorded(account, events)
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


def webhook_receipts_process_waiting(*, batch_size: int = 100) -> int:
    """Process every receipt waiting (RECEIVED), oldest first; returns how many. Two drains
    running at once never take the same receipt: each batch is locked, skipping receipts
    another drain holds. A receipt whose processing fails is retried by its own task, with
    backoff, as one that failed there."""
    # First: a receipt stored from now on queues another drain, and one stored before is
    # already committed, so the queries below see it.
    cache.delete(DRAIN_PENDING_KEY)
    processed = 0
    while taken := _process_waiting_batch(batch_size):
        processed += taken
    return processed


@transaction.atomic
def _process_waiting_batch(batch_size: int) -> int:
    from webhooks.tasks import retry_receipt_later  # the tasks module imports this one

    waiting = (
        WebhookReceipt.objects.select_for_update(skip_locked=True)
        .filter(status=ReceiptStatus.RECEIVED)
        .order_by("received_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    receipt_ids = list(waiting)
    for receipt_id in receipt_ids:
        try:
            with transaction.atomic():
                webhook_receipt_process(receipt_id=receipt_id)
        except Exception as error:
            webhook_receipt_record_failure(receipt_id=receipt_id, error=error, final=False)
            logger.warning("Processing receipt %s failed: %s", receipt_id, type(error).__name__)
            on_commit_robust(retry_receipt_later, receipt_id)
    return len(receipt_ids)


def _notify_recorded(account: SocialAccount, events: list[SocialEvent]) -> None:
    """Deliver the events recorded now; one recorded by an earlier delivery of the same
    event kept its own id, so it is not among these."""
    from webhooks.serializers import SocialEventSerializer

    recorded = SocialEvent.objects.filter(pk__in=[event.pk for event in events])
    notices = [
        Notice(event_id=event.pk, event_type=event.kind, data=SocialEventSerializer(event).data)
        for event in recorded
    ]
    deliveries_create(organization_id=account.organization_id, notices=notices)


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
    if retried:
        on_commit_robust(_enqueue_processing, retried)
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
    deliveries: int
    attempts: int


def webhook_data_delete_expired(*, now: datetime) -> Deleted:
    """Raw payloads of processed receipts, records of refused deliveries, delivery attempts
    and deliveries made go after WEBHOOK_PAYLOAD_RETENTION_DAYS; normalized events after
    EVENT_RETENTION_DAYS. Receipts and deliveries that failed stay until staff deal with
    them: they are the only copy of their event."""
    payloads_until = now - timedelta(days=settings.WEBHOOK_PAYLOAD_RETENTION_DAYS)
    events_until = now - timedelta(days=settings.EVENT_RETENTION_DAYS)
    receipts, _ = WebhookReceipt.objects.filter(
        status=ReceiptStatus.PROCESSED, received_at__lt=payloads_until
    ).delete()
    rejections, _ = WebhookRejection.objects.filter(received_at__lt=payloads_until).delete()
    events, _ = SocialEvent.objects.filter(created_at__lt=events_until).delete()
    attempts, _ = DeliveryAttempt.objects.filter(attempted_at__lt=payloads_until).delete()
    deliveries, _ = Delivery.objects.filter(
        status=DeliveryStatus.DELIVERED, created_at__lt=payloads_until
    ).delete()
    return Deleted(
        receipts=receipts,
        rejections=rejections,
        events=events,
        deliveries=deliveries,
        attempts=attempts,
    )


# --- Delivery to the product ----------------------------------------------------------------

# Our own events, delivered as the normalized ones are.
ACCOUNT_REAUTH_REQUIRED = "account.reauth_required"
SYNC_COMPLETED = "sync.completed"
SYNC_FAILED = "sync.failed"
DELIVERABLE_EVENT_TYPES = (
    *(kind.value for kind in EventKind),
    ACCOUNT_REAUTH_REQUIRED,
    SYNC_COMPLETED,
    SYNC_FAILED,
)
ENDPOINT_SECRET_PREFIX = "whsec_"
ENDPOINT_SECRET_BYTES = 32
SIGNATURE_HEADER = "X-VChata-Signature"
DELIVERY_USER_AGENT = "VChata-Social-Delivery/1"


class TooManyEndpoints(ApplicationError):
    status_code = 409
    default_message = "The organization has as many notification endpoints as it may"


@dataclass(frozen=True)
class EndpointCreated:
    endpoint: NotificationEndpoint
    # The plain signing secret, answered once, at creation.
    secret: str


def notification_endpoint_create(
    *,
    organization: Organization,
    actor: Actor,
    url: str,
    event_types: list[str],
    description: str = "",
) -> EndpointCreated:
    """A new endpoint and its signing secret. The cap on endpoints is a bound on the work an
    organization's events make, not a quota: two creations racing may pass it by one."""
    existing = NotificationEndpoint.objects.filter(organization=organization).count()
    if existing >= settings.NOTIFICATION_ENDPOINTS_PER_ORGANIZATION:
        raise TooManyEndpoints()
    secret = ENDPOINT_SECRET_PREFIX + secrets.token_urlsafe(ENDPOINT_SECRET_BYTES)
    with transaction.atomic():
        endpoint = NotificationEndpoint.objects.create(
            organization=organization,
            url=url,
            event_types=event_types,
            description=description,
            secret=secret,
        )
        audit_log_record(
            organization_id=organization.pk,
            actor=actor,
            action="notification_endpoint.create",
            target=endpoint,
            details={"url": url, "eventTypes": event_types},
        )
    return EndpointCreated(endpoint=endpoint, secret=secret)


@transaction.atomic
def notification_endpoint_delete(
    *, organization: Organization, endpoint_id: str, actor: Actor
) -> None:
    """Its deliveries still waiting go with it."""
    endpoint = notification_endpoint_get(organization=organization, endpoint_id=endpoint_id)
    endpoint.delete()
    audit_log_record(
        organization_id=organization.pk,
        actor=actor,
        action="notification_endpoint.delete",
        target=endpoint,
        details={"url": endpoint.url},
    )


def notification_endpoint_get(*, organization: Organization, endpoint_id: str):
    try:
        return NotificationEndpoint.objects.get(organization=organization, pk=endpoint_id)
    except NotificationEndpoint.DoesNotExist:
        raise NotFound("Notification endpoint not found") from None


@dataclass(frozen=True)
class Notice:
    """An event as the product's endpoints receive it."""

    event_id: str
    event_type: str
    data: dict

    def body(self, organization_id: str) -> str:
        return json.dumps(
            {
                "id": self.event_id,
                "type": self.event_type,
                "createdAt": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "organizationId": organization_id,
                "data": self.data,
            },
            separators=(",", ":"),
        )


def deliveries_create(*, organization_id: str, notices: list[Notice]) -> int:
    """One delivery of each notice to each active endpoint of the organization that asked
    for its type, sent once committed. A notice already delivered to an endpoint (the same
    event processed again) is not delivered twice."""
    if not notices:
        return 0
    endpoints = list(
        NotificationEndpoint.objects.filter(organization_id=organization_id, is_active=True)
    )
    planned = [
        Delivery(
            endpoint=endpoint,
            event_id=notice.event_id,
            event_type=notice.event_type,
            body=notice.body(organization_id),
        )
        for notice in notices
        for endpoint in endpoints
        if notice.event_type in endpoint.event_types
    ]
    if not planned:
        return 0
    Delivery.objects.bulk_create(planned, ignore_conflicts=True)
    # Rows that lost to an earlier delivery of the same event were not written: only the
    # ids written now exist.
    created = list(
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in planned]).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in created:
        on_commit_robust(_enqueue_delivery, delivery_id)
    return len(created)


def _enqueue_delivery(delivery_id: str) -> None:
    from webhooks.tasks import send_delivery  # the tasks module imports this one

    send_delivery.delay(delivery_id)


def delivery_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`: the time is signed with
    the body, so a receiver can refuse an old delivery played again."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def delivery_send(*, delivery_id: str) -> Delivery:
    """One attempt: take the delivery (no other worker sends it meanwhile), POST it, and
    record the answer. A failure is retried later, until the retry window has passed."""
    if not _claim(delivery_id):
        return Delivery.objects.get(pk=delivery_id)
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    outcome = _post(delivery)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
    )
    now = timezone.now()
    changes = {"attempts": delivery.attempts + 1, "claimed_at": None, "last_error": outcome.error}
    if outcome.delivered:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif now - delivery.created_at >= timedelta(seconds=settings.DELIVERY_RETRY_WINDOW_SECONDS):
        changes.update(status=DeliveryStatus.DEAD, next_attempt_at=None)
    else:
        retry_in = delivery_backoff(changes["attempts"])
        changes.update(status=DeliveryStatus.RETRYING, next_attempt_at=now + retry_in)
    Delivery.objects.filter(pk=delivery.pk).update(**changes)
    delivery.refresh_from_db()
    return delivery


def _claim(delivery_id: str) -> bool:
    """Compare-and-set: a delivery waiting and due becomes SENDING for one worker only."""
    now = timezone.now()
    due = models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
    return bool(
        Delivery.objects.filter(
            due,
            pk=delivery_id,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
        ).update(status=DeliveryStatus.SENDING, claimed_at=now)
    )


def delivery_backoff(attempts: int) -> timedelta:
    """Doubling from DELIVERY_BACKOFF_BASE_SECONDS up to DELIVERY_BACKOFF_MAX_SECONDS, each
    drawn in its upper half so that endpoints back up do not get every retry at once."""
    ceiling = min(
        settings.DELIVERY_BACKOFF_MAX_SECONDS,
        settings.DELIVERY_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter


@dataclass(frozen=True)
class PostOutcome:
    delivered: bool
    status_code: int | None
    latency_ms: int
    error: str


def _post(delivery: Delivery) -> PostOutcome:
    body = delivery.body.encode()
    endpoint = delivery.endpoint
    headers = {
        "Content-Type": "application/json",
        "User-Agent": DELIVERY_USER_AGENT,
        "X-VChata-Event-Id": delivery.event_id,
        "X-VChata-Event-Type": delivery.event_type,
        "X-VChata-Delivery-Id": delivery.pk,
        SIGNATURE_HEADER: delivery_signature(endpoint.secret, int(time.time()), body),
    }
    started = time.monotonic()
    try:
        # Redirects are not followed: the endpoint is the address the organization gave.
        response = requests.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.DELIVERY_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        latency = _milliseconds_since(started)
        return PostOutcome(False, None, latency, type(error).__name__)
    latency = _milliseconds_since(started)
    delivered = 200 <= response.status_code < 300
    error = "" if delivered else f"HTTP {response.status_code}"
    return PostOutcome(delivered, response.status_code, latency, error)


def _milliseconds_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def deliveries_due(*, now: datetime) -> list[str]:
    """Deliveries to send now: retries whose time has come, and deliveries whose sending was
    lost (never queued, or taken by a worker that is gone) are made due again first."""
    lost = now - timedelta(seconds=settings.DELIVERY_LOST_AFTER_SECONDS)
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=lost).update(
        status=DeliveryStatus.RETRYING, claimed_at=None, next_attempt_at=now
    )
    Delivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=lost).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now
    )
    return list(
        Delivery.objects.filter(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )


def deliveries_retry(*, delivery_ids: list[str]) -> int:
    """Staff send dead-lettered deliveries again: one attempt each, now."""
    retried = list(
        Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.DEAD).values_list(
            "pk", flat=True
        )
    )
    Delivery.objects.filter(pk__in=retried).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=timezone.now()
    )
    for delivery_id in retried:
        on_commit_robust(_enqueue_delivery, delivery_id)
    return len(retried)


def notify_account_reauth_required(*, account: SocialAccount, reason: str, **_) -> None:
    notice = Notice(
        event_id=new_prefixed_id("event"),
        event_type=ACCOUNT_REAUTH_REQUIRED,
        data={"socialAccountId": account.pk, "platform": account.platform, "reason": reason},
    )
    with transaction.atomic():
        deliveries_create(organization_id=account.organization_id, notices=[notice])


def notify_sync_finished(*, run: SyncRun, **_) -> None:
    succeeded = run.status == SyncStatus.SUCCEEDED
    data = {
        "syncId": run.pk,
        "socialAccountId": run.social_account_id,
        "syncType": run.sync_type,
        "status": run.status,
        "postsSynced": run.posts_synced,
        "followersSynced": run.followers_synced,
        "startedAt": _iso(run.started_at),
        "finishedAt": _iso(run.finished_at),
    }
    if not succeeded:
        data["error"] = {"statusCode": run.error_status, "message": run.error}
    notice = Notice(
        event_id=new_prefixed_id("event"),
        event_type=SYNC_COMPLETED if succeeded else SYNC_FAILED,
        data=data,
    )
    with transaction.atomic():
        deliveries_create(organization_id=run.social_account.organization_id, notices=[notice])


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
