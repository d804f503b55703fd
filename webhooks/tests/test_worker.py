"""A real Celery worker, fed through Redis, turns a platform's delivery into an event and
delivers it to the product's endpoint, which checks the signature as the README shows."""

import json
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.services import SYSTEM
from accounts.tests.standin import serving
from accounts.tests.worker import start_worker, stop_worker, wait_for
from webhooks.models import Delivery, DeliveryStatus, SocialEvent
from webhooks.services import notification_endpoint_create
from webhooks.tasks import send_due_deliveries
from webhooks.tests.test_delivery import readme_verification
from webhooks.tests.test_receiver import PAGE_EVENT, signed


@contextmanager
def product_endpoint(secret_of):
    """The product's side: answers 500 to the first delivery and 200 after, and keeps what
    each request's signature check said."""
    received: list[dict] = []
    is_from_vchata = readme_verification()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            signature = self.headers.get("X-VChata-Signature", "")
            received.append(
                {"verified": is_from_vchata(secret_of(), signature, body), "body": body}
            )
            self.send_response(500 if len(received) == 1 else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep test output quiet
            pass

    with serving(Handler) as base_url:
        yield f"{base_url}/hooks", received


@pytest.mark.django_db(transaction=True)
def test_a_worker_processes_a_delivery_and_delivers_the_event_signed(
    account_factory, organization, platform_settings, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    account = account_factory(platform="FACEBOOK")
    secret = {}

    with product_endpoint(lambda: secret["value"]) as (url, received):
        created = notification_endpoint_create(
            organization=organization, actor=SYSTEM, url=url, event_types=["comment"]
        )
        secret["value"] = created.secret
        worker = start_worker(django_settings.CELERY_BROKER_URL)
        try:
            assert signed(account).status_code == 200
            failed_once = wait_for(
                lambda: Delivery.objects.filter(status=DeliveryStatus.RETRYING).exists(),
                seconds=60,
            )
            # The retry's time is brought forward rather than waited for; beat's task sends it.
            Delivery.objects.update(next_attempt_at=timezone.now())
            send_due_deliveries.delay()
            delivered = wait_for(
                lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(),
                seconds=60,
            )
        finally:
            output = stop_worker(worker)

    assert failed_once and delivered, output
    event = SocialEvent.objects.get()
    assert [request["verified"] for request in received] == [True, True]
    body = json.loads(received[-1]["body"])
    assert (body["id"], body["type"]) == (event.pk, "comment")
    assert body["data"]["text"] == PAGE_EVENT["entry"][0]["changes"][0]["value"]["message"]
    delivery = Delivery.objects.get()
    assert [attempt.status_code for attempt in delivery.attempt_log.order_by("id")] == [500, 200]
