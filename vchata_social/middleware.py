"""Request checks and answers that Django would otherwise leave outside the error envelope."""

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from vchata_social.exceptions import error_response, is_admin_page
from vchata_social.requests import is_text_encoding

GetResponse = Callable[[HttpRequest], HttpResponse]


class UnsupportedCharset(BadRequest):
    def __init__(self) -> None:
        super().__init__("Content-Type names a charset that is not supported")


class RequestCharsetMiddleware:
    """Refuses (400, through handler400) a Content-Type charset that is no text encoding.

    A name that is no text encoding (`base64`) would end in a LookupError, a 500, wherever
    the query string or the body is read (vchata_social.handlers); an unknown name, which
    Django reads as UTF-8, is refused too: the client meant something else."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset")
        if charset is not None and not is_text_encoding(charset):
            raise UnsupportedCharset()
        return self.get_response(request)


class MethodNotAllowedEnvelopeMiddleware:
    """Django's 405 (the require_GET family of decorators) is an empty HTML answer and has no
    handler to override; outside the admin it gets the error envelope, its Allow header kept."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed) or is_admin_page(request):
            return response
        enveloped = error_response(405, f'Method "{request.method}" not allowed')
        enveloped["Allow"] = response["Allow"]
        return enveloped
