"""Throttles that a client cannot step around.

DRF's own throttles key on the whole X-Forwarded-For header when NUM_PROXIES is unset, a
value the client writes: a new header on each attempt is a new, empty bucket. These key on
the address the audit log records, and on the username tried, whichever address it comes from.

Their counts live in the shared cache (Redis). While it cannot be reached they count in the
memory of each process instead: the limit still holds per process, and sign-in keeps working
rather than failing with a 500.
"""

import hashlib
import logging

from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from vchata_social.outages import CACHE_UNREACHABLE_ERRORS
from vchata_social.requests import client_ip

logger = logging.getLogger(__name__)

# Counts kept while the shared cache is unreachable; each process has its own.
PROCESS_LOCAL_COUNTS = LocMemCache("throttle-fallback", {"MAX_ENTRIES": 10_000})


class ProcessLocalFallbackMixin:
    """Counts in PROCESS_LOCAL_COUNTS whenever the shared cache raises."""

    def allow_request(self, request: Request | HttpRequest, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_UNREACHABLE_ERRORS as error:
            logger.warning(
                "Throttle cache unreachable (%s); counting in this process",
                type(error).__name__,
            )
            self.cache = PROCESS_LOCAL_COUNTS
            return super().allow_request(request, view)


class ClientAddressRateThrottle(ProcessLocalFallbackMixin, ScopedRateThrottle):
    """The view's `throttle_scope` rate, per client address as TRUSTED_PROXY_COUNT reads it."""

    def get_ident(self, request: Request | HttpRequest) -> str:
        return client_ip(request) or "unknown"


class UsernameRateThrottle(ProcessLocalFallbackMixin, SimpleRateThrottle):
    """Attempts on one username, from any number of addresses (AUTH_USERNAME_THROTTLE_RATE).

    Every attempt counts, the right password included: the throttle runs before it is checked."""

    scope = "auth_username"

    def get_cache_key(self, request: Request | HttpRequest, view: APIView) -> str | None:
        username = _submitted_username(request)
        if username is None:
            return None  # nothing to try a password on: the serializer refuses the body
        # Hashed: the cache key stays short, and the cache holds no usernames.
        digest = hashlib.sha256(username.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class _AdminLogin:
    """What ClientAddressRateThrottle reads of a view, for the admin's login page."""

    throttle_scope = "admin_login"


def admin_login_wait(request: HttpRequest) -> float | None:
    """Counts an admin login attempt; the seconds to wait when past a limit, else None."""
    throttles = [ClientAddressRateThrottle(), UsernameRateThrottle()]
    # Every throttle counts the attempt, as DRF's check_throttles does for a view.
    refused = [each for each in throttles if not each.allow_request(request, _AdminLogin)]
    if not refused:
        return None
    return max(throttle.wait() or 0 for throttle in refused)


def _submitted_username(request: Request | HttpRequest) -> str | None:
    # The API's sign-in sends JSON; the admin's login page sends a form.
    data = request.data if isinstance(request, Request) else request.POST
    username = data.get("username") if isinstance(data, dict) else None
    if not isinstance(username, str) or not username.strip():
        return None
    return username.strip()  # as the serializer reads it
