"""The account stats cache. Every answer of an account is stored under the account's current
version; a sync bumps the version, which drops all of them at once, whatever their ranges.

The cache is an accelerator only: when Redis cannot be reached the stats are computed from
the database, slower but right, and the failure is logged.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from vchata_social.cache_aside import cached_or_computed

logger = logging.getLogger(__name__)

# Versions outlive the answers they key by far: a lost version only costs a recomputation.
VERSION_TIMEOUT_SECONDS = 30 * 24 * 3600


def cached_stats(account_id: str, date_from, date_to, compute: Callable[[], Any]) -> Any:
    """The cached answer for the account and range, or `compute()`, stored for next time."""
    return cached_or_computed(
        lambda: _key(account_id, date_from, date_to),
        compute,
        timeout=settings.STATS_CACHE_SECONDS,
        name="Stats",
        subject=f"stats of {account_id}",
    )


def invalidate(account_id: str) -> None:
    """Drop every cached answer of the account (after a sync)."""
    try:
        if not cache.add(_version_key(account_id), 2, timeout=VERSION_TIMEOUT_SECONDS):
            cache.incr(_version_key(account_id))
    except Exception:
        # Answers cached before this sync now live out their STATS_CACHE_SECONDS.
        logger.warning("Stats cache unreachable; stats of %s not invalidated", account_id)


def _key(account_id: str, date_from, date_to) -> str:
    version = cache.get_or_set(_version_key(account_id), 1, timeout=VERSION_TIMEOUT_SECONDS)
    return f"stats:{account_id}:v{version}:{date_from}:{date_to}"


def _version_key(account_id: str) -> str:
    return f"stats-version:{account_id}"
