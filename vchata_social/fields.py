"""The one place that says how secrets are stored. Every encrypted column is declared with
`encrypted_text`, so changing the scheme (or rotating keys) touches this module only."""

from django.db import models
from django_cryptography.fields import encrypt


def encrypted_text(**kwargs) -> models.Field:
    """A text column encrypted at rest (Fernet with CRYPTOGRAPHY_KEY, signed with SECRET_KEY)."""
    return encrypt(models.TextField(**kwargs))
