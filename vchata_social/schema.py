"""OpenAPI: every operation documents the error envelope next to its success answer, for
each status it can answer.

Some statuses follow from how the view is built, and are added here: 415 wherever a body is
read, 429 wherever a throttle runs, 404 wherever the path names a resource. The others depend
on what the operation does (a conflict, a platform call), so the view names them with
`error_responses(…)` in its `extend_schema`."""

from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from vchata_social.api import ErrorEnvelopeSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: the messages name each field",
    401: "Missing, expired or invalid access token",
    403: "The caller's role may not do this",
    404: "No such resource in the caller's organization",
    409: "The account's state forbids this (its token was rejected: reconnect it), or it "
    "conflicts with what exists",
    415: "The body is not JSON (Content-Type: application/json)",
    429: "Too many attempts: Retry-After says when to try again",
    502: "The social media platform is unavailable, rate limited or refused the request "
    "(Retry-After when it said when to try again)",
    503: "The platform was not called: a service this one depends on is unreachable "
    "(Retry-After says when to try again)",
}
# What any operation may answer: input it refuses, a caller it does not know, a role too low.
COMMON_ERRORS = (400, 401, 403)
# Text without U+0000, which a CharField refuses; and, where it trims the text and refuses
# a blank one, with a character other than whitespace.
NO_NULL_CHARACTER = r"^[^\u0000]*$"
NOT_BLANK_NOR_NULL_CHARACTER = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# Statuses that a request without a path parameter can answer only through its own logic.
RESOURCE_NOT_FOUND = 404
BODY_NOT_JSON = 415
THROTTLED = 429


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """The error envelope for each status, for an `extend_schema(responses=…)`."""
    return {code: _error_response(code) for code in status_codes}


def _error_response(code: int) -> OpenApiResponse:
    return OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[code])


class EnvelopeAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._implied_error_codes():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(ErrorEnvelopeSerializer, code)
                responses[str(code)]["description"] = ERROR_DESCRIPTIONS[code]
        return responses

    def _map_basic_serializer(self, serializer, direction):
        """A request serializer may say that its body needs at least one field
        (`min_fields`) and refuses fields it does not declare (`refuses_unknown_fields`)."""
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            if getattr(serializer, "min_fields", 0):
                result["minProperties"] = serializer.min_fields
            if getattr(serializer, "refuses_unknown_fields", False):
                result["additionalProperties"] = False
        return result

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A body that needs at least one field cannot be left out either."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        return schema, required or bool(getattr(force_instance(serializer), "min_fields", 0))

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and _refuses_null_characters(field, result):
            refuses_blank = field.trim_whitespace and not field.allow_blank
            result["pattern"] = NOT_BLANK_NOR_NULL_CHARACTER if refuses_blank else NO_NULL_CHARACTER
        return result

    def _implied_error_codes(self) -> list[int]:
        codes = list(COMMON_ERRORS)
        if "{" in self.path:
            codes.append(RESOURCE_NOT_FOUND)
        if self._reads_body():
            codes.append(BODY_NOT_JSON)
        if self.view.get_throttles():
            codes.append(THROTTLED)
        return codes

    def _reads_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None


def _refuses_null_characters(field, schema: dict) -> bool:
    """Free text (no format of its own) that DRF's CharField checks for U+0000."""
    return (
        isinstance(field, serializers.CharField)
        and schema.get("type") == "string"
        and "format" not in schema
        and any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators)
        # drf-spectacular writes a RegexValidator's own pattern, stricter, later on.
        and not any(isinstance(v, RegexValidator) for v in field.validators)
    )
