"""The answers Django gives by itself (its 400, 403, 404 and 500 handlers, a CSRF failure, a
405 from a view decorator, a body over DATA_UPLOAD_MAX_MEMORY_SIZE) use the API's error
envelope on every path but the admin's, which keeps Django's HTML pages."""

from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from vchata_social.urls import handler400, handler403, handler404, handler500  # noqa: F401
from vchata_social.urls import urlpatterns as real_urlpatterns


def forbidden_view(request):
    raise PermissionDenied("no")


def exploding_view(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("plain/forbidden", forbidden_view),
    path("plain/boom", exploding_view),
    path("admin/forbidden", forbidden_view),
    path("admin/boom", exploding_view),
    *real_urlpatterns,
]  # the handlers, imported above, are the service's own


def envelope(status: int, message: str) -> dict:
    return {
        "success": False,
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
    }


def csrf_checking_client() -> Client:
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def oversized_form_post(client: Client, path: str):
    """A form body past DATA_UPLOAD_MAX_MEMORY_SIZE, read by the CSRF check (which looks for
    the form's token) before the view is reached."""
    client.cookies["csrftoken"] = "a" * 32
    return client.post(path, "a=" + "b" * 300_000, content_type="application/x-www-form-urlencoded")


API_CASES = {
    "a Host not in ALLOWED_HOSTS": (
        lambda: Client().get("/healthz", HTTP_HOST="evil.example"),
        envelope(400, "Bad request"),
    ),
    "a body over DATA_UPLOAD_MAX_MEMORY_SIZE": (
        lambda: oversized_form_post(csrf_checking_client(), "/healthz"),
        envelope(400, "Request body is too large"),
    ),
    "a CSRF failure": (
        lambda: csrf_checking_client().post("/healthz"),
        envelope(403, "CSRF verification failed"),
    ),
    "PermissionDenied from a plain view": (
        lambda: Client().get("/plain/forbidden"),
        envelope(403, "Insufficient permissions for this operation"),
    ),
    "an unknown path": (
        lambda: Client().get("/social/no/such/thing"),
        envelope(404, "Resource not found"),
    ),
    "a method a plain view does not take": (
        lambda: Client().delete("/healthz"),
        envelope(405, 'Method "DELETE" not allowed'),
    ),
    "a method the webhook receiver does not take": (
        lambda: Client().put("/webhooks/FACEBOOK/social_x"),
        envelope(405, 'Method "PUT" not allowed'),
    ),
    "an unhandled error in a plain view": (
        lambda: Client(raise_request_exception=False).get("/plain/boom"),
        envelope(500, "Internal server error"),
    ),
}


@pytest.mark.django_db
@pytest.mark.urls("vchata_social.tests.test_django_error_answers")
@pytest.mark.parametrize("case", API_CASES)
def test_djangos_own_answers_use_the_envelope(case):
    send, expected = API_CASES[case]
    response = send()
    assert response.status_code == expected["statusCode"]
    assert response["Content-Type"] == "application/json"
    assert response.json() == expected


@pytest.mark.django_db
def test_a_405_keeps_its_allow_header():
    assert Client().delete("/healthz")["Allow"] == "GET"
    assert Client().put("/webhooks/FACEBOOK/social_x")["Allow"] == "GET, POST"


ADMIN_CASES = {
    "a Host not in ALLOWED_HOSTS": (
        lambda staff: Client().get("/admin/", HTTP_HOST="evil.example"),
        400,
    ),
    "a body over DATA_UPLOAD_MAX_MEMORY_SIZE": (
        lambda staff: oversized_form_post(csrf_checking_client(), "/admin/login/"),
        400,
    ),
    "a CSRF failure": (lambda staff: csrf_checking_client().post("/admin/login/"), 403),
    "PermissionDenied": (lambda staff: staff.get("/admin/forbidden"), 403),
    "an unknown admin page": (lambda staff: staff.get("/admin/no/such/page/"), 404),
    "an unhandled error": (
        lambda staff: Client(raise_request_exception=False).get("/admin/boom"),
        500,
    ),
}


@pytest.mark.django_db
@pytest.mark.urls("vchata_social.tests.test_django_error_answers")
@pytest.mark.parametrize("case", ADMIN_CASES)
def test_the_admin_keeps_djangos_html_pages(case, staff_client):
    send, status = ADMIN_CASES[case]
    response = send(staff_client)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
