"""Many callers refreshing one account at once, on real PostgreSQL row locks."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import SocialAccount
from accounts.platforms.tests.support import REFRESH_CALLS, load_fixture
from accounts.services import SYSTEM, social_account_refresh_token

CALLERS = 8


def run_together(target, count: int) -> list:
    """Start `count` threads at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target()
        except Exception as error:  # reported to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_refreshes_call_the_platform_once(platforms, account_factory):
    account = account_factory(
        platform="TIKTOK",
        refresh_token="rft.original-refresh-token",
        token_expires_at=timezone.now() + timedelta(minutes=5),
    )
    rotation = load_fixture("tiktok", "refresh_success")
    calls = []

    def platform_answer(request):
        calls.append(request.body)
        time.sleep(0.2)  # a platform's latency, so that the other callers queue on the lock
        return 200, {}, json.dumps(rotation)

    platforms.add_callback("POST", REFRESH_CALLS["TIKTOK"][1], callback=platform_answer)

    outcomes = run_together(
        lambda: social_account_refresh_token(
            organization=None, account_id=account.pk, actor=SYSTEM
        ),
        CALLERS,
    )

    assert len(calls) == 1
    assert "refresh_token=rft.original-refresh-token" in calls[0]
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert sum(outcome.refreshed for outcome in outcomes) == 1
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.refresh_token == rotation["refresh_token"]
    assert stored.access_token == rotation["access_token"]
