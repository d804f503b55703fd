"""The one HTTP layer every platform client uses (through `PlatformClient.call`).

`request` sends a call the same way for every platform: it first spends one call of the
account's budget (`ratelimit.take`), applies the connect and read timeouts from settings, and
retries connection errors, timeouts, 429 and 5xx with exponential backoff and full jitter,
honouring a Retry-After the platform sends. What is still failing after the retries becomes
PlatformUnavailable (or PlatformRateLimited for a 429 that persists). A 4xx other than 429 is
never retried: the calling client's classifier reads that platform's own error body; a 429
goes to it too, so that a spent quota (PlatformQuotaExhausted) is told from a short limit.

A request that is not idempotent (a POST, unless the caller says otherwise) is sent again only
when it provably never left: the connection could not be opened. Once it was sent, a reset, a
broken answer or a read timeout may hide a request the platform carried out, and resending a
refresh could spend a single-use refresh token twice (X, TikTok) and lose the rotated one.

Secrets travel in query strings (Facebook and Instagram put `access_token` there), form bodies
and Authorization headers, so nothing here logs or raises with a query string, a body, a header
or a library exception's text: only the method, host and path, the status and the attempt.
"""

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings

from accounts.platforms import ratelimit
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformQuotaExhausted,
    PlatformRateLimited,
    PlatformRequestRejected,
    PlatformUnavailable,
    ReauthRequired,
)

logger = logging.getLogger(__name__)

# Module level so that tests replace it (accounts.platforms.http.sleep) and never wait.
sleep: Callable[[float], None] = time.sleep

ErrorClassifier = Callable[[requests.Response], PlatformError]
RetryAfterReader = Callable[[requests.Response], float | None]

# Failures where the platform's answer never arrived: worth another try.
TRANSIENT_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
# The statuses on which a Retry-After header is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})
# RFC 9110 section 9.2.2: sending these twice has the effect of sending them once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

_local = threading.local()

Outcome = requests.Response | Exception


def retry_after_header(response: requests.Response) -> float | None:
    """Seconds a Retry-After header asks for, as delay-seconds or HTTP-date (RFC 9110 10.2.3)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000" zones parse naive; HTTP dates are GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def request(
    method: str,
    url: str,
    *,
    rate_limit_key: str,
    classify_error: ErrorClassifier,
    read_retry_after: RetryAfterReader = retry_after_header,
    idempotent: bool | None = None,
    **request_options: Any,
) -> requests.Response:
    """Send one platform call, retrying what is transient; return a response below 400.

    `request_options` go to requests (params, data, json, headers, auth). `idempotent`
    defaults to what the method promises (a POST that only reads may say True). Raises
    PlatformError subclasses only: what `classify_error` makes of a 4xx, or the transient ones.
    """
    resendable = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
    retries = settings.PLATFORM_HTTP_MAX_RETRIES
    for attempt in range(1, retries + 2):
        ratelimit.take(rate_limit_key)
        outcome = _send(method, url, attempt, request_options)
        if isinstance(outcome, requests.Response) and outcome.status_code < 400:
            return outcome
        failure = _failure(outcome, classify_error, read_retry_after)
        if attempt > retries or not _worth_another_try(outcome, failure, resendable):
            break
        wait = _backoff(attempt, outcome, read_retry_after)
        if wait is None:
            break
        sleep(wait)
    raise failure


def _failure(
    outcome: Outcome, classify_error: ErrorClassifier, read_retry_after: RetryAfterReader
) -> PlatformError:
    """What a failed try means: the classifier's reading of an answer, or an outage."""
    if not isinstance(outcome, requests.Response) or outcome.status_code >= 500:
        return PlatformUnavailable()
    if outcome.status_code != 429:
        return classify_error(outcome)
    failure = classify_error(outcome)
    if not isinstance(failure, PlatformRateLimited):
        failure = PlatformRateLimited()
    if failure.retry_after is None:
        failure.retry_after = read_retry_after(outcome)
    return failure


def _worth_another_try(outcome: Outcome, failure: PlatformError, resendable: bool) -> bool:
    if isinstance(failure, PlatformQuotaExhausted):
        return False
    if isinstance(outcome, requests.Response):
        return _is_transient(outcome.status_code)
    return resendable or _never_sent(outcome)


def _never_sent(failure: Exception) -> bool:
    """True only when the connection could not be opened, so no byte of the request left:
    a connect timeout, or a refused or unresolvable address (urllib3's NewConnectionError,
    which requests wraps in MaxRetryError)."""
    if isinstance(failure, requests.ConnectTimeout):
        return True
    if not isinstance(failure, requests.ConnectionError) or not failure.args:
        return False
    cause = failure.args[0]
    if isinstance(cause, urllib3.exceptions.MaxRetryError):
        cause = cause.reason
    return isinstance(cause, urllib3.exceptions.NewConnectionError)


def _session() -> requests.Session:
    # One pooled session per thread: requests does not promise that a Session is thread-safe.
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _send(method: str, url: str, attempt: int, options: Mapping[str, Any]) -> Outcome:
    """One try. A transient network failure is returned, not raised, for the retry loop."""
    where = _host_and_path(url)
    timeout = (settings.PLATFORM_HTTP_CONNECT_TIMEOUT, settings.PLATFORM_HTTP_READ_TIMEOUT)
    try:
        response = _session().request(method, url, timeout=timeout, **options)
    except TRANSIENT_EXCEPTIONS as exc:
        # The exception's text quotes the whole URL, query string included: log its class only.
        logger.warning("%s %s failed: %s (attempt %d)", method, where, type(exc).__name__, attempt)
        return exc
    except requests.RequestException as exc:
        logger.error("%s %s could not be sent: %s", method, where, type(exc).__name__)
        raise PlatformRequestRejected("The platform request could not be sent") from None
    level = logging.WARNING if _is_transient(response.status_code) else logging.INFO
    logger.log(level, "%s %s -> %d (attempt %d)", method, where, response.status_code, attempt)
    return response


def _host_and_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


def _is_transient(status: int) -> bool:
    return status == 429 or status >= 500


def _backoff(attempt: int, outcome: Outcome, read_retry_after: RetryAfterReader) -> float | None:
    """Seconds to wait before the next try, or None when waiting here is not worth it."""
    cap = settings.PLATFORM_HTTP_MAX_BACKOFF_SECONDS
    asked = _asked_wait(outcome, read_retry_after)
    if asked is not None:
        # The platform's own wait wins; one longer than we may hold a worker is reported instead.
        return asked if asked <= cap else None
    # Full jitter: a random wait up to the exponential bound spreads retries of many workers
    # (AWS Architecture Blog, "Exponential Backoff And Jitter").
    bound = min(cap, settings.PLATFORM_HTTP_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return random.uniform(0, bound)


def _asked_wait(outcome: Outcome, read_retry_after: RetryAfterReader) -> float | None:
    if isinstance(outcome, requests.Response) and outcome.status_code in RETRY_AFTER_STATUSES:
        return read_retry_after(outcome)
    return None


MAX_REASON_LENGTH = 300


def platform_reason(response: requests.Response) -> str | None:
    """The platform's own human-readable reason, from whichever error shape it uses: Meta,
    Google and TikTok `error.message`, X `detail`, LinkedIn `message`, OAuth
    `error_description`. Cut short: it is shown to API clients."""
    body = json_body(response)
    error = body.get("error")
    candidates = [
        error.get("message") if isinstance(error, dict) else None,
        body.get("detail"),
        body.get("message"),
        body.get("error_description"),
    ]
    reason = next((text for text in candidates if isinstance(text, str) and text.strip()), None)
    return reason.strip()[:MAX_REASON_LENGTH] if reason else None


def permission_denied(response: requests.Response) -> PlatformPermissionDenied:
    """A refusal for missing scopes, carrying the platform's reason so the user knows which."""
    reason = platform_reason(response)
    if reason is None:
        return PlatformPermissionDenied()
    return PlatformPermissionDenied(f"The platform refused the operation: {reason}")


def classify_by_status(response: requests.Response) -> PlatformError:
    """For APIs whose error body adds nothing to the status: 401, 403, anything else."""
    if response.status_code == 401:
        return ReauthRequired()
    if response.status_code == 403:
        return permission_denied(response)
    return PlatformRequestRejected(f"The platform rejected the request ({response.status_code})")


# --- Reading answers ---------------------------------------------------------------------------


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def json_body(response: requests.Response) -> dict[str, Any]:
    """The response's JSON object, or {} when the body is not one (an HTML error page...)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def required(body: Mapping[str, Any], key: str) -> str:
    """A field the answer must carry; its absence means the platform changed under us."""
    value = body.get(key)
    if value in (None, ""):
        raise PlatformRequestRejected(f"The platform's answer has no {key!r}")
    return str(value)


def int_or_none(value: Any) -> int | None:
    """Counts and lifetimes, which some platforms send as strings (Google, YouTube)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def split_scopes(scope: str | None) -> list[str] | None:
    """Scopes are comma-separated on TikTok and LinkedIn, space-separated on X and Google."""
    if not scope:
        return None
    return [item for item in re.split(r"[,\s]+", scope) if item]


def from_timestamp(seconds: Any) -> datetime | None:
    """A Unix timestamp as an aware datetime; 0 or nothing means "no expiry" on these APIs."""
    value = int_or_none(seconds)
    return datetime.fromtimestamp(value, tz=UTC) if value else None
