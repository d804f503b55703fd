"""Staff retry dead letters from the admin and read what was sent again and what was not."""

import pytest
from django.urls import reverse

from webhooks.models import (
    Delivery,
    DeliveryStatus,
    NotificationEndpoint,
    ReceiptStatus,
    WebhookReceipt,
)


def notices(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def receipt(account, status: str) -> WebhookReceipt:
    return WebhookReceipt.objects.create(
        social_account=account,
        platform=account.platform,
        event_key=f"event-{status}",
        payload="{}",
        status=status,
    )


def delivery(organization, status: str) -> Delivery:
    endpoint, _ = NotificationEndpoint.objects.get_or_create(
        organization=organization,
        url="https://product.example.com/hooks",
        defaults={"event_types": ["sync.failed"], "secret": "whsec_never_shown"},
    )
    return Delivery.objects.create(
        endpoint=endpoint,
        event_id=f"event_{status}",
        event_type="sync.failed",
        body="{}",
        status=status,
    )


@pytest.mark.django_db
def test_a_receipt_retry_says_what_it_left_alone_and_why(staff_client, account_factory):
    account = account_factory(platform="TIKTOK")
    dead, processed = (
        receipt(account, ReceiptStatus.DEAD),
        receipt(account, ReceiptStatus.PROCESSED),
    )

    response = staff_client.post(
        reverse("admin:webhooks_webhookreceipt_changelist"),
        {"action": "retry_receipts", "_selected_action": [dead.pk, processed.pk]},
        follow=True,
    )

    assert notices(response) == [
        "Sent 1 receipt(s) to processing again.",
        "Left alone: 1 (only failed or dead-lettered receipts are processed again).",
    ]
    assert WebhookReceipt.objects.get(pk=processed.pk).status == ReceiptStatus.PROCESSED


@pytest.mark.django_db
def test_a_delivery_retry_of_nothing_dead_sends_nothing_and_says_why(staff_client, organization):
    delivered = delivery(organization, DeliveryStatus.DELIVERED)

    response = staff_client.post(
        reverse("admin:webhooks_delivery_changelist"),
        {"action": "retry_deliveries", "_selected_action": [delivered.pk]},
        follow=True,
    )

    [notice] = notices(response)
    assert notice.startswith("Left alone: 1 (only dead-lettered deliveries")
    assert "whsec_never_shown" not in response.content.decode()
    assert Delivery.objects.get(pk=delivered.pk).status == DeliveryStatus.DELIVERED
