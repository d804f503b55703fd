"""Typed application errors. Services raise them; one exception handler turns them into
the API's error envelope, so no view maps errors to HTTP by hand."""

from vchata_social.redaction import client_safe_message


class ApplicationError(Exception):
    """An error the client may see: its message is safe to show and holds no secret.

    The message is made so here, once, since it travels on from here to the client: the
    error envelope, a sync run's stored error, the audit log, an admin notice."""

    status_code = 400
    default_message = "Bad request"

    def __init__(self, message: str | list[str] | None = None):
        self.message = _client_safe(message if message is not None else self.default_message)
        super().__init__(self.message)


def _client_safe(message: str | list[str]) -> str | list[str]:
    if isinstance(message, list):
        return [client_safe_message(str(item)) for item in message]
    return client_safe_message(str(message))


class NotFound(ApplicationError):
    status_code = 404
    default_message = "Resource not found"


class Conflict(ApplicationError):
    status_code = 409
    default_message = "Conflict"


class Forbidden(ApplicationError):
    status_code = 403
    default_message = "Insufficient permissions for this operation"


class ServiceUnavailable(ApplicationError):
    """A service we depend on (PostgreSQL, Redis, the task broker) cannot be reached. Nothing
    was done, so the same request may simply be sent again after `retry_after` seconds."""

    status_code = 503
    default_message = "Service temporarily unavailable"

    def __init__(self, message: str | None = None, *, retry_after: float = 30):
        super().__init__(message)
        self.retry_after = retry_after
