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


def cached_stats(
    organization_id: str, account_id: str, date_from, date_to, compute: Callable[[], Any]
) -> Any:
    """The cached answer for the organization's account and range, or `compute()` (which
    checks the account is the organization's), stored for next time. An answer is kept per
    organization, so that a hit needs no reading of the account: it was the organization's
    when computed, and an account disconnected or deleted since drops its answers."""
    version_key = _version_key(account_id)
    answer_key = _answer_key(organization_id, account_id, date_from, date_to)
    try:
        found = cache.get_many([version_key, answer_key])
    except Exception:
        logger.warning("Stats cache unreachable; computing stats of %s", account_id)
        return compute()
    version, stamped = found.get(version_key), found.get(answer_key)
    if version is not None and stamped is not None and stamped[0] == version:
        return stamped[1]
    # Stamped with the version read before computing: an answer computed while a sync
    # bumped the version is never served.
    answer = compute()
    try:
        if version is None:
            # Created only now that the account proved to exist; if something created it
            # while this answer was computed (a sync ending), the answer is not kept.
            version = _new_version()
            if not cache.add(version_key, version, timeout=VERSION_TIMEOUT_SECONDS):
                return answer
        cache.set(answer_key, (version, answer), timeout=settings.STATS_CACHE_SECONDS)
    except Exception:
        logger.warning("Stats cache unreachable; stats of %s not stored", account_id)
    return answer


def invalidate(account_id: str) -> None:
    """Drop every cached answer of the account (after a sync)."""
    try:
        if not cache.add(_version_key(account_id), _new_version(), timeout=VERSION_TIMEOUT_SECONDS):
            cache.incr(_version_key(account_id))
    except Exception:
        # Answers cached before this sync now live out their STATS_CACHE_SECONDS.
        logger.warning("Stats cache unreachable; stats of %s not invalidated", account_id)


def forget_account(sender, *, account_id: str | None = None, instance=None, **kwargs) -> None:
    """Receiver of account_disconnected and of the account's deletion."""
    invalidate(account_id or instance.pk)


def _new_version() -> int:
    # Room left for incr() to count up without overflowing Redis's signed 64-bit integers.
    return secrets.randbits(62)


def _answer_key(organization_id: str, account_id: str, date_from, date_to) -> str:
    return f"stats:{organization_id}:{account_id}:{date_from}:{date_to}"


def _version_key(account_id: str) -> str:
    return f"stats-version:{account_id}"
