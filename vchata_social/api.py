"""The success envelope shared by every endpoint, helpers to describe it in OpenAPI, and the
base of the serializers that read query parameters."""

import copy

from rest_framework import serializers
from rest_framework.response import Response

from vchata_social.renderers import PlainData


def envelope(message: str, *, status: int = 200, **resources) -> Response:
    """`{"success": true, <resource>: …, "message": "…"}`: resources keep their order."""
    return Response({"success": True, **resources, "message": message}, status=status)


def plain_envelope(message: str, **resources) -> PlainData:
    """The envelope's data when it holds plain values only (see PlainData), which orjson
    writes; answer it, or its rendering, with `Response`."""
    return PlainData(success=True, **resources, message=message)


def envelope_schema(name: str, **resources: serializers.Field) -> type[serializers.Serializer]:
    """A serializer class describing an envelope, for the OpenAPI schema only."""
    fields = {
        "success": serializers.BooleanField(default=True),
        **resources,
        "message": serializers.CharField(),
    }
    return type(name, (serializers.Serializer,), fields)


class ErrorEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    statusCode = serializers.IntegerField()  # noqa: N815 - the API's JSON key
    message = serializers.JSONField(help_text="A message, or a list of messages")
    error = serializers.CharField(help_text="The HTTP reason phrase")


class QueryParametersSerializer(serializers.Serializer):
    """Query parameters of a busy read, validated on every request: its fields are plain
    values (no nested serializer), so each instance takes shallow copies of them. DRF's deep
    copy builds every field again, choices included, which cost more than the validation."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # A field is bound to its serializer (its parent and name): each instance needs its
        # own copies, never the declared fields themselves.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}
