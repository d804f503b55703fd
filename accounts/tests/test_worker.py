"""A real Celery worker, fed through Redis, refreshes a token against a stand-in platform."""

from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from accounts import tasks
from accounts.models import SocialAccount
from accounts.platforms.tests.support import load_fixture
from accounts.tests.standin import standin_platform
from accounts.tests.worker import start_worker, stop_worker, wait_for
from vchata_social.celery import app

BROKER_URL = "redis://127.0.0.1:6379/14"


ROTATION = load_fixture("tiktok", "refresh_success")


@pytest.fixture
def due_account(account_factory):
    return account_factory(
        platform="TIKTOK",
        refresh_token="rft.before-the-worker",
        token_expires_at=timezone.now() + timedelta(minutes=5),  # within TikTok's lead
    )


def refreshed_by_a_worker(account, send):
    """A worker against a stand-in TikTok, fed through Redis: `send(broker)` sends it a task,
    and the account's token is refreshed before the worker stops. Returns what `send`
    returned and the calls the platform received."""
    with standin_platform({("POST", "/v2/oauth/token/"): ROTATION}) as (platform_url, calls):
        worker = start_worker(
            BROKER_URL,
            SOCIAL_TIKTOK_API_URL=platform_url,
            SOCIAL_TIKTOK_CLIENT_ID="tiktok-client-key",
            SOCIAL_TIKTOK_CLIENT_SECRET="tiktok-client-secret",
        )
        try:
            # send_task goes to the broker even where tests run tasks eagerly.
            with app.connection_for_write(BROKER_URL) as broker:
                sent = send(broker)
            refreshed = wait_for(
                lambda: (
                    SocialAccount.objects.get(pk=account.pk).refresh_token
                    == ROTATION["refresh_token"]
                ),
                seconds=60,
            )
        finally:
            output = stop_worker(worker)
    assert refreshed, output
    return sent, calls


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_refreshes_a_token_through_redis(due_account):
    _sent, calls = refreshed_by_a_worker(
        due_account,
        lambda broker: app.send_task(
            tasks.refresh_social_account_token.name, args=[due_account.pk], connection=broker
        ),
    )

    assert calls == [("POST", "/v2/oauth/token/")]
    stored = SocialAccount.objects.get(pk=due_account.pk)
    assert stored.access_token == ROTATION["access_token"]
    assert stored.token_expires_at > timezone.now() + timedelta(hours=23)


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_runs_the_refresh_sweep_and_stores_no_task_result(due_account):
    """A stored result of the sweep would list every refresh it queued; nothing reads it."""
    # One task at a time (solo pool): the refresh runs after the sweep has ended.
    sweep, _calls = refreshed_by_a_worker(
        due_account,
        lambda broker: app.send_task(tasks.enqueue_due_token_refreshes.name, connection=broker),
    )

    results = redis.Redis.from_url(BROKER_URL)  # the worker's result backend too
    assert results.exists(f"celery-task-meta-{sweep.id}") == 0
