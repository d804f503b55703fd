import json
import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of the API nests deeper than a few levels; a far deeper body is an attack on the
# decoder, whose recursion would otherwise end in a RecursionError (a 500).
MAX_JSON_NESTING = 32

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestBodyTooLarge(ParseError):
    default_detail = "Request body is too large"


class RequestBodyTooDeep(ParseError):
    default_detail = "Request body is nested too deeply"


class BoundedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes. DRF reads the body stream itself,
    past Django's own size check, so the bound is enforced here, whatever Content-Length says.
    The nesting is bounded too, before the decoder sees the text."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestBodyTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError("Request body is not valid JSON") from None
        if nesting_depth(text) > MAX_JSON_NESTING:
            raise RequestBodyTooDeep()
        try:
            return json.loads(text)
        except ValueError:
            raise ParseError("Request body is not valid JSON") from None


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, brackets inside strings aside.
    On text that is not JSON the count may be off; the decoder refuses such text anyway."""
    brackets = _BRACKETS.findall(_JSON_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)), default=0)
