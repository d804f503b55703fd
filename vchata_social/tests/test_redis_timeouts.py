"""A Redis that accepts connections but never answers fails cache calls (and so the platform
rate limiter, which counts in the cache) after REDIS_SOCKET_TIMEOUT_SECONDS, instead of holding
the request forever."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings as django_settings
from django.core.cache import cache


@contextmanager
def silent_server() -> Iterator[int]:
    """A port of 127.0.0.1 that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def outcome_within(call, seconds: float) -> list:
    """What `call` raised or returned, if it ended within `seconds` (else nothing)."""
    outcome = []

    def run():
        try:
            outcome.append(call())
        except Exception as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    return outcome


def test_a_silent_redis_fails_a_cache_call_after_the_socket_timeout(settings):
    configured = django_settings.CACHES["default"]
    with silent_server() as port:
        settings.CACHES = {"default": {**configured, "LOCATION": f"redis://127.0.0.1:{port}/0"}}
        started = time.monotonic()
        outcome = outcome_within(lambda: cache.get("anything"), seconds=5)
        took = time.monotonic() - started

    assert len(outcome) == 1, "the cache call was still waiting for Redis"
    assert isinstance(outcome[0], redis.exceptions.TimeoutError)
    assert took < 2 * settings.REDIS_SOCKET_TIMEOUT_SECONDS + 0.5
