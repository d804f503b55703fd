"""Deliveries reaching a web process together are stored in one statement, each answered only
once its receipt is committed; a batch the database refuses is stored one delivery at a time."""

import threading

import pytest
from django.db import DataError, close_old_connections

from webhooks import services
from webhooks.models import WebhookReceipt
from webhooks.receipt_batches import ReceiptBatches


class GatedWrites:
    """Writes through `write`; the first one waits at a gate until the test opens it, so that
    the deliveries arriving meanwhile queue up behind it."""

    def __init__(self, write):
        self.write = write
        self.batches: list[list[str]] = []
        self.first_started = threading.Event()
        self.gate = threading.Event()

    def __call__(self, rows):
        self.batches.append([row[0] for row in rows])
        if len(self.batches) == 1:
            self.first_started.set()
            assert self.gate.wait(10)
        return self.write(rows)


def row(account, n: int, payload: str = "{}") -> tuple:
    return (f"rcpt_batchtest{n:04d}", account.pk, "FACEBOOK", f"event-{n}", payload, "")


@pytest.fixture
def writes(monkeypatch) -> GatedWrites:
    """The receipts' own writes, gated; their processing is another test's matter."""
    monkeypatch.setattr(services, "_enqueue_processing", lambda ids: None)
    return GatedWrites(services._store_receipts)


def store_in_threads(writes: GatedWrites, rows: list[tuple]) -> dict:
    """The first row is stored first; the others arrive while its write waits at the gate."""
    batches = ReceiptBatches(writes, services._process_when_committed)
    outcomes: dict[str, object] = {}

    def store(one):
        try:
            outcomes[one[0]] = batches.store(one)
        except Exception as error:
            outcomes[one[0]] = error
        finally:
            close_old_connections()

    first = threading.Thread(target=store, args=(rows[0],))
    first.start()
    assert writes.first_started.wait(10)
    others = [threading.Thread(target=store, args=(one,)) for one in rows[1:]]
    for thread in others:
        thread.start()
    # Every other delivery is waiting for the write under way before the gate opens.
    for _ in range(200):
        if len(batches._waiting) == len(others):
            break
        threading.Event().wait(0.01)
    writes.gate.set()
    for thread in [first, *others]:
        thread.join(10)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_deliveries_arriving_during_a_write_are_stored_together_by_the_next(
    account_factory, writes
):
    account = account_factory(platform="FACEBOOK")
    rows = [row(account, n) for n in range(5)]

    outcomes = store_in_threads(writes, rows)

    assert outcomes == {one[0]: True for one in rows}
    assert writes.batches[0] == [rows[0][0]]
    assert sorted(writes.batches[1]) == [one[0] for one in rows[1:]]
    assert len(writes.batches) == 2
    assert WebhookReceipt.objects.filter(social_account=account).count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_batch_the_database_refuses_is_stored_one_delivery_at_a_time(account_factory, writes):
    account = account_factory(platform="FACEBOOK")
    # PostgreSQL refuses a NUL in text: the batch holding it fails as a whole.
    refused = row(account, 3, payload="\x00")
    rows = [row(account, 0), row(account, 1), row(account, 2), refused]

    outcomes = store_in_threads(writes, rows)

    assert [outcomes[one[0]] for one in rows[:3]] == [True, True, True]
    assert isinstance(outcomes[refused[0]], DataError)
    stored = WebhookReceipt.objects.filter(social_account=account)
    assert sorted(stored.values_list("pk", flat=True)) == [one[0] for one in rows[:3]]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_not_answered_before_its_batch_is_written(account_factory, writes):
    account = account_factory(platform="FACEBOOK")
    batches = ReceiptBatches(writes, services._process_when_committed)
    answered = threading.Event()

    def store():
        try:
            batches.store(row(account, 0))
            answered.set()
        finally:
            close_old_connections()

    thread = threading.Thread(target=store)
    thread.start()
    assert writes.first_started.wait(10)

    assert not answered.wait(0.2)
    writes.gate.set()
    thread.join(10)
    assert answered.is_set()
    assert WebhookReceipt.objects.filter(social_account=account).count() == 1
