"""The WSGI entry point, with a request object that can be made from any request.

Django's WSGIRequest builds request.GET while it is made, decoding the query string with the
Content-Type's charset when the codecs module knows the name: with `charset=base64` that
raises LookupError before any middleware or error handler can answer, a 500. This request
leaves a charset that is no text encoding aside, as Django leaves an unknown one aside;
RequestCharsetMiddleware then refuses both with a 400. (Django's ASGIRequest always reads
the query string as UTF-8, so the ASGI entry point needs nothing of the kind.)
"""

import django
from django.core.handlers import wsgi
from django.utils.http import parse_header_parameters

from vchata_social.requests import is_text_encoding


class WSGIRequest(wsgi.WSGIRequest):
    def _set_content_type_params(self, meta) -> None:
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", "")
        )
        charset = self.content_params.get("charset")
        if charset is not None and is_text_encoding(charset):
            self.encoding = charset


class WSGIHandler(wsgi.WSGIHandler):
    request_class = WSGIRequest


def get_wsgi_application() -> WSGIHandler:
    """As django.core.wsgi.get_wsgi_application, with the request class above."""
    django.setup(set_prefix=False)
    return WSGIHandler()
