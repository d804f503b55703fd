"""Our own call budget per (platform app, account), shared by every web and worker process.

A fixed window one minute long, counted in the Django cache (Redis in production and tests):
the first call of a window creates its counter with `cache.add`, every call counts itself with
`cache.incr`; both are single atomic Redis commands, so two processes can never both spend the
last call of a budget. Windows are numbered from the Unix epoch, so every process (with an
NTP-synchronised clock) agrees on when a window starts and ends.

Going over the budget raises PlatformRateLimited at once, carrying the seconds until the window
resets: the caller reschedules its work instead of holding a worker asleep.

When Redis cannot be reached the budget cannot be counted, and no call is made: a platform's
limit is never exceeded blindly. RateLimiterUnreachable (503, with a Retry-After) is raised
instead, and calls resume by themselves once Redis answers again.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from accounts.platforms.errors import PlatformRateLimited, RateLimiterUnreachable
from vchata_social.outages import CACHE_UNREACHABLE_ERRORS

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# A counter outlives its window by one more window, then Redis drops it by itself.
COUNTER_TTL_SECONDS = 2 * WINDOW_SECONDS
# What a caller is asked to wait while Redis is unreachable: long enough for a restart.
UNREACHABLE_RETRY_AFTER_SECONDS = 30


def take(key: str, *, limit: int | None = None) -> None:
    """Spend one call of `key`'s budget for the current minute, or raise PlatformRateLimited.

    `limit` defaults to settings.PLATFORM_RATE_LIMIT_PER_MINUTE.
    """
    budget = settings.PLATFORM_RATE_LIMIT_PER_MINUTE if limit is None else limit
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    if _count_reachably(_counter_key(key, window)) > budget:
        raise PlatformRateLimited(retry_after=(window + 1) * WINDOW_SECONDS - now)


def _count_reachably(counter_key: str) -> int:
    try:
        return _count_call(counter_key)
    except CACHE_UNREACHABLE_ERRORS as error:
        logger.warning("Platform rate limiter unreachable: %s", type(error).__name__)
        raise RateLimiterUnreachable(retry_after=UNREACHABLE_RETRY_AFTER_SECONDS) from None


def _count_call(counter_key: str) -> int:
    """This call's number in its window."""
    try:
        return _add_and_incr(counter_key)
    except ValueError:
        # The counter vanished between add() and incr() (evicted by Redis under memory
        # pressure, or flushed): it is created again rather than failing the platform call.
        return _add_and_incr(counter_key)


def _add_and_incr(counter_key: str) -> int:
    # add() is a no-op when the window's counter exists already; incr() then counts atomically.
    cache.add(counter_key, 0, timeout=COUNTER_TTL_SECONDS)
    return cache.incr(counter_key)


def _counter_key(key: str, window: int) -> str:
    return f"platform-ratelimit:{key}:{window}"
