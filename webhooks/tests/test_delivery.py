"""Delivery to the product: endpoints an organization registers, each event POSTed to them
signed, retried with backoff for a day, then dead-lettered; every attempt recorded."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import responses
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from accounts.platforms.tests.support import load_fixture
from accounts.services import SYSTEM, social_account_mark_reauth_required
from accounts.tests.clients import change_url, client_for
from analytics.tasks import sync_on_schedule
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationEndpoint,
    WebhookReceipt,
)
from webhooks.services import (
    Notice,
    deliveries_create,
    delivery_send,
    notification_endpoint_create,
    webhook_data_delete_expired,
)
from webhooks.tasks import process_receipt, send_delivery, send_due_deliveries
from webhooks.tests.test_processing import (
    TIKTOK_DEAUTHORIZATION,
    TIKTOK_USER_INFO,
    TIKTOK_VIDEO_LIST,
    receipt_of,
)

ENDPOINT_URL = "https://product.example.com/hooks/vchata"
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verification():
    """The README's example of checking a delivery, run as a receiver would run it."""
    text = README.read_text()
    block = re.search(r"<!-- delivery-verification -->\n```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    exec(block.group(1), namespace)  # noqa: S102 - our own README's example
    return namespace["is_from_vchata"]


def endpoint_of(organization, event_types=("deauthorization",), url=ENDPOINT_URL):
    return notification_endpoint_create(
        organization=organization, actor=SYSTEM, url=url, event_types=list(event_types)
    )


@pytest.fixture
def product():
    """The product's endpoint, answering as each test registers."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def deliver_deauthorization(account):
    receipt = receipt_of(account, TIKTOK_DEAUTHORIZATION)
    process_receipt.apply(args=[receipt.pk])
    return Delivery.objects.get(event_type="deauthorization")


# --- Endpoints through the API --------------------------------------------------------------


@pytest.mark.django_db
def test_an_endpoint_is_created_with_its_secret_answered_once(api):
    response = api.post(
        "/social/notification-endpoints",
        {"url": ENDPOINT_URL, "eventTypes": ["comment", "sync.failed", "comment"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    endpoint = response.json()["endpoint"]
    assert endpoint["url"] == ENDPOINT_URL
    assert endpoint["eventTypes"] == ["comment", "sync.failed"]
    assert endpoint["secret"].startswith("whsec_")
    assert response.json()["message"] == "Notification endpoint created successfully"
    listed = api.get("/social/notification-endpoints").json()["endpoints"]
    assert [item["id"] for item in listed] == [endpoint["id"]]
    assert listed[0]["secret"] is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_notificationendpoint")
        assert endpoint["secret"] not in str(cursor.fetchone()[0])
    assert NotificationEndpoint.objects.get().secret == endpoint["secret"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://product.example.com/hooks", "url must be an https URL"),
        ("https://localhost/hooks", "url must be a public address"),
        ("https://127.0.0.1/hooks", "url must be a public address"),
        ("https://10.1.2.3/hooks", "url must be a public address"),
        ("https://[::1]/hooks", "url must be a public address"),
        ("https://169.254.169.254/latest", "url must be a public address"),
        ("not a url", "url enter a valid URL"),
    ],
)
def test_endpoints_must_be_public_https_in_production(api, settings, url, message):
    settings.NOTIFICATION_ENDPOINTS_REQUIRE_HTTPS = True

    response = api.post(
        "/social/notification-endpoints", {"url": url, "eventTypes": ["comment"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["message"] == [message]
    assert not NotificationEndpoint.objects.exists()


@pytest.mark.django_db
def test_unknown_event_types_are_refused(api):
    response = api.post(
        "/social/notification-endpoints",
        {"url": ENDPOINT_URL, "eventTypes": ["comment", "everything"]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["message"][0].startswith("eventTypes.1 must be one of message, ")


@pytest.mark.django_db
def test_an_organization_has_at_most_its_share_of_endpoints(api, settings):
    settings.NOTIFICATION_ENDPOINTS_PER_ORGANIZATION = 2
    body = {"url": ENDPOINT_URL, "eventTypes": ["comment"]}
    statuses = [
        api.post("/social/notification-endpoints", body, format="json").status_code
        for _ in range(3)
    ]

    assert statuses == [201, 201, 409]
    assert NotificationEndpoint.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER])
def test_only_admins_and_owners_see_or_change_endpoints(membership_with_role, organization, role):
    endpoint = endpoint_of(organization).endpoint
    reader = client_for(membership_with_role(role))

    assert reader.get("/social/notification-endpoints").status_code == 403
    created = reader.post(
        "/social/notification-endpoints",
        {"url": ENDPOINT_URL, "eventTypes": ["comment"]},
        format="json",
    )
    assert created.status_code == 403
    assert reader.delete(f"/social/notification-endpoints/{endpoint.pk}").status_code == 403
    assert NotificationEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_another_organizations_endpoint_is_neither_listed_nor_removed(api, other_organization):
    theirs = endpoint_of(other_organization).endpoint

    assert api.get("/social/notification-endpoints").json()["endpoints"] == []
    response = api.delete(f"/social/notification-endpoints/{theirs.pk}")

    assert response.status_code == 404
    assert NotificationEndpoint.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_removing_an_endpoint_drops_its_waiting_deliveries(api, organization, account_factory):
    endpoint = endpoint_of(organization).endpoint
    deliver_deauthorization(account_factory(platform="TIKTOK"))

    response = api.delete(f"/social/notification-endpoints/{endpoint.pk}")

    assert response.json() == {
        "success": True,
        "message": "Notification endpoint removed successfully",
    }
    assert not Delivery.objects.exists()


# --- What is delivered, and how --------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_is_posted_signed_to_each_endpoint_that_asked_for_it(
    organization, other_organization, account_factory, product, django_capture_on_commit_callbacks
):
    created = endpoint_of(organization)
    endpoint_of(organization, event_types=["comment"], url="https://elsewhere.example.com/h")
    endpoint_of(other_organization)
    product.post(ENDPOINT_URL, status=204)
    account = account_factory(platform="TIKTOK")

    with django_capture_on_commit_callbacks(execute=True):
        process_receipt.apply(args=[receipt_of(account, TIKTOK_DEAUTHORIZATION).pk])

    assert len(product.calls) == 1
    request = product.calls[0].request
    body = json.loads(request.body)
    assert body["type"] == "deauthorization"
    assert body["organizationId"] == organization.pk
    assert body["data"]["socialAccountId"] == account.pk
    assert body["data"]["kind"] == "deauthorization"
    assert request.headers["X-VChata-Event-Id"] == body["id"]
    assert request.headers["X-VChata-Event-Type"] == "deauthorization"
    is_from_vchata = readme_verification()
    signature = request.headers["X-VChata-Signature"]
    assert is_from_vchata(created.secret, signature, request.body)
    assert not is_from_vchata(created.secret, signature, request.body + b" ")
    assert not is_from_vchata("whsec_another", signature, request.body)
    delivery = Delivery.objects.get(event_type="deauthorization")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 204
    assert attempt.latency_ms >= 0


@pytest.mark.django_db
def test_the_readme_check_refuses_an_old_signature(organization, account_factory, product):
    created = endpoint_of(organization)
    product.post(ENDPOINT_URL, status=200)
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))
    delivery_send(delivery_id=delivery.pk)
    request = product.calls[0].request

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        replayed = readme_verification()(
            created.secret, request.headers["X-VChata-Signature"], request.body
        )

    assert replayed is False


@pytest.mark.django_db
def test_an_event_processed_again_is_delivered_once(organization, account_factory):
    endpoint_of(organization)
    account = account_factory(platform="TIKTOK")
    notice = Notice(event_id="event_once", event_type="deauthorization", data={})

    first = deliveries_create(organization_id=organization.pk, notices=[notice])
    again = deliveries_create(organization_id=organization.pk, notices=[notice])

    assert (first, again) == (1, 0)
    receipt = receipt_of(account, TIKTOK_DEAUTHORIZATION, key="k2")
    process_receipt.apply(args=[receipt.pk])
    WebhookReceipt.objects.filter(pk=receipt.pk).update(status="RECEIVED")
    process_receipt.apply(args=[receipt.pk])
    assert Delivery.objects.filter(event_type="deauthorization").count() == 2


@pytest.mark.django_db
def test_an_endpoint_that_fails_then_recovers_gets_the_event(
    organization, account_factory, product
):
    endpoint_of(organization)
    product.post(ENDPOINT_URL, status=500)
    product.post(ENDPOINT_URL, status=200)
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))

    assert send_delivery.apply(args=[delivery.pk]).get() == DeliveryStatus.RETRYING
    waiting = Delivery.objects.get(pk=delivery.pk)
    assert waiting.last_error == "HTTP 500"
    assert (
        timedelta(seconds=15) <= waiting.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    )
    assert send_due_deliveries.apply().get() == 0  # not yet due

    with time_machine.travel(waiting.next_attempt_at + timedelta(seconds=1), tick=False):
        assert send_due_deliveries.apply().get() == 1

    delivered = Delivery.objects.get(pk=delivery.pk)
    assert (delivered.status, delivered.attempts, delivered.last_error) == ("DELIVERED", 2, "")
    assert [attempt.status_code for attempt in delivered.attempt_log.order_by("id")] == [500, 200]


@pytest.mark.django_db
def test_an_endpoint_that_never_recovers_is_dead_lettered_after_a_day(
    organization, account_factory, product, settings
):
    endpoint_of(organization)
    product.post(ENDPOINT_URL, body=requests.ConnectionError("refused"))
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))
    started = timezone.now()
    delays = []

    moment = started
    while Delivery.objects.get(pk=delivery.pk).status != DeliveryStatus.DEAD:
        with time_machine.travel(moment, tick=False):
            send_delivery.apply(args=[delivery.pk])
        waiting = Delivery.objects.get(pk=delivery.pk)
        if waiting.next_attempt_at:
            delays.append((waiting.next_attempt_at - moment).total_seconds())
            moment = waiting.next_attempt_at
        assert len(delays) < 100

    dead = Delivery.objects.get(pk=delivery.pk)
    assert dead.last_error == "ConnectionError"
    assert moment - started >= timedelta(seconds=settings.DELIVERY_RETRY_WINDOW_SECONDS)
    assert moment - started < timedelta(seconds=settings.DELIVERY_RETRY_WINDOW_SECONDS + 3600)
    assert delays[0] <= 30 and 1800 <= delays[-1] <= 3600  # doubling, up to an hour
    assert dead.attempt_log.count() == dead.attempts == len(delays) + 1


@pytest.mark.django_db
def test_a_delivery_being_sent_or_sent_is_not_sent_again(organization, account_factory, product):
    endpoint_of(organization)
    product.post(ENDPOINT_URL, status=200)
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )

    assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.SENDING
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
    assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.DELIVERED
    assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.DELIVERED

    assert len(product.calls) == 1


@pytest.mark.django_db
def test_a_delivery_lost_with_its_worker_is_sent_again(organization, account_factory, product):
    endpoint_of(organization)
    product.post(ENDPOINT_URL, status=200)
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))
    taken = timezone.now() - timedelta(minutes=6)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=taken)
    just_taken = deliver_deauthorization_to_another_endpoint(organization, delivery)

    assert send_due_deliveries.apply().get() == 1

    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED
    assert Delivery.objects.get(pk=just_taken.pk).status == DeliveryStatus.SENDING


def deliver_deauthorization_to_another_endpoint(organization, delivery):
    other = endpoint_of(organization, url="https://second.example.com/hooks").endpoint
    return Delivery.objects.create(
        endpoint=other,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=delivery.body,
        status=DeliveryStatus.SENDING,
        claimed_at=timezone.now(),
    )


@pytest.mark.django_db
def test_redirects_are_not_followed(organization, account_factory, product):
    endpoint_of(organization)
    product.post(ENDPOINT_URL, status=302, headers={"Location": "https://169.254.169.254/"})
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))

    sent = delivery_send(delivery_id=delivery.pk)

    assert (sent.status, sent.last_error) == (DeliveryStatus.RETRYING, "HTTP 302")
    assert len(product.calls) == 1


# --- Our own events ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_account_needing_reconnection_is_announced(
    organization, account_factory, product, django_capture_on_commit_callbacks
):
    endpoint_of(organization, event_types=["account.reauth_required"])
    product.post(ENDPOINT_URL, status=200)
    account = account_factory(platform="LINKEDIN")

    with django_capture_on_commit_callbacks(execute=True):
        social_account_mark_reauth_required(
            account_id=account.pk, actor=SYSTEM, reason="The token was revoked"
        )

    body = json.loads(product.calls[0].request.body)
    assert body["type"] == "account.reauth_required"
    assert body["data"] == {
        "socialAccountId": account.pk,
        "platform": "LINKEDIN",
        "reason": "The token was revoked",
    }


@pytest.mark.django_db
def test_nothing_is_announced_before_the_change_is_committed(organization, account_factory):
    endpoint_of(organization, event_types=["account.reauth_required"])
    account = account_factory(platform="LINKEDIN")

    # The test's transaction is never committed: an announcement made before the commit
    # would be here.
    social_account_mark_reauth_required(account_id=account.pk, actor=SYSTEM, reason="revoked")

    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_finished_syncs_are_announced(
    organization, account_factory, platforms, django_capture_on_commit_callbacks
):
    endpoint_of(organization, event_types=["sync.completed", "sync.failed"])
    account = account_factory(platform="TIKTOK")
    platforms.get(TIKTOK_USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(TIKTOK_VIDEO_LIST, json=load_fixture("tiktok", "video_list_last"))
    platforms.get(TIKTOK_USER_INFO, status=401, json=load_fixture("tiktok", "scope_not_authorized"))
    platforms.post(ENDPOINT_URL, status=200)
    platforms.post(ENDPOINT_URL, status=200)

    with django_capture_on_commit_callbacks(execute=True):
        sync_on_schedule.apply(args=[account.pk])
        sync_on_schedule.apply(args=[account.pk])

    completed, failed = (
        json.loads(Delivery.objects.get(event_type=kind, status="DELIVERED").body)
        for kind in ("sync.completed", "sync.failed")
    )
    assert completed["data"]["socialAccountId"] == account.pk
    assert (completed["data"]["status"], completed["data"]["postsSynced"]) == ("SUCCEEDED", 1)
    assert failed["data"]["status"] == "FAILED"
    assert failed["data"]["error"]["statusCode"] == 403
    assert "user.info.basic" in failed["data"]["error"]["message"]


# --- Retention, metrics, admin -----------------------------------------------------------------


@pytest.mark.django_db
def test_old_attempts_and_deliveries_made_are_deleted(organization, account_factory, product):
    endpoint_of(organization)
    product.post(ENDPOINT_URL, status=200)
    account = account_factory(platform="TIKTOK")
    long_ago = timezone.now() - timedelta(days=31)
    with time_machine.travel(long_ago, tick=False):
        made = deliver_deauthorization(account)
        delivery_send(delivery_id=made.pk)
    dead = Delivery.objects.create(
        endpoint=made.endpoint, event_id="event_dead", event_type="comment", body="{}"
    )
    Delivery.objects.filter(pk=dead.pk).update(status=DeliveryStatus.DEAD, created_at=long_ago)

    deleted = webhook_data_delete_expired(now=timezone.now())

    assert (deleted.deliveries, deleted.attempts) == (1, 1)
    assert list(Delivery.objects.values_list("pk", flat=True)) == [dead.pk]


@pytest.mark.django_db
def test_failed_delivery_attempts_count_as_webhook_failures(
    api, organization, other_organization, account_factory, product
):
    endpoint_of(organization)
    endpoint_of(other_organization)
    product.post(ENDPOINT_URL, status=500)
    product.post(ENDPOINT_URL, status=200)
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))
    delivery_send(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    delivery_send(delivery_id=delivery.pk)
    theirs = Delivery.objects.create(
        endpoint=NotificationEndpoint.objects.get(organization=other_organization),
        event_id="event_theirs",
        event_type="comment",
        body="{}",
    )
    DeliveryAttempt.objects.create(delivery=theirs, status_code=500, latency_ms=3)

    errors = api.get("/social/metrics").json()["metrics"]["errors"]

    assert errors["webhookFailures"] == 1


@pytest.mark.django_db
def test_staff_see_attempts_and_send_a_dead_letter_again(
    staff_client, organization, account_factory, product
):
    created = endpoint_of(organization)
    product.post(ENDPOINT_URL, status=503)
    delivery = deliver_deauthorization(account_factory(platform="TIKTOK"))
    delivery_send(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)

    page = staff_client.get(change_url(delivery)).content.decode()
    assert "503" in page and "HTTP 503" in page
    endpoint_page = staff_client.get(change_url(created.endpoint)).content.decode()
    assert created.secret not in endpoint_page
    response = staff_client.post(
        "/admin/webhooks/delivery/",
        {"action": "retry_deliveries", "_selected_action": [delivery.pk]},
        follow=True,
    )

    assert "Sent 1 delivery(ies) again." in response.content.decode()
    retried = Delivery.objects.get(pk=delivery.pk)
    assert retried.status == DeliveryStatus.RETRYING
    assert retried.next_attempt_at <= timezone.now()
