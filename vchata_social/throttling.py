"""Throttles that a client cannot step around.

DRF's own throttles key on the whole X-Forwarded-For header when NUM_PROXIES is unset, a
value the client writes: a new header on each attempt is a new, empty bucket. These key on
the address the audit log records, and on the username tried, whichever address it comes from.
"""

import hashlib

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from vchata_social.requests import client_ip


class ClientAddressRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope` rate, per client address as TRUSTED_PROXY_COUNT reads it."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or "unknown"


class UsernameRateThrottle(SimpleRateThrottle):
    """Attempts on one username, from any number of addresses (AUTH_USERNAME_THROTTLE_RATE).

    Every attempt counts, the right password included: the throttle runs before it is checked."""

    scope = "auth_username"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        username = _submitted_username(request)
        if username is None:
            return None  # nothing to try a password on: the serializer refuses the body
        # Hashed: the cache key stays short, and the cache holds no usernames.
        digest = hashlib.sha256(username.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def _submitted_username(request: Request) -> str | None:
    data = request.data
    username = data.get("username") if isinstance(data, dict) else None
    if not isinstance(username, str) or not username.strip():
        return None
    return username.strip()  # as the serializer reads it
