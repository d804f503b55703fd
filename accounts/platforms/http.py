"""The one HTTP layer every platform client uses.

`request` sends a call the same way for every platform: it first spends one call of the
account's budget (`ratelimit.take`), applies the connect and read timeouts from settings, and
retries connection errors, timeouts, 429 and 5xx with exponential backoff and full jitter,
honouring a Retry-After the platform sends. What is still failing after the retries becomes
PlatformUnavailable (or PlatformRateLimited for a 429 that persists). A 4xx other than 429 is
never retried: the calling client's classifier reads that platform's own error body.

Secrets travel in query strings (Facebook and Instagram put `access_token` there), form bodies
and Authorization headers, so nothing here logs or raises with a query string, a body, a header
or a library exception's text: only the method, host and path, the status and the attempt.

The rest of the module reads platform answers: the OAuth 2.0 token endpoint that TikTok, X,
LinkedIn and Google share (RFC 6749 sections 5 and 6), and small parsing helpers.
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
from django.conf import settings

from accounts.platforms import ratelimit
from accounts.platforms.base import TokenGrant
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
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

# Failures where the platform never answered: worth another try.
TRANSIENT_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
# The statuses on which a Retry-After header is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})

_local = threading.local()


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
    **request_options: Any,
) -> requests.Response:
    """Send one platform call, retrying what is transient; return a response below 400.

    `request_options` go to requests (params, data, headers, auth). Raises PlatformError
    subclasses only: what `classify_error` makes of a 4xx, or the transient ones.
    """
    retries = settings.PLATFORM_HTTP_MAX_RETRIES
    for attempt in range(1, retries + 2):
        ratelimit.take(rate_limit_key)
        outcome = _send(method, url, attempt, request_options)
        if isinstance(outcome, requests.Response) and not _is_transient(outcome.status_code):
            return _accept(outcome, classify_error)
        if attempt > retries or _maybe_acted_on(method, outcome):
            break
        wait = _backoff(attempt, outcome, read_retry_after)
        if wait is None:
            break
        sleep(wait)
    raise _give_up(outcome, read_retry_after)


def _maybe_acted_on(method: str, outcome: requests.Response | Exception) -> bool:
    """A POST whose answer timed out may have been carried out: sending it again could spend a
    single-use refresh token twice (X, TikTok) and lose the rotated one. Give up instead."""
    return method.upper() == "POST" and isinstance(outcome, requests.ReadTimeout)


def _session() -> requests.Session:
    # One pooled session per thread: requests does not promise that a Session is thread-safe.
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _send(
    method: str, url: str, attempt: int, options: Mapping[str, Any]
) -> requests.Response | Exception:
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


def _accept(response: requests.Response, classify_error: ErrorClassifier) -> requests.Response:
    if response.status_code < 400:
        return response
    raise classify_error(response)


def _backoff(
    attempt: int, outcome: requests.Response | Exception, read_retry_after: RetryAfterReader
) -> float | None:
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


def _asked_wait(
    outcome: requests.Response | Exception, read_retry_after: RetryAfterReader
) -> float | None:
    if isinstance(outcome, requests.Response) and outcome.status_code in RETRY_AFTER_STATUSES:
        return read_retry_after(outcome)
    return None


def _give_up(
    outcome: requests.Response | Exception, read_retry_after: RetryAfterReader
) -> PlatformError:
    if isinstance(outcome, requests.Response) and outcome.status_code == 429:
        return PlatformRateLimited(retry_after=read_retry_after(outcome))
    return PlatformUnavailable()


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


# --- OAuth 2.0 token endpoint (RFC 6749), shared by TikTok, X, LinkedIn and Google ------------

# Errors only a new authorization by the user fixes: a dead grant or refresh token
# (RFC 6749 5.2) and a dead access token (RFC 6750 3.1, answered by Google's tokeninfo).
REAUTH_OAUTH_ERRORS = frozenset({"invalid_grant", "invalid_token"})
TRANSIENT_OAUTH_ERRORS = frozenset({"server_error", "temporarily_unavailable"})


def oauth2_error(
    response: requests.Response, *, reauth_errors: frozenset[str] = REAUTH_OAUTH_ERRORS
) -> PlatformError:
    """Classify an RFC 6749 error body {"error": "<code>", "error_description": "..."}."""
    code = json_body(response).get("error")
    if code in reauth_errors:
        return ReauthRequired()
    if code in TRANSIENT_OAUTH_ERRORS:
        return PlatformUnavailable()
    # invalid_client, unauthorized_client, ...: our app's setup is wrong, not the user's token,
    # so asking the user to reconnect would not help.
    detail = str(code or response.status_code)[:40]
    return PlatformRequestRejected(f"The platform refused the token request ({detail})")


def refresh_token_grant(
    url: str,
    *,
    refresh_token: str | None,
    form: Mapping[str, str],
    rate_limit_key: str,
    classify_error: ErrorClassifier = oauth2_error,
    **request_options: Any,
) -> TokenGrant:
    """POST the refresh_token grant (RFC 6749 section 6) as a form; read the token answer."""
    if not refresh_token:
        raise ReauthRequired("No refresh token is stored for this account; reconnect it")
    response = request(
        "POST",
        url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **form},
        rate_limit_key=rate_limit_key,
        classify_error=classify_error,
        **request_options,
    )
    return token_grant_from(response, classify_error)


def token_grant_from(
    response: requests.Response, classify_error: ErrorClassifier = oauth2_error
) -> TokenGrant:
    """Read a token answer (RFC 6749 5.1; the Meta exchanges answer in the same shape)."""
    body = json_body(response)
    if not body.get("access_token"):
        # Some platforms (TikTok) answer a failed grant with 200 and an error body.
        raise classify_error(response)
    return TokenGrant(
        access_token=body["access_token"],
        expires_in=int_or_none(body.get("expires_in")),
        # Absent or empty means "keep the stored one", never "store nothing".
        refresh_token=body.get("refresh_token") or None,
        # TikTok names it refresh_expires_in, LinkedIn refresh_token_expires_in.
        refresh_expires_in=int_or_none(
            body.get("refresh_expires_in", body.get("refresh_token_expires_in"))
        ),
        scopes=split_scopes(body.get("scope")),
        token_type=str(body.get("token_type") or "bearer").lower(),
    )


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
