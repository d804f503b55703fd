"""Webhook failures feed the organization metrics."""

import pytest

from webhooks.models import ReceiptStatus, WebhookReceipt, WebhookRejection


@pytest.mark.django_db
def test_refused_deliveries_and_failed_processing_count_as_webhook_failures(
    api, account_factory, other_organization
):
    account = account_factory(platform="FACEBOOK")
    stranger = account_factory(platform="FACEBOOK", organization=other_organization)
    WebhookRejection.objects.create(social_account=account, reason="signature_invalid")
    WebhookRejection.objects.create(social_account=stranger, reason="signature_invalid")
    for key, status in [("a", ReceiptStatus.DEAD), ("b", ReceiptStatus.FAILED)]:
        WebhookReceipt.objects.create(
            social_account=account, platform="FACEBOOK", event_key=key, payload="{}", status=status
        )
    WebhookReceipt.objects.create(
        social_account=account,
        platform="FACEBOOK",
        event_key="c",
        payload="{}",
        status=ReceiptStatus.PROCESSED,
    )

    errors = api.get("/social/metrics").json()["metrics"]["errors"]

    assert errors["webhookFailures"] == 3
