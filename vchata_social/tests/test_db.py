"""Statements on the busiest paths go without Django's health-check round trip: the statement
is the check, sent again on a new connection only when the reused one proves lost."""

import pytest
from django.db import (
    DEFAULT_DB_ALIAS,
    OperationalError,
    close_old_connections,
    connection,
    connections,
)

from accounts.tests.clients import client_for
from vchata_social.db import rows_reconnecting
from vchata_social.tests.private_services import terminate_backend


def backend_pid() -> int:
    [(pid,)] = rows_reconnecting("SELECT pg_backend_pid()", [])
    return pid


def sent(statements: list[str]):
    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    return record


@pytest.mark.django_db(transaction=True)
def test_a_statement_on_a_reused_connection_makes_no_health_check(monkeypatch):
    backend_pid()
    close_old_connections()  # between two requests: the connection is kept for the next one
    kept = connection.connection
    checks: list[str] = []
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "is_usable", lambda: checks.append("x"))

    assert rows_reconnecting("SELECT 2", []) == [(2,)]

    assert connection.connection is kept
    assert checks == []


@pytest.mark.django_db(transaction=True)
def test_a_statement_on_a_connection_the_server_dropped_runs_on_a_new_one():
    dropped = backend_pid()
    close_old_connections()
    terminate_backend(dropped)
    statements: list[str] = []

    with connection.execute_wrapper(sent(statements)):
        assert rows_reconnecting("SELECT 3", []) == [(3,)]

    assert statements == ["SELECT 3", "SELECT 3"]
    assert backend_pid() != dropped


@pytest.mark.django_db(transaction=True)
def test_a_statement_failing_on_a_live_connection_is_not_sent_again():
    backend_pid()
    close_old_connections()
    statements: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 50")

    with connection.execute_wrapper(sent(statements)), pytest.raises(OperationalError):
        rows_reconnecting("SELECT pg_sleep(1)", [])

    assert statements == ["SELECT pg_sleep(1)"]
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_account_list_answers_on_a_connection_the_server_dropped(membership_with_role):
    client = client_for(membership_with_role())
    assert client.get("/social/accounts").status_code == 200
    dropped = backend_pid()
    close_old_connections()
    terminate_backend(dropped)

    response = client.get("/social/accounts")

    assert response.status_code == 200
    assert response.json()["socialAccounts"] == []
