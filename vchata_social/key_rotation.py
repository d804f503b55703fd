"""Re-encryption of every encrypted column with the current keys (`manage.py
rotate_encryption_key`). Columns are found from the models, so a new `encrypted_text` column is
covered without a change here.

Safe while the service runs: each batch locks its rows and reads them under the lock, so a
token refreshed meanwhile is either written before the batch reads it (and is then already on
the current keys) or waits for the batch to commit and is written after it. Resumable: a value
already on the current keys is left as it is.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from vchata_social.fields import EncryptedTextField, UndecryptableValue

StoredRow = tuple[Any, dict[str, bytes | None]]


@dataclass
class ColumnCounts:
    """What one encrypted column held: values re-encrypted (or, in a dry run, to be),
    values already on the current keys, and values no configured key decrypts."""

    column: str
    reencrypted: int = 0
    already_current: int = 0
    undecryptable: int = 0


def encrypted_columns() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every model with encrypted columns, and those columns (its own, not a parent's)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if fields:
            found.append((model, fields))
    return found


def rotate_model(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    *,
    batch_size: int,
    dry_run: bool,
    on_undecryptable: Callable[[UndecryptableValue], None],
) -> list[ColumnCounts]:
    """Re-encrypt the model's encrypted columns with the current keys, `batch_size` rows per
    transaction; a dry run only counts. An undecryptable value is counted, handed to
    `on_undecryptable` and left as it is."""
    counts = {
        field.name: ColumnCounts(column=f"{model._meta.label}.{field.name}") for field in fields
    }
    after = None
    while True:
        with transaction.atomic():
            rows = _read_batch(model, fields, after=after, batch_size=batch_size, lock=not dry_run)
            for pk, stored in rows:
                changes = _reencrypted_values(fields, pk, stored, counts, on_undecryptable)
                if changes and not dry_run:
                    _write_row(model, pk, changes)
        if len(rows) < batch_size:
            return list(counts.values())
        after = rows[-1][0]


def _read_batch(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    *,
    after: Any,
    batch_size: int,
    lock: bool,
) -> list[StoredRow]:
    # The ciphertexts as stored: which keys encrypted a value shows only before decryption.
    stored_columns = {
        f"stored_{field.name}": Cast(field.name, output_field=models.BinaryField())
        for field in fields
    }
    queryset = model._base_manager.order_by("pk")
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    values = queryset.annotate(**stored_columns).values_list("pk", *stored_columns)
    return [
        (pk, {field.name: stored for field, stored in zip(fields, ciphertexts, strict=True)})
        for pk, *ciphertexts in values[:batch_size]
    ]


def _reencrypted_values(
    fields: list[EncryptedTextField],
    pk: Any,
    stored: dict[str, bytes | None],
    counts: dict[str, ColumnCounts],
    on_undecryptable: Callable[[UndecryptableValue], None],
) -> dict[str, Any]:
    """The row's values still on the previous keys, decrypted, to be written again."""
    changes = {}
    for field in fields:
        ciphertext = stored[field.name]
        if ciphertext is None:
            continue
        try:
            value = field.read_stored(ciphertext, pk=pk)
        except UndecryptableValue as error:
            counts[field.name].undecryptable += 1
            on_undecryptable(error)
            continue
        if value.on_current_keys:
            counts[field.name].already_current += 1
        else:
            counts[field.name].reencrypted += 1
            changes[field.name] = value.value
    return changes


def _write_row(model: type[models.Model], pk: Any, changes: dict[str, Any]) -> None:
    # update() encrypts through the field, with the current keys, and leaves auto_now
    # timestamps alone: re-encrypting changes no value.
    model._base_manager.filter(pk=pk).update(**changes)
