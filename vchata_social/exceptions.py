"""Every error leaves the service in one envelope:
`{"success": false, "statusCode": N, "message": "…" or ["…"], "error": "<reason phrase>"}`.

DRF's exceptions, our typed application errors, the answers Django gives by itself (its
400, 403, 404 and 500 handlers, a CSRF failure) and anything unhandled all pass through
here, so a client never sees a stack trace or another shape. Only the admin keeps Django's
HTML pages.
"""

import logging
import math
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.views import csrf, defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response

from vchata_social.errors import ApplicationError, ServiceUnavailable
from vchata_social.outages import DATABASE_UNREACHABLE_ERRORS

logger = logging.getLogger(__name__)

# Fragments that follow the field name: "platform is required".
_CODE_FRAGMENTS = {
    "required": "is required",
    "null": "must not be null",
    "blank": "must not be empty",
    "not_a_list": "must be a list",
    "empty": "must not be empty",
}


def error_body(status_code: int, message: str | list[str]) -> dict:
    return {
        "success": False,
        "statusCode": status_code,
        "message": message,
        "error": HTTPStatus(status_code).phrase,
    }


def error_response(status_code: int, message: str | list[str]) -> JsonResponse:
    return JsonResponse(error_body(status_code, message), status=status_code)


# What a client is asked to wait while the database cannot be reached: Django opens a new
# connection on the next request, so the service recovers by itself once PostgreSQL is back.
DATABASE_RETRY_AFTER_SECONDS = 5


def envelope_exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, DATABASE_UNREACHABLE_ERRORS):
        exc = _database_unavailable(exc, context)
    status_code, message = _status_and_message(exc)
    if status_code >= 500 and not isinstance(exc, ApplicationError):
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
    return Response(
        error_body(status_code, message), status=status_code, headers=_advice_headers(exc)
    )


def _database_unavailable(exc: Exception, context: dict) -> ServiceUnavailable:
    """An outage, a restart or a lost connection: PostgreSQL rolls back the transaction under
    way, and the client is asked to send the request again a little later."""
    view = context.get("view").__class__.__name__
    logger.warning("Database unavailable in %s: %s", view, type(exc).__name__)
    return ServiceUnavailable(retry_after=DATABASE_RETRY_AFTER_SECONDS)


def _status_and_message(exc: Exception) -> tuple[int, str | list[str]]:
    if isinstance(exc, ApplicationError):
        return exc.status_code, exc.message
    if isinstance(exc, drf.ValidationError):
        return 400, validation_messages(exc.detail)
    if isinstance(exc, drf.ParseError):
        return 400, _plain_text(exc.detail)
    if isinstance(exc, drf.UnsupportedMediaType):
        return 415, "Request body must be JSON (Content-Type: application/json)"
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return 401, _auth_message(exc)
    if isinstance(exc, drf.APIException):
        return exc.status_code, _plain_text(exc.detail)
    if isinstance(exc, Http404):
        return 404, "Resource not found"
    if isinstance(exc, DjangoPermissionDenied):
        return 403, "Insufficient permissions for this operation"
    if isinstance(exc, RequestDataTooBig):
        return 400, "Request body is too large"
    if isinstance(exc, SuspiciousOperation):
        return 400, "Bad request"
    if isinstance(exc, BadRequest):
        return 400, _plain_text(exc) or "Bad request"
    if isinstance(exc, UnreadablePostError):
        return _unreadable_body(exc)
    return 500, "Internal server error"


def _unreadable_body(exc: UnreadablePostError) -> tuple[int, str]:
    """The client stopped sending its body: past the web server's socket timeout
    (vchata_social.web_worker) or by hanging up. Not a fault of ours, so no 500."""
    if isinstance(exc.__cause__, TimeoutError):
        return 408, "Request body was not received in time"
    return 400, "Request body could not be read"


def _auth_message(exc: drf.APIException) -> str:
    if isinstance(exc, drf.NotAuthenticated):
        return "Authentication credentials were not provided"
    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:
        # simplejwt's token errors carry a dict of details; the summary is enough.
        return "Invalid or expired access token"
    return _plain_text(detail)


def _advice_headers(exc: Exception) -> dict[str, str]:
    """When to try again (throttles, platform rate limits) and how to authenticate."""
    headers = {}
    wait = getattr(exc, "wait", None) or getattr(exc, "retry_after", None)
    if wait:
        headers["Retry-After"] = str(math.ceil(wait))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return headers


def _plain_text(detail) -> str:
    return str(detail).rstrip(".")


def validation_messages(detail, prefix: str = "") -> list[str]:
    """Flatten DRF's nested error detail into sentences that start with the field name."""
    if isinstance(detail, dict):
        messages = []
        for field, inner in detail.items():
            name = "" if field in ("non_field_errors", "detail") else f"{prefix}{field}"
            messages.extend(validation_messages(inner, f"{name}." if name else prefix))
        return messages
    if isinstance(detail, list):
        return [message for item in detail for message in validation_messages(item, prefix)]
    return [_sentence(prefix.rstrip("."), detail)]


def _sentence(field: str, detail) -> str:
    """Our own messages are written as fragments ("must be a valid token"); DRF's default
    sentences are replaced by a fragment where we have one, else lower-cased."""
    text = _plain_text(detail)
    if not field:
        return text
    if text[:1].isupper():
        fragment = _CODE_FRAGMENTS.get(getattr(detail, "code", None))
        text = fragment or text[0].lower() + text[1:]
    return f"{field} {text}"


def is_admin_page(request: HttpRequest) -> bool:
    """The admin's pages are HTML for people, errors included (urls.py mounts it here)."""
    return request.path_info.startswith(f"/{settings.ADMIN_URL_PATH}")


# Django's error handlers (handler400 … handler500 in urls.py) and CSRF_FAILURE_VIEW.


def bad_request_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A Host not in ALLOWED_HOSTS, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a bad charset…"""
    if is_admin_page(request):
        return defaults.bad_request(request, exception)
    return error_response(*_status_and_message(exception))


def permission_denied_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_admin_page(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "Insufficient permissions for this operation")


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_admin_page(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "Resource not found")


def server_error_view(request: HttpRequest) -> HttpResponse:
    if is_admin_page(request):
        return defaults.server_error(request)
    return error_response(500, "Internal server error")


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The API itself is not cookie-authenticated (its views are CSRF-exempt); this answers
    a form-less POST to a plain Django view, such as /healthz."""
    if is_admin_page(request):
        return csrf.csrf_failure(request, reason)
    return error_response(403, "CSRF verification failed")
