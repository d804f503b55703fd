"""Deliveries that reach one web process together, stored together.

Platforms deliver in bursts, and a burst reaches a process's threads at once. Stored one by
one, each delivery costs a statement, a commit and a Redis command. Here the first thread to
arrive writes every delivery waiting at that moment in one statement and one commit, while the
others wait for that commit; whoever arrives meanwhile goes in the next batch. Each delivery
is still answered only once its receipt is committed.

A batch the database refuses is not tried again as a batch: each of its deliveries is then
stored alone by its own thread, and succeeds or fails on its own (one body PostgreSQL refuses
never costs the others their answer)."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError

logger = logging.getLogger(__name__)

# A receipt's row: (id, account id, platform, event key, payload, content type).
ReceiptRow = tuple[str, str, str, str, str, str]


@dataclass(eq=False)
class _Pending:
    row: ReceiptRow
    done: bool = False
    # True when stored now, False when not (no such connected account, or stored before),
    # None when its batch failed and it is to be stored alone.
    stored: bool | None = None


class ReceiptBatches:
    """`write` stores a list of rows in one statement and returns the ids it stored;
    `stored` is told of those ids once the deliveries waiting for them are let go."""

    def __init__(
        self,
        write: Callable[[list[ReceiptRow]], set[str]],
        stored: Callable[[set[str]], None],
    ) -> None:
        self._write = write
        self._stored = stored
        self._changed = threading.Condition()
        self._waiting: list[_Pending] = []
        self._writing = False

    def store(self, row: ReceiptRow) -> bool:
        """Store the row with whatever else is waiting: True when stored now."""
        pending = _Pending(row)
        with self._changed:
            self._waiting.append(pending)
            while self._writing and not pending.done:
                self._changed.wait()
            leads = not pending.done
            if leads:
                self._writing = True
                batch, self._waiting = self._waiting, []
        if leads:
            self._write_batch(batch)
        if pending.stored is None:
            stored_ids = self._write([row])
            if stored_ids:
                self._stored(stored_ids)
            return row[0] in stored_ids
        return pending.stored

    def _write_batch(self, batch: list[_Pending]) -> None:
        stored_ids: set[str] | None = None
        try:
            stored_ids = self._write([pending.row for pending in batch])
        except DatabaseError as error:
            logger.warning(
                "A batch of %d receipts was refused (%s); each is stored alone",
                len(batch),
                type(error).__name__,
            )
        finally:
            with self._changed:
                for pending in batch:
                    pending.stored = None if stored_ids is None else pending.row[0] in stored_ids
                    pending.done = True
                self._writing = False
                self._changed.notify_all()
        if stored_ids:
            self._stored(stored_ids)
