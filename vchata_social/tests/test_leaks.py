"""The leak watch finds what it is meant to find."""

import logging

import pytest
from django.test import Client

from accounts.platforms.tests.support import ACCESS_TOKEN
from vchata_social.tests.leaks import leaks_in, stored_secrets


@pytest.mark.django_db
def test_stored_tokens_keys_and_stack_traces_are_found(account_factory):
    account = account_factory(platform="TIKTOK")

    found = leaks_in(
        also=stored_secrets(),
        texts=[
            f"refreshing with {account.refresh_token}",
            f"Bearer {ACCESS_TOKEN}",
            "Traceback (most recent call last):\n  File ...",
            "nothing to see",
        ],
    )

    assert found == [
        "a secret (EAAK…)",
        "a factory token (EAAK…)",
        "a secret (acce…)",
        "a stack trace",
    ]


@pytest.mark.django_db
def test_the_watch_sees_answers_and_log_lines(leak_watch):
    Client().get("/healthz")
    logging.getLogger("vchata_social").warning("an ordinary line")

    assert '"status"' in leak_watch.answers[0]
    assert "vchata_social an ordinary line" in leak_watch.logs.lines
