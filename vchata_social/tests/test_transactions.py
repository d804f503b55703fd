"""A robust on-commit callback that fails is logged under its own name and undoes nothing."""

import pytest
from django.db import transaction

from accounts.models import Organization
from vchata_social.transactions import on_commit_robust

BACKEND_LOGGER = "django.db.backends.base"


def fail_to_publish(what: str) -> None:
    raise RuntimeError(f"could not publish {what}")


def failure_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "on_commit()" in r.getMessage()]


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_is_logged_and_the_commit_and_later_callbacks_stand(caplog):
    ran: list[str] = []

    with caplog.at_level("ERROR", logger=BACKEND_LOGGER), transaction.atomic():
        Organization.objects.create(name="Kept")
        on_commit_robust(fail_to_publish, "the event")
        on_commit_robust(ran.append, "after")

    assert Organization.objects.filter(name="Kept").exists()
    assert ran == ["after"]
    [line] = failure_lines(caplog)
    assert "fail_to_publish" in line
    assert "could not publish the event" in line


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_failing_callback_runs_at_once_and_is_logged(caplog):
    with caplog.at_level("ERROR", logger=BACKEND_LOGGER):
        on_commit_robust(fail_to_publish, "now")

    [line] = failure_lines(caplog)
    assert "fail_to_publish" in line


@pytest.mark.django_db(transaction=True)
def test_keyword_arguments_reach_the_callback():
    received: dict = {}

    with transaction.atomic():
        on_commit_robust(received.update, sender="sync", run=7)
        assert received == {}

    assert received == {"sender": "sync", "run": 7}
