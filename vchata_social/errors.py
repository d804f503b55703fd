"""Typed application errors. Services raise them; one exception handler turns them into
the API's error envelope, so no view maps errors to HTTP by hand."""


class ApplicationError(Exception):
    """An error the client may see: its message is safe to show and holds no secret."""

    status_code = 400
    default_message = "Bad request"

    def __init__(self, message: str | list[str] | None = None):
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)


class NotFound(ApplicationError):
    status_code = 404
    default_message = "Resource not found"


class Conflict(ApplicationError):
    status_code = 409
    default_message = "Conflict"


class Forbidden(ApplicationError):
    status_code = 403
    default_message = "Insufficient permissions for this operation"
