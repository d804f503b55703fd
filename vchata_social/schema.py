"""OpenAPI: every operation documents the error envelope next to its success answer."""

from drf_spectacular.openapi import AutoSchema

from vchata_social.api import ErrorEnvelopeSerializer

ERROR_CODES = {
    "400": "Invalid input: the messages name each field",
    "401": "Missing, expired or invalid access token",
    "403": "The caller's role may not do this",
    "404": "No such resource in the caller's organization",
}


class EnvelopeAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_CODES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorEnvelopeSerializer, code)
                responses[code]["description"] = description
        return responses
