"""The account stats cache. Every answer of an account is stored stamped with the account's
current version; a sync bumps the version, which drops all of them at once, whatever their
ranges. The version and the answer are read together, in one round trip.

A version starts at a random number, never a fixed one: a version lost to eviction and
created again does not match the answers stamped before it was lost.

The cache is an accelerator only: when Redis cannot be reached the stats are computed from
the database, slower but right, and the failure is logged.
"""

import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# Versions outlive the answers they key by far: a lost version only costs a recomputation.
VERSION_TIMEOUT_SECONDS = 30 * 24 * 3600


def cached_stats(account_id: str, date_from, date_to, compute: Callable[[], Any]) -> Any:
    """The cached answer for the account and range, or `compute()`, stored for next time."""
    version_key, answer_key = _version_key(account_id), _answer_key(account_id, date_from, date_to)
    try:
        found = cache.get_many([version_key, answer_key])
    except Exception:
        logger.warning("Stats cache unreachable; computing stats of %s", account_id)
        return compute()
    version, stamped = found.get(version_key), found.get(answer_key)
    if version is not None and stamped is not None and stamped[0] == version:
        return stamped[1]
    try:
        # Read before computing, and the answer stamped with it: an answer computed while a
        # sync bumped the version is never served.
        version = version if version is not None else _created_version(version_key)
    except Exception:
        logger.warning("Stats cache unreachable; computing stats of %s", account_id)
        return compute()
    answer = compute()
    try:
        cache.set(answer_key, (version, answer), timeout=settings.STATS_CACHE_SECONDS)
    except Exception:
        logger.warning("Stats cache unreachable; stats of %s not stored", account_id)
    return answer


def _created_version(version_key: str) -> int:
    """The account's version, created if it has none (another process may create it first)."""
    cache.add(version_key, _new_version(), timeout=VERSION_TIMEOUT_SECONDS)
    return cache.get(version_key)


def invalidate(account_id: str) -> None:
    """Drop every cached answer of the account (after a sync)."""
    try:
        if not cache.add(_version_key(account_id), _new_version(), timeout=VERSION_TIMEOUT_SECONDS):
            cache.incr(_version_key(account_id))
    except Exception:
        # Answers cached before this sync now live out their STATS_CACHE_SECONDS.
        logger.warning("Stats cache unreachable; stats of %s not invalidated", account_id)


def _new_version() -> int:
    # Room left for incr() to count up without overflowing Redis's signed 64-bit integers.
    return secrets.randbits(62)


def _answer_key(account_id: str, date_from, date_to) -> str:
    return f"stats:{account_id}:{date_from}:{date_to}"


def _version_key(account_id: str) -> str:
    return f"stats-version:{account_id}"
