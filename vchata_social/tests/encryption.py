"""Keys and an independent reader for the encrypted-column tests: `decrypt_with` opens a stored
value with django-cryptography's own primitives, not with vchata_social.fields."""

import pickle
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django_cryptography.core.signing import FernetSigner
from django_cryptography.utils.crypto import FernetBytes, pbkdf2

OLD_KEYS = {
    "CRYPTOGRAPHY_KEY": "old-cryptography-key-retired-by-the-rotation",
    "SECRET_KEY": "old-secret-key-retired-by-the-rotation-0123456789abcdef",
}
NEW_KEYS = {
    "CRYPTOGRAPHY_KEY": "new-cryptography-key-after-the-rotation",
    "SECRET_KEY": "new-secret-key-after-the-rotation-0123456789abcdefghij",
}
# Keys this installation never had: what a value copied from elsewhere was written with.
FOREIGN_KEYS = {
    "CRYPTOGRAPHY_KEY": "cryptography-key-of-another-installation",
    "SECRET_KEY": "secret-key-of-another-installation-0123456789abcdefghij",
}
NO_PREVIOUS_KEYS = {"CRYPTOGRAPHY_KEY_PREVIOUS": "", "SECRET_KEY_PREVIOUS": ""}

# django-cryptography's defaults (django_cryptography.conf).
_SALT = "django-cryptography"
_ITERATIONS = 30_000


def previous_keys(keys: dict[str, str]) -> dict[str, str]:
    return {
        "CRYPTOGRAPHY_KEY_PREVIOUS": keys["CRYPTOGRAPHY_KEY"],
        "SECRET_KEY_PREVIOUS": keys["SECRET_KEY"],
    }


def switch_keys(settings, keys: dict[str, str], *, previous: dict[str, str] | None) -> None:
    """Make `keys` the current ones (through pytest-django's `settings`), `previous` the
    ones being retired."""
    for name, value in {
        **keys,
        **(previous_keys(previous) if previous else NO_PREVIOUS_KEYS),
    }.items():
        setattr(settings, name, value)


def stored_ciphertext(model: type[models.Model], pk: Any, field_name: str) -> bytes | None:
    """The column as stored, read past the ORM."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field_name).column)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [pk])
        (value,) = cursor.fetchone()
    return None if value is None else bytes(value)


def decrypt_with(keys: dict[str, str], ciphertext: bytes) -> Any:
    """The value, if `keys` encrypted it; raises django's BadSignature otherwise."""
    encryption_key = _derived_key(keys["CRYPTOGRAPHY_KEY"])
    fernet = FernetBytes(encryption_key, FernetSigner(keys["SECRET_KEY"]))
    return pickle.loads(fernet.decrypt(ciphertext))


@lru_cache
def _derived_key(cryptography_key: str) -> bytes:
    return pbkdf2(cryptography_key, _SALT, _ITERATIONS)
