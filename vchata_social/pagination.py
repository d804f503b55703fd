from rest_framework.pagination import LimitOffsetPagination

from vchata_social.api import envelope


class EnvelopeLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=`; the page goes under the resource key, with the full `total`."""

    default_limit = 50
    max_limit = 200

    def envelope_response(self, resource_key: str, data: list, message: str):
        return envelope(message, **{resource_key: data, "total": self.count})
