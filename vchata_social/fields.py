"""The one place that says how secrets are stored. Every encrypted column is declared with
`encrypted_text`, so changing the scheme (or rotating keys) touches this module only.

The stored format is django-cryptography's: the pickled value, AES-CBC encrypted with a key
derived (PBKDF2) from CRYPTOGRAPHY_KEY, in a Fernet-like envelope signed (HMAC-SHA256) with
SECRET_KEY. During a key rotation CRYPTOGRAPHY_KEY_PREVIOUS and SECRET_KEY_PREVIOUS hold the
keys being retired: values are read with the current keys, then with the previous ones, and
always written with the current keys (README, "Rotating the encryption key").
"""

import pickle
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core.signing import BadSignature
from django.db import models
from django.utils.encoding import force_bytes
from django_cryptography.core.signing import FernetSigner
from django_cryptography.fields import get_encrypted_field
from django_cryptography.utils.crypto import FernetBytes, InvalidToken

# django-cryptography's own derivation (django_cryptography.conf), so that existing values
# keep decrypting.
_KEY_DERIVATION_ITERATIONS = 30_000
_KEY_DERIVATION_DIGEST = hashes.SHA256()

_LibraryEncryptedTextField = get_encrypted_field(models.TextField, True)


class UndecryptableValue(Exception):
    """A stored value that neither the current keys nor the previous ones decrypt. Names
    where it is, never what it holds."""

    def __init__(self, *, model_label: str, field_name: str, pk: Any = None) -> None:
        self.model_label = model_label
        self.field_name = field_name
        self.pk = pk
        row = f" of row {pk}" if pk is not None else ""
        super().__init__(
            f"{model_label}.{field_name}{row} cannot be decrypted with the current keys "
            "(CRYPTOGRAPHY_KEY, SECRET_KEY) nor the previous ones (CRYPTOGRAPHY_KEY_PREVIOUS, "
            "SECRET_KEY_PREVIOUS): it was written with other keys, or altered."
        )


@dataclass(frozen=True)
class StoredValue:
    value: Any
    on_current_keys: bool


class EncryptedTextField(_LibraryEncryptedTextField):
    """django-cryptography's encrypted TextField, reading with the previous keys as well and
    raising UndecryptableValue (instead of the library's BadSignature) when none fits. Its
    keys are read from the settings at each use, not frozen when the model is imported."""

    def _dump(self, value: Any) -> bytes:
        return _fernet(*_current_keys()).encrypt(pickle.dumps(value))

    def _load(self, value: bytes) -> Any:
        return self.read_stored(value).value

    def read_stored(self, stored: bytes, *, pk: Any = None) -> StoredValue:
        """The value of a stored ciphertext, and whether the current keys encrypted it."""
        for keys, on_current_keys in _key_ring():
            try:
                plain = _fernet(*keys).decrypt(force_bytes(stored))
            except (BadSignature, InvalidToken):
                continue
            # Unpickling is safe here: the signature proved the bytes were written by us.
            value = pickle.loads(plain)  # noqa: S301
            return StoredValue(value=value, on_current_keys=on_current_keys)
        raise UndecryptableValue(model_label=self.model._meta.label, field_name=self.name, pk=pk)

    def deconstruct(self) -> tuple[str, str, list, dict]:
        # Described exactly as django-cryptography describes its own field, so that the
        # existing migrations stay as they are.
        name, _path, args, kwargs = models.TextField.deconstruct(self)
        return name, "django_cryptography.fields.encrypt", [models.TextField(*args, **kwargs)], {}


def encrypted_text(**kwargs) -> models.Field:
    """A text column encrypted at rest (see the module docstring for the format and keys)."""
    return EncryptedTextField(**kwargs)


def _current_keys() -> tuple[bytes, bytes]:
    return _encryption_key(settings.CRYPTOGRAPHY_KEY), force_bytes(settings.SECRET_KEY)


def _previous_keys() -> tuple[bytes, bytes] | None:
    """The keys being retired; a rotation may change one key and keep the other."""
    previous_encryption = settings.CRYPTOGRAPHY_KEY_PREVIOUS
    previous_signing = settings.SECRET_KEY_PREVIOUS
    if not previous_encryption and not previous_signing:
        return None
    return (
        _encryption_key(previous_encryption or settings.CRYPTOGRAPHY_KEY),
        force_bytes(previous_signing or settings.SECRET_KEY),
    )


def _key_ring() -> list[tuple[tuple[bytes, bytes], bool]]:
    """The keys to try, current first, each with whether it is the current one."""
    ring = [(_current_keys(), True)]
    previous = _previous_keys()
    if previous is not None and previous != ring[0][0]:
        ring.append((previous, False))
    return ring


def _encryption_key(configured: str | bytes) -> bytes:
    # django-cryptography replaces settings.CRYPTOGRAPHY_KEY with the key it derives when it
    # is imported; a key still as configured (the previous key, an override) is a str.
    if isinstance(configured, bytes):
        return configured
    return _derive_encryption_key(configured or settings.SECRET_KEY, salt=_salt())


def _salt() -> bytes:
    return force_bytes(settings.CRYPTOGRAPHY_SALT)


@lru_cache(maxsize=8)
def _derive_encryption_key(secret: str, *, salt: bytes) -> bytes:
    # Cached: the derivation is deliberately slow (tens of milliseconds).
    kdf = PBKDF2HMAC(
        algorithm=_KEY_DERIVATION_DIGEST,
        length=_KEY_DERIVATION_DIGEST.digest_size,
        salt=salt,
        iterations=_KEY_DERIVATION_ITERATIONS,
    )
    return kdf.derive(force_bytes(secret))


@lru_cache(maxsize=8)
def _fernet(encryption_key: bytes, signing_key: bytes) -> FernetBytes:
    return FernetBytes(encryption_key, FernetSigner(signing_key))
