"""`manage.py rotate_encryption_key`: every encrypted column re-encrypted with the current keys,
in locked batches, resumable, and safe beside a token refresh."""

import threading
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.core.signing import BadSignature
from django.db import connection, models, transaction
from django.test import override_settings
from django.utils import timezone
from django_cryptography.fields import EncryptedMixin

from accounts.models import OAuthState, SocialAccount, SocialPage
from accounts.tests.factories import SocialAccountFactory, UserFactory
from vchata_social import key_rotation
from vchata_social.tests.encryption import (
    FOREIGN_KEYS,
    NEW_KEYS,
    NO_PREVIOUS_KEYS,
    OLD_KEYS,
    decrypt_with,
    stored_ciphertext,
    switch_keys,
)
from webhooks.models import NotificationEndpoint, WebhookSubscription

EVERY_ENCRYPTED_COLUMN = {
    "accounts.SocialAccount.access_token",
    "accounts.SocialAccount.refresh_token",
    "accounts.SocialPage.access_token",
    "accounts.OAuthState.code_verifier",
    "webhooks.WebhookSubscription.verify_token",
    "webhooks.WebhookSubscription.hub_secret",
    "webhooks.NotificationEndpoint.secret",
}


def rotate(*options: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_key", *options, stdout=out, stderr=StringIO())
    return out.getvalue()


def summary(column: str, *, reencrypted: int, already_current: int, undecryptable: int = 0) -> str:
    return (
        f"{column}: {reencrypted} re-encrypted, {already_current} already on the current keys, "
        f"{undecryptable} undecryptable"
    )


def one_of_each_written_with(keys: dict[str, str]) -> dict[tuple, str]:
    """A row of every model with encrypted columns; returns each (model, pk, field)'s value."""
    with override_settings(**keys, **NO_PREVIOUS_KEYS):
        account = SocialAccountFactory(access_token="EAAB-access", refresh_token="EAAK-refresh")
        page = SocialPage.objects.create(
            social_account=account, platform_page_id="1", access_token="EAAB-page"
        )
        subscription = WebhookSubscription.objects.create(
            social_account=account,
            webhook_url="https://api.example.com/webhooks/facebook/1",
            verify_token="verify-token",
            hub_secret="hub-secret",
        )
        endpoint = NotificationEndpoint.objects.create(
            organization=account.organization,
            url="https://product.example.com/hooks",
            secret="endpoint-secret",
        )
        flow = OAuthState.objects.create(
            state_digest="0" * 64,
            organization=account.organization,
            user=UserFactory(),
            platform="TWITTER",
            code_verifier="pkce-verifier",
            redirect_to="https://app.example.com/integrations",
            expires_at=timezone.now(),
        )
    return {
        (SocialAccount, account.pk, "access_token"): "EAAB-access",
        (OAuthState, flow.pk, "code_verifier"): "pkce-verifier",
        (SocialAccount, account.pk, "refresh_token"): "EAAK-refresh",
        (SocialPage, page.pk, "access_token"): "EAAB-page",
        (WebhookSubscription, subscription.pk, "verify_token"): "verify-token",
        (WebhookSubscription, subscription.pk, "hub_secret"): "hub-secret",
        (NotificationEndpoint, endpoint.pk, "secret"): "endpoint-secret",
    }


def accounts_written_with(keys: dict[str, str], ids: list[str]) -> list[SocialAccount]:
    """Accounts with the given ids (which fix the command's order) and no refresh token."""
    with override_settings(**keys, **NO_PREVIOUS_KEYS):
        return [
            SocialAccountFactory(id=pk, access_token=f"token-of-{pk}", refresh_token=None)
            for pk in ids
        ]


def access_token_keys(account: SocialAccount) -> str:
    """Which keys the account's stored access token is encrypted with."""
    ciphertext = stored_ciphertext(SocialAccount, account.pk, "access_token")
    for name, keys in (("new", NEW_KEYS), ("old", OLD_KEYS), ("foreign", FOREIGN_KEYS)):
        try:
            decrypt_with(keys, ciphertext)
        except BadSignature:
            continue
        return name
    raise AssertionError("no known keys decrypt the access token")


def test_every_encrypted_column_is_found():
    found = {
        f"{model._meta.label}.{field.name}"
        for model, fields in key_rotation.encrypted_columns()
        for field in fields
    }
    # A column encrypted with django-cryptography directly would escape the rotation.
    encrypted_anywhere = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.local_concrete_fields
        if isinstance(field, EncryptedMixin)
    }
    assert EVERY_ENCRYPTED_COLUMN.issubset(found)
    assert encrypted_anywhere == found


@pytest.mark.django_db
def test_values_on_the_previous_keys_read_until_the_rotation_and_after_it(settings):
    values = one_of_each_written_with(OLD_KEYS)
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    for (model, pk, field_name), value in values.items():
        assert getattr(model.objects.get(pk=pk), field_name) == value

    output = rotate()

    for column in EVERY_ENCRYPTED_COLUMN:
        assert summary(column, reencrypted=1, already_current=0) in output
    switch_keys(settings, NEW_KEYS, previous=None)
    for (model, pk, field_name), value in values.items():
        ciphertext = stored_ciphertext(model, pk, field_name)
        assert decrypt_with(NEW_KEYS, ciphertext) == value
        with pytest.raises(BadSignature):
            decrypt_with(OLD_KEYS, ciphertext)
        assert getattr(model.objects.get(pk=pk), field_name) == value


@pytest.mark.django_db
def test_a_second_run_rewrites_nothing(settings):
    values = one_of_each_written_with(OLD_KEYS)
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    rotate()
    stored_after_first_run = {key: stored_ciphertext(*key) for key in values}

    output = rotate()

    for column in EVERY_ENCRYPTED_COLUMN:
        assert summary(column, reencrypted=0, already_current=1) in output
    assert {key: stored_ciphertext(*key) for key in values} == stored_after_first_run


@pytest.mark.django_db
def test_a_dry_run_counts_and_writes_nothing(settings):
    values = one_of_each_written_with(OLD_KEYS)
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    stored_before = {key: stored_ciphertext(*key) for key in values}

    output = rotate("--dry-run")

    for column in EVERY_ENCRYPTED_COLUMN:
        assert (
            f"{column}: 1 to re-encrypt, 0 already on the current keys, 0 undecryptable" in output
        )
    assert {key: stored_ciphertext(*key) for key in values} == stored_before


@pytest.mark.django_db
def test_an_interrupted_run_keeps_its_finished_batches_and_the_next_run_completes(
    settings, monkeypatch
):
    accounts = accounts_written_with(OLD_KEYS, [f"social_{letter * 16}" for letter in "abcde"])
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    write_row = key_rotation._write_row
    writes = []

    def crash_at_the_fourth_write(*args, **kwargs):
        writes.append(args)
        if len(writes) == 4:
            raise RuntimeError("the process was killed")
        write_row(*args, **kwargs)

    monkeypatch.setattr(key_rotation, "_write_row", crash_at_the_fourth_write)
    with pytest.raises(RuntimeError):
        rotate("--batch-size", "2")
    # The first batch was committed; the second, half written, was rolled back.
    assert [access_token_keys(account) for account in accounts] == ["new", "new"] + ["old"] * 3

    monkeypatch.setattr(key_rotation, "_write_row", write_row)
    output = rotate("--batch-size", "2")

    assert (
        summary("accounts.SocialAccount.access_token", reencrypted=3, already_current=2) in output
    )
    # No refresh token is stored: nothing to count.
    assert (
        summary("accounts.SocialAccount.refresh_token", reencrypted=0, already_current=0) in output
    )
    assert [access_token_keys(account) for account in accounts] == ["new"] * 5


@pytest.mark.django_db
def test_an_undecryptable_value_is_reported_counted_and_left_as_it_is(settings):
    before, after = accounts_written_with(OLD_KEYS, ["social_" + "a" * 16, "social_" + "z" * 16])
    (foreign,) = accounts_written_with(FOREIGN_KEYS, ["social_" + "m" * 16])
    foreign_stored = stored_ciphertext(SocialAccount, foreign.pk, "access_token")
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 value") as raised:
        call_command("rotate_encryption_key", "--batch-size", "1", stdout=out, stderr=err)

    assert raised.value.returncode != 0
    assert (
        summary(
            "accounts.SocialAccount.access_token", reencrypted=2, already_current=0, undecryptable=1
        )
        in out.getvalue()
    )
    assert err.getvalue().startswith(
        f"accounts.SocialAccount.access_token of row {foreign.pk} cannot be decrypted"
    )
    assert "token-of-" not in err.getvalue() + str(raised.value)
    # The rows after it were re-encrypted all the same; it was not touched.
    assert [access_token_keys(before), access_token_keys(after)] == ["new", "new"]
    assert stored_ciphertext(SocialAccount, foreign.pk, "access_token") == foreign_stored


@pytest.mark.django_db
def test_the_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="at least 1"):
        rotate("--batch-size", "0")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def is_waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
        return cursor.fetchone()[0]


def refresh_token_in_a_thread(account_id: str, new_token: str) -> tuple[threading.Thread, list]:
    """What the refresh service does (lock the row, store the new token), on its own
    connection; returns the thread and a list that receives its backend pid."""
    pids: list[int] = []

    def refresh() -> None:
        try:
            pids.append(backend_pid())
            with transaction.atomic():
                account = SocialAccount.objects.select_for_update().get(pk=account_id)
                account.access_token = new_token
                account.save()
        finally:
            connection.close()

    return threading.Thread(target=refresh), pids


@pytest.mark.django_db(transaction=True)
def test_a_token_refreshed_while_its_batch_is_rotated_is_kept(settings, monkeypatch):
    (account,) = accounts_written_with(OLD_KEYS, ["social_" + "r" * 16])
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    write_row = key_rotation._write_row
    refreshes = []

    def refresh_between_read_and_write(model: type[models.Model], pk, changes) -> None:
        """The command has read the row; a refresh comes now, and either waits for the
        batch's lock or (without it) stores its token before the command writes."""
        thread, pids = refresh_token_in_a_thread(account.pk, "refreshed-token")
        refreshes.append(thread)
        thread.start()
        while thread.is_alive() and not (pids and is_waiting_for_a_lock(pids[0])):
            thread.join(timeout=0.01)
        write_row(model, pk, changes)

    monkeypatch.setattr(key_rotation, "_write_row", refresh_between_read_and_write)
    rotate()
    refreshes[0].join(timeout=30)

    assert not refreshes[0].is_alive()
    assert SocialAccount.objects.get(pk=account.pk).access_token == "refreshed-token"
    assert access_token_keys(account) == "new"
