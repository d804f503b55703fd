"""Reads of normalized events, newest first, a page at a time with an opaque cursor."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Organization
from accounts.selectors import AttentionReason, social_account_get
from analytics.selectors import DateRange
from vchata_social.errors import ApplicationError
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationEndpoint,
    ReceiptStatus,
    SocialEvent,
    WebhookReceipt,
    WebhookRejection,
)


class InvalidCursor(ApplicationError):
    default_message = "cursor is not one this service gave"


@dataclass(frozen=True)
class EventPage:
    events: list[SocialEvent]
    # Where the next (older) page starts; None on the last page.
    next_cursor: str | None


def social_event_page(
    *,
    organization: Organization,
    account_id: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int,
) -> EventPage:
    """The organization's events (or one account's), newest first. The cursor is a position
    (time, id), not an offset, so events arriving meanwhile neither repeat nor skip any."""
    events = _events_of(organization, account_id)
    if kind:
        events = events.filter(kind=kind)
    if since:
        events = events.filter(created_at__gte=since)
    if cursor:
        created_at, event_id = _position(cursor)
        events = events.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=event_id)
        )
    page = list(events.order_by("-created_at", "-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return EventPage(events=page, next_cursor=_cursor_after(page[-1]) if more else None)


def _events_of(organization: Organization, account_id: str | None) -> QuerySet[SocialEvent]:
    if account_id is None:
        return SocialEvent.objects.filter(organization=organization)
    account = social_account_get(organization=organization, account_id=account_id)
    return SocialEvent.objects.filter(social_account=account)


def _cursor_after(event: SocialEvent) -> str:
    position = json.dumps([event.created_at.isoformat(), event.pk]).encode()
    return base64.urlsafe_b64encode(position).decode()


def _position(cursor: str) -> tuple[datetime, str]:
    try:
        created_at, event_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(created_at), str(event_id)
    except (ValueError, TypeError):
        raise InvalidCursor() from None


def notification_endpoint_list(*, organization: Organization) -> list[NotificationEndpoint]:
    return list(NotificationEndpoint.objects.filter(organization=organization))


def webhook_failures(organization: Organization, period: DateRange) -> int:
    """Deliveries refused (signature, handshake), receipts whose processing failed or was
    dead-lettered, and attempts to deliver to the organization's endpoints that failed, in
    the period."""
    refused = WebhookRejection.objects.filter(
        social_account__organization=organization,
        received_at__date__gte=period.start,
        received_at__date__lte=period.end,
    ).count()
    failed = WebhookReceipt.objects.filter(
        social_account__organization=organization,
        status__in=[ReceiptStatus.FAILED, ReceiptStatus.DEAD],
        received_at__date__gte=period.start,
        received_at__date__lte=period.end,
    ).count()
    undelivered = (
        DeliveryAttempt.objects.filter(
            delivery__endpoint__organization=organization,
            attempted_at__date__gte=period.start,
            attempted_at__date__lte=period.end,
        )
        .exclude(status_code__range=(200, 299))
        .count()
    )
    return refused + failed + undelivered


# --- Staff dashboard --------------------------------------------------------------------------

WEBHOOK_DEAD_LETTERS = AttentionReason(
    "webhook_dead_letters",
    "Webhook receipts dead-lettered",
    lambda now: Q(
        Exists(
            WebhookReceipt.objects.filter(social_account=OuterRef("pk"), status=ReceiptStatus.DEAD)
        )
    ),
)
# Sent again by the schedule (RETRYING) or given up on until staff retry them (DEAD).
FAILING_DELIVERY_STATUSES = (DeliveryStatus.RETRYING, DeliveryStatus.DEAD)


def deliveries_failing(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return deliveries.filter(status__in=FAILING_DELIVERY_STATUSES)
