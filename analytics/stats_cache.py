"""The account stats, kept in each process's memory under the account's stats version, which
the same request reads from PostgreSQL with the membership (AccountStatsJWTAuthentication).

A sync bumps the version in the transaction that writes the account's figures, so no process
serves an answer from before a sync it does not show, and a hit costs no round trip of its own:
the membership is checked on every request anyway. An answer computed while a sync ended is
kept under the version read before it, which nothing asks for any more."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db.models import F

from accounts.models import SocialAccount
from accounts.selectors import OrganizationAccess
from vchata_social.cache_aside import cached_or_computed

# What a sync's last write of the account sets its stats version to.
NEXT_VERSION = F("stats_version") + 1


def cached_stats(
    access: OrganizationAccess, account_id: str, date_from, date_to, compute: Callable[[], bytes]
) -> bytes:
    """The answer for the account and range, as bytes, or `compute()`, kept for next time.
    Without a version the organization has no such account: `compute()` says so."""
    if access.stats_version is None:
        return compute()
    return cached_or_computed(
        lambda: f"stats:{account_id}:{access.stats_version}:{date_from}:{date_to}",
        compute,
        timeout=settings.STATS_CACHE_SECONDS,
        name="Stats",
        subject=f"the stats of {account_id}",
        store=caches[settings.STATS_CACHE],
    )


def invalidate(account_id: str) -> None:
    """Drop every cached answer of the account, in every process."""
    SocialAccount.objects.filter(pk=account_id).update(stats_version=NEXT_VERSION)
