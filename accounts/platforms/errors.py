"""What can go wrong when talking to a platform, classified by what the caller must do.

Misclassifying is what strands users in reconnect loops, so every client maps each
platform's error shapes onto exactly these classes.
"""

from vchata_social.errors import ApplicationError


class PlatformError(ApplicationError):
    """Base of every platform failure."""

    status_code = 502
    default_message = "Social media platform temporarily unavailable"


class PlatformUnavailable(PlatformError):
    """Transient: the platform is down, timing out or answering 5xx after our retries.
    Retry later; never a reason to ask the user to re-authenticate."""


class PlatformRateLimited(PlatformUnavailable):
    """Transient: the platform, or our own per-account budget, says slow down."""

    default_message = "Social media platform rate limit reached; try again later"

    def __init__(self, message: str | None = None, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class RateLimiterUnreachable(PlatformRateLimited):
    """Transient, and ours: the call budget (kept in Redis) cannot be counted, so the platform
    is not called at all rather than called past its limit. 503: the platform is not at fault."""

    status_code = 503
    default_message = "Service temporarily unavailable; the platform was not called"


class PlatformQuotaExhausted(PlatformRateLimited):
    """Transient, but not for seconds: the app's quota for a whole period (YouTube's day, X's
    month) is spent. `retry_after` is the time to the period's reset; retrying sooner is
    wasted, so the HTTP layer never retries it."""

    default_message = "Social media platform quota exhausted; try again after it resets"


class ReauthRequired(PlatformError):
    """Permanent: the token or refresh token is expired, revoked or invalid.
    Only a new authorization by the user fixes it. 409, not 401: the caller's own session
    is fine, it is the account's state that forbids the operation."""

    status_code = 409
    default_message = "The platform rejected the account's token; reconnect the account"


class PlatformPermissionDenied(PlatformError):
    """Permanent until the user grants more scopes: the platform refused the call."""

    status_code = 403
    default_message = "The platform refused the operation for missing permissions"


class PlatformRequestRejected(PlatformError):
    """Permanent: the platform rejected the request itself (4xx that is none of the above)."""

    default_message = "The platform rejected the request"
