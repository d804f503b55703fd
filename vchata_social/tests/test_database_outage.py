"""PostgreSQL lost under a running service: 503 in the envelope, no write half-done, and
recovery by itself once it is back.

The outage is played on the real server through a relay of the test's own (the connection of
the test's thread goes through it; cutting it drops that connection and refuses new ones), so
the machine's PostgreSQL is never stopped.
"""

import pytest
from django.db import close_old_connections, connection

from analytics.models import SyncRun
from vchata_social.tests.private_services import cuttable_proxy

AUDIT_LOG_INSERT = 'INSERT INTO "accounts_auditlog"'


@pytest.fixture
def relayed_database(db):
    """The default connection of this thread, going through a relay the test can cut."""
    original = dict(connection.settings_dict)
    target = (original["HOST"] or "127.0.0.1", int(original["PORT"] or 5432))
    with cuttable_proxy(target) as proxy:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
        try:
            yield proxy
        finally:
            connection.close()
            connection.settings_dict.update(HOST=original["HOST"], PORT=original["PORT"])


def between_requests() -> None:
    """What Django's request handler does at the end and start of every request, and the test
    client leaves out: a connection found unusable is closed, so the next query reconnects."""
    close_old_connections()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response.json() == {
        "success": False,
        "statusCode": 503,
        "message": "Service temporarily unavailable",
        "error": "Service Unavailable",
    }
    assert int(response["Retry-After"]) > 0


def cut_before_audit_log(proxy):
    """Cut the relay in the middle of a transaction: after its first write, before its second."""

    def execute(run_sql, sql, params, many, context):
        if sql.startswith(AUDIT_LOG_INSERT):
            proxy.cut()
        return run_sql(sql, params, many, context)

    return execute


@pytest.mark.django_db(transaction=True)
def test_database_lost_midway_answers_503_writes_nothing_and_recovers(
    relayed_database, api, account_factory, settings, leak_watch
):
    settings.SYNC_WAIT_SECONDS = 0
    account = account_factory(platform="TIKTOK")
    sync_url = f"/social/accounts/{account.pk}/sync"

    with connection.execute_wrapper(cut_before_audit_log(relayed_database)):
        cut_midway = api.post(sync_url, {"syncType": "full"}, format="json")
    between_requests()
    while_down = api.get("/social/accounts")
    relayed_database.restore()
    between_requests()
    once_back = api.get("/social/accounts")

    assert_unavailable(cut_midway)
    assert_unavailable(while_down)
    assert once_back.status_code == 200
    assert not SyncRun.objects.filter(social_account=account).exists()
