"""Processing: receipts become normalized events once; the account's state follows them; a
receipt that keeps failing is dead-lettered with its error, never lost; old data goes."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.core.cache import cache
from django.db import connection, transaction

from accounts.models import AccountStatus, AuditLog, SocialAccount
from accounts.platforms.tests.support import load_fixture
from webhooks import services
from webhooks.models import (
    ReceiptStatus,
    SocialEvent,
    SyncRequest,
    WebhookReceipt,
    WebhookRejection,
)
from webhooks.services import (
    sync_requests_take,
    webhook_data_delete_expired,
    webhook_receipts_process_waiting,
)
from webhooks.tasks import (
    PROCESSING_RETRIES,
    process_receipt,
    requeue_unprocessed_receipts,
    start_requested_syncs,
)

TIKTOK_USER_INFO = "https://open.tiktokapis.com/v2/user/info/"
TIKTOK_VIDEO_LIST = "https://open.tiktokapis.com/v2/video/list/"


def receipt_of(account, payload: str, key: str = "k1") -> WebhookReceipt:
    return WebhookReceipt.objects.create(
        social_account=account, platform=account.platform, event_key=key, payload=payload
    )


TIKTOK_DEAUTHORIZATION = json.dumps(
    {
        "client_key": "tiktok-client-id",
        "event": "authorization.removed",
        "create_time": 1763550000,
        "user_openid": "723f24d7-e717-40f8-a2b6-cb8464cd23b4",
        "content": json.dumps({"reason": 1}),
    }
)


@pytest.mark.django_db
def test_a_deauthorization_sends_the_account_to_reauth(account_factory):
    account = account_factory(platform="TIKTOK")
    receipt = receipt_of(account, TIKTOK_DEAUTHORIZATION)

    assert process_receipt.apply(args=[receipt.pk]).get() == ReceiptStatus.PROCESSED

    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.REAUTH_REQUIRED
    event = SocialEvent.objects.get()
    assert (event.kind, event.organization_id, event.receipt_id) == (
        "deauthorization",
        account.organization_id,
        receipt.pk,
    )
    assert AuditLog.objects.filter(action="social_account.reauth_required").count() == 1


@pytest.mark.django_db
def test_processing_a_receipt_again_records_nothing_twice(account_factory):
    account = account_factory(platform="TIKTOK")
    receipt = receipt_of(account, TIKTOK_DEAUTHORIZATION)
    process_receipt.apply(args=[receipt.pk])
    WebhookReceipt.objects.filter(pk=receipt.pk).update(status=ReceiptStatus.RECEIVED)

    process_receipt.apply(args=[receipt.pk])

    assert SocialEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_burst_of_new_posts_asks_for_one_sync(account_factory):
    account = account_factory(platform="TIKTOK")
    for n in range(5):
        published = json.loads(TIKTOK_DEAUTHORIZATION) | {
            "event": "post.publish.complete",
            "create_time": 1763550000 + n,
            "content": json.dumps({"publish_id": f"v_pub_url~v2.{n}"}),
        }
        receipt = receipt_of(account, json.dumps(published), key=f"k{n}")
        process_receipt.apply(args=[receipt.pk])

    assert SyncRequest.objects.filter(social_account=account).count() == 1
    assert sync_requests_take() == [account.pk]
    assert sync_requests_take() == []


@pytest.mark.django_db
def test_the_schedule_syncs_each_account_that_asked(account_factory, platforms):
    account = account_factory(platform="TIKTOK")
    SyncRequest.objects.create(social_account=account)
    platforms.get(TIKTOK_USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(TIKTOK_VIDEO_LIST, json=load_fixture("tiktok", "video_list_last"))

    assert start_requested_syncs.apply().get() == 1

    assert account.sync_runs.get().status == "SUCCEEDED"
    assert not SyncRequest.objects.exists()


@pytest.mark.django_db
def test_a_receipt_that_keeps_failing_is_dead_lettered_with_its_error(account_factory):
    account = account_factory(platform="TIKTOK")
    receipt = receipt_of(account, "this is not what TikTok sends")

    with pytest.raises(Retry):
        process_receipt.apply(args=[receipt.pk], throw=True)
    failed = WebhookReceipt.objects.get(pk=receipt.pk)
    assert (failed.status, failed.attempts) == (ReceiptStatus.FAILED, 1)

    last = process_receipt.apply(args=[receipt.pk], retries=PROCESSING_RETRIES).get()

    dead = WebhookReceipt.objects.get(pk=receipt.pk)
    assert last == ReceiptStatus.DEAD
    assert (dead.status, dead.attempts) == (ReceiptStatus.DEAD, 2)
    assert dead.error.startswith("ValueError")
    assert dead.payload == "this is not what TikTok sends"


@pytest.mark.django_db
def test_staff_retry_a_dead_letter_from_the_admin(staff_client, account_factory):
    account = account_factory(platform="TIKTOK")
    receipt = receipt_of(account, TIKTOK_DEAUTHORIZATION)
    WebhookReceipt.objects.filter(pk=receipt.pk).update(
        status=ReceiptStatus.DEAD, attempts=6, error="ValueError: earlier"
    )

    response = staff_client.post(
        "/admin/webhooks/webhookreceipt/",
        {"action": "retry_receipts", "_selected_action": [receipt.pk]},
        follow=True,
    )

    assert "Sent 1 receipt(s) to processing again." in response.content.decode()

    retried = WebhookReceipt.objects.get(pk=receipt.pk)
    assert (retried.status, retried.attempts, retried.error) == (ReceiptStatus.RECEIVED, 0, "")


@pytest.mark.django_db
def test_old_payloads_refusals_and_events_are_deleted(account_factory, settings):
    settings.WEBHOOK_PAYLOAD_RETENTION_DAYS = 30
    settings.EVENT_RETENTION_DAYS = 365
    account = account_factory(platform="TIKTOK")
    now = datetime.now(tz=UTC)
    long_ago = now - timedelta(days=400)
    with time_machine.travel(long_ago, tick=False):
        old = receipt_of(account, "{}", key="old")
        WebhookReceipt.objects.filter(pk=old.pk).update(status=ReceiptStatus.PROCESSED)
        dead = receipt_of(account, "{}", key="dead")
        WebhookReceipt.objects.filter(pk=dead.pk).update(status=ReceiptStatus.DEAD)
        WebhookRejection.objects.create(social_account=account, reason="signature_invalid")
        process_receipt.apply(args=[receipt_of(account, TIKTOK_DEAUTHORIZATION, key="event").pk])
    with time_machine.travel(now - timedelta(days=100), tick=False):
        kept = receipt_of(account, TIKTOK_DEAUTHORIZATION.replace("1763550000", "1"), key="e2")
        process_receipt.apply(args=[kept.pk])
    recent = receipt_of(account, "{}", key="recent")
    WebhookReceipt.objects.filter(pk=recent.pk).update(status=ReceiptStatus.PROCESSED)

    deleted = webhook_data_delete_expired(now=now)

    assert (deleted.receipts, deleted.rejections, deleted.events) == (3, 1, 1)
    assert set(WebhookReceipt.objects.values_list("event_key", flat=True)) == {"dead", "recent"}
    assert SocialEvent.objects.get().receipt_id is None  # its receipt's payload is gone


@pytest.mark.django_db
def test_receipts_never_queued_are_sent_to_processing_by_the_schedule(account_factory, settings):
    settings.WEBHOOK_REQUEUE_AFTER_SECONDS = 600
    account = account_factory(platform="TIKTOK")
    with time_machine.travel(datetime.now(tz=UTC) - timedelta(minutes=11), tick=False):
        stranded = receipt_of(account, TIKTOK_DEAUTHORIZATION, key="stranded")
    just_in = receipt_of(account, TIKTOK_DEAUTHORIZATION, key="just-in")

    assert requeue_unprocessed_receipts.apply().get() == 1

    assert WebhookReceipt.objects.get(pk=stranded.pk).status == ReceiptStatus.PROCESSED
    assert WebhookReceipt.objects.get(pk=just_in.pk).status == ReceiptStatus.RECEIVED


# --- Draining the waiting receipts ------------------------------------------------------------


@pytest.mark.django_db
def test_a_drain_processes_every_waiting_receipt_once(account_factory):
    account = account_factory(platform="TIKTOK")
    payloads = [{**json.loads(TIKTOK_DEAUTHORIZATION), "create_time": n} for n in range(3)]
    receipts = [receipt_of(account, json.dumps(p), key=f"k{n}") for n, p in enumerate(payloads)]

    assert webhook_receipts_process_waiting(batch_size=2) == 3
    assert webhook_receipts_process_waiting() == 0

    assert set(WebhookReceipt.objects.values_list("status", flat=True)) == {"PROCESSED"}
    assert sorted(SocialEvent.objects.values_list("receipt_id", flat=True)) == sorted(
        receipt.pk for receipt in receipts
    )


@pytest.mark.django_db
def test_a_drain_lets_the_next_delivery_queue_another_before_it_reads(account_factory, monkeypatch):
    account = account_factory(platform="TIKTOK")
    receipt_of(account, TIKTOK_DEAUTHORIZATION)
    cache.set(services.DRAIN_PENDING_KEY, "pending")
    pending_while_reading = []
    process = services.webhook_receipt_process

    def noting(**kwargs):
        pending_while_reading.append(cache.get(services.DRAIN_PENDING_KEY))
        return process(**kwargs)

    monkeypatch.setattr(services, "webhook_receipt_process", noting)

    webhook_receipts_process_waiting()

    assert pending_while_reading == [None]


@pytest.mark.django_db
def test_a_receipt_failing_in_a_drain_goes_on_to_its_own_retries(
    account_factory, monkeypatch, django_capture_on_commit_callbacks
):
    account = account_factory(platform="TIKTOK")
    receipt = receipt_of(account, "not json")
    retried: list[tuple] = []
    monkeypatch.setattr(
        process_receipt, "apply_async", lambda **options: retried.append(options["args"])
    )

    with django_capture_on_commit_callbacks(execute=True):
        webhook_receipts_process_waiting()

    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (ReceiptStatus.FAILED, 1)
    assert retried == [[receipt.pk]]


@pytest.mark.django_db(transaction=True)
def test_two_drains_never_take_the_same_receipt(account_factory):
    account = account_factory(platform="TIKTOK")
    held = receipt_of(account, TIKTOK_DEAUTHORIZATION, key="held")
    free = receipt_of(account, TIKTOK_DEAUTHORIZATION, key="free")
    locked, release = threading.Event(), threading.Event()

    def other_drain_holding_one():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(5)
        finally:
            connection.close()

    other = threading.Thread(target=other_drain_holding_one)
    other.start()
    assert locked.wait(5)
    try:
        processed = webhook_receipts_process_waiting()
        statuses = dict(WebhookReceipt.objects.values_list("pk", "status"))
    finally:
        release.set()
        other.join()

    assert processed == 1
    assert statuses == {held.pk: ReceiptStatus.RECEIVED, free.pk: ReceiptStatus.PROCESSED}
