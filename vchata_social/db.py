"""Statements for the busiest paths, sent without the health check's round trip."""

from collections.abc import Mapping, Sequence

from django.db import connection

from vchata_social.outages import DATABASE_UNREACHABLE_ERRORS

Params = Mapping[str, object] | Sequence[object]


def rows_reconnecting(sql: str, params: Params) -> list[tuple]:
    """The rows of one statement that may be sent twice (a read, or a write that a second
    send leaves as the first did), run outside a transaction.

    Before a request's first query Django checks a reused connection with a round trip of its
    own (CONN_HEALTH_CHECKS), which costs a small statement as much as the statement itself.
    Here the statement is the check: when the connection proves lost under it, a new one is
    opened and the statement sent once more. Inside a transaction, Django's own check stands."""
    reused = connection.connection is not None and not connection.in_atomic_block
    if reused:
        connection.health_check_done = True
    try:
        return _rows(sql, params)
    except DATABASE_UNREACHABLE_ERRORS:
        if not reused or not _connection_lost():
            raise
    connection.close()
    return _rows(sql, params)


def _rows(sql: str, params: Params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _connection_lost() -> bool:
    driver_connection = connection.connection
    return driver_connection is None or driver_connection.closed or driver_connection.broken
