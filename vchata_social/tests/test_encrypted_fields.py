import pytest
from django.core.signing import BadSignature
from django.db import connection, models
from django.test import override_settings
from django_cryptography.fields import encrypt

from accounts.models import SocialAccount
from accounts.tests.factories import SocialAccountFactory
from vchata_social.fields import UndecryptableValue, encrypted_text
from vchata_social.tests.encryption import (
    FOREIGN_KEYS,
    NEW_KEYS,
    NO_PREVIOUS_KEYS,
    OLD_KEYS,
    decrypt_with,
    stored_ciphertext,
    switch_keys,
)
from vchata_social.tests.test_settings import settings_values

ACCESS_TOKEN = "EAAB-access-token-written-before-the-rotation"


def account_written_with(keys: dict[str, str]) -> SocialAccount:
    with override_settings(**keys, **NO_PREVIOUS_KEYS):
        return SocialAccountFactory(access_token=ACCESS_TOKEN, refresh_token=None)


def read_access_token(account: SocialAccount) -> str:
    return SocialAccount.objects.get(pk=account.pk).access_token


@pytest.mark.django_db
def test_a_value_on_the_previous_keys_reads_while_they_are_configured(settings):
    account = account_written_with(OLD_KEYS)
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)

    assert read_access_token(account) == ACCESS_TOKEN


@pytest.mark.parametrize("changed", [["CRYPTOGRAPHY_KEY"], ["SECRET_KEY"]])
@pytest.mark.django_db
def test_a_rotation_may_change_one_key_and_keep_the_other(settings, changed):
    switch_keys(settings, OLD_KEYS, previous=None)
    account = SocialAccountFactory(access_token=ACCESS_TOKEN)
    for name in changed:
        setattr(settings, name, NEW_KEYS[name])
        setattr(settings, f"{name}_PREVIOUS", OLD_KEYS[name])

    assert read_access_token(account) == ACCESS_TOKEN


@pytest.mark.django_db
def test_writes_use_the_current_keys_while_previous_ones_are_configured(settings):
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)
    account = SocialAccountFactory(access_token=ACCESS_TOKEN)

    ciphertext = stored_ciphertext(SocialAccount, account.pk, "access_token")
    assert decrypt_with(NEW_KEYS, ciphertext) == ACCESS_TOKEN
    with pytest.raises(BadSignature):
        decrypt_with(OLD_KEYS, ciphertext)


@pytest.mark.django_db
def test_the_previous_keys_are_forgotten_once_unset(settings):
    account = account_written_with(OLD_KEYS)
    switch_keys(settings, NEW_KEYS, previous=None)

    with pytest.raises(UndecryptableValue):
        read_access_token(account)


@pytest.mark.django_db
def test_reading_a_value_no_configured_key_decrypts_raises_a_clear_error(settings):
    account = account_written_with(FOREIGN_KEYS)
    switch_keys(settings, NEW_KEYS, previous=OLD_KEYS)

    with pytest.raises(UndecryptableValue) as raised:
        read_access_token(account)
    message = str(raised.value)
    assert message.startswith("accounts.SocialAccount.access_token cannot be decrypted")
    assert ACCESS_TOKEN not in message
    # The read paths, which never load the secrets, still serve the account.
    assert SocialAccount.objects.without_secrets().get(pk=account.pk).pk == account.pk


@pytest.mark.django_db
def test_values_keep_django_cryptographys_format():
    """Values written before this module existed still read, and the reverse."""
    library_field = encrypt(models.TextField())
    account = SocialAccountFactory(access_token=ACCESS_TOKEN)
    assert library_field._load(stored_ciphertext(SocialAccount, account.pk, "access_token")) == (
        ACCESS_TOKEN
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_socialaccount SET access_token = %s WHERE id = %s",
            [library_field._dump("written-by-django-cryptography"), account.pk],
        )
    assert read_access_token(account) == "written-by-django-cryptography"


@pytest.mark.parametrize("options", [{}, {"null": True, "blank": True}, {"default": ""}])
def test_migrations_see_the_column_as_django_cryptography_describes_it(options):
    def described(field: models.Field) -> tuple:
        _name, path, args, kwargs = field.deconstruct()
        return path, [arg.deconstruct() for arg in args], kwargs

    assert described(encrypted_text(**options)) == described(encrypt(models.TextField(**options)))


def test_the_previous_secret_key_keeps_djangos_other_signatures_valid_too():
    assert settings_values("SECRET_KEY_FALLBACKS", DEBUG="true") == {"SECRET_KEY_FALLBACKS": []}
    assert settings_values("SECRET_KEY_FALLBACKS", DEBUG="true", SECRET_KEY_PREVIOUS="retired") == {
        "SECRET_KEY_FALLBACKS": ["retired"]
    }
