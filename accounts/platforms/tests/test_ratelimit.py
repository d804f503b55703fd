"""Our per-account budget, kept in the real Redis cache and shared by every process."""

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from accounts.platforms import ratelimit
from accounts.platforms.errors import PlatformRateLimited

# The Redis database of the two-process test; its counter expires by itself.
SHARED_BUDGET_DB = 13
# 45 seconds into a minute-long window that starts on a whole minute of the epoch.
WINDOW_START = 1_800_000_000
INSIDE_WINDOW = WINDOW_START + 45


@pytest.fixture
def key() -> str:
    # Unique per test: no two tests ever count on the same budget.
    return f"TEST:ratelimit-{uuid.uuid4().hex}"


@time_machine.travel(INSIDE_WINDOW, tick=False)
def test_an_exhausted_budget_raises_with_the_seconds_until_the_window_resets(key):
    for _ in range(3):
        ratelimit.take(key, limit=3)

    with pytest.raises(PlatformRateLimited) as raised:
        ratelimit.take(key, limit=3)

    assert raised.value.retry_after == 15


def test_the_next_window_brings_a_fresh_budget(key):
    with time_machine.travel(INSIDE_WINDOW, tick=False):
        ratelimit.take(key, limit=1)
        with pytest.raises(PlatformRateLimited):
            ratelimit.take(key, limit=1)

    with time_machine.travel(WINDOW_START + 60, tick=False):
        ratelimit.take(key, limit=1)


@time_machine.travel(INSIDE_WINDOW, tick=False)
def test_the_default_budget_is_the_setting(key, settings):
    settings.PLATFORM_RATE_LIMIT_PER_MINUTE = 2
    ratelimit.take(key)
    ratelimit.take(key)

    with pytest.raises(PlatformRateLimited):
        ratelimit.take(key)


@time_machine.travel(INSIDE_WINDOW, tick=False)
def test_each_key_has_its_own_budget(key):
    other = f"{key}-other"
    ratelimit.take(key, limit=1)

    ratelimit.take(other, limit=1)


class CounterVanishesOnce:
    """The real cache, except that the counter disappears once between add() and incr()."""

    def __init__(self):
        self.vanished = False

    def add(self, *args, **kwargs):
        return cache.add(*args, **kwargs)

    def incr(self, counter_key, delta=1):
        if not self.vanished:
            self.vanished = True
            cache.delete(counter_key)
        return cache.incr(counter_key, delta)


@time_machine.travel(INSIDE_WINDOW, tick=False)
def test_a_counter_evicted_between_add_and_incr_is_started_again(key, monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", CounterVanishesOnce())

    ratelimit.take(key, limit=1)

    with pytest.raises(PlatformRateLimited):
        ratelimit.take(key, limit=1)


# Each process takes `attempts` calls of one key's budget at the same frozen instant, once
# the test says "go", and prints how many calls it was granted.
TAKER = textwrap.dedent(
    """
    import sys

    import time_machine
    from django.core.cache import cache

    from accounts.platforms import ratelimit
    from accounts.platforms.errors import PlatformRateLimited

    key, limit, attempts, instant = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    cache.get(key)  # connect before the start line
    print("ready", flush=True)
    sys.stdin.readline()
    granted = 0
    with time_machine.travel(float(instant), tick=False):
        for _ in range(attempts):
            try:
                ratelimit.take(key, limit=limit)
            except PlatformRateLimited:
                continue
            granted += 1
    print(granted)
    """
)


def test_the_budget_holds_across_two_processes_sharing_redis(key, settings):
    assert isinstance(caches["default"], RedisCache), "the shared budget needs the Redis cache"
    instant, budget, attempts = time.time(), 1500, 1000
    project_root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vchata_social.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project_root), os.getenv("PYTHONPATH")])),
        # The same Redis server, but a database of its own: the suite flushes the test
        # database around every test, and a concurrent test session would reset the counter.
        "REDIS_URL": urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{SHARED_BUDGET_DB}")),
    }
    args = [sys.executable, "-c", TAKER, key, str(budget), str(attempts), repr(instant)]
    options = {"cwd": project_root, "env": env, "text": True}
    processes = [
        subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, **options)
        for _ in range(2)
    ]

    # Start both together, so that their calls interleave on the one counter.
    assert [process.stdout.readline().strip() for process in processes] == ["ready", "ready"]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    granted = [int(process.communicate(timeout=60)[0]) for process in processes]

    assert all(process.returncode == 0 for process in processes)
    assert sum(granted) == budget
