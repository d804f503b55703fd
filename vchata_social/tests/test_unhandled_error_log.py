"""An unhandled error is logged for the operators with its traceback, and with nothing of the
request's body or headers: they carry passwords, tokens and the platforms' data."""

import logging

import pytest
from django.urls import path
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.authentication import tokens_for_membership
from vchata_social.urls import handler404, handler500  # noqa: F401
from vchata_social.urls import urlpatterns as real_urlpatterns

BODY_SECRET = "body-secret-a1b2c3"


class ExplodingApi(APIView):
    def post(self, request):
        raise RuntimeError(f"the view failed on {len(request.data)} field(s)")


urlpatterns = [path("boom", ExplodingApi.as_view()), *real_urlpatterns]


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as any handler could render it: message, traceback and every attribute."""
    formatter = logging.Formatter()
    return "\n".join(f"{formatter.format(record)}\n{vars(record)!r}" for record in records)


@pytest.mark.django_db
@pytest.mark.urls("vchata_social.tests.test_unhandled_error_log")
def test_the_unhandled_error_log_holds_no_body_and_no_headers(admin_membership, caplog):
    access_token = tokens_for_membership(admin_membership)["accessToken"]
    caplog.set_level(logging.DEBUG)

    response = APIClient().post(
        "/boom",
        {"password": BODY_SECRET},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
        HTTP_X_PLATFORM_SIGNATURE="header-secret-d4e5f6",
    )

    assert response.status_code == 500
    logged = everything_logged(caplog.records)
    assert "RuntimeError: the view failed on 1 field(s)" in logged  # seen by the operators
    for secret in (BODY_SECRET, access_token, "header-secret-d4e5f6"):
        assert secret not in logged
