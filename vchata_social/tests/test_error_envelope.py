import pytest
from django.test import Client
from django.urls import path

from accounts.apis import SocialAccountListApi
from vchata_social.urls import urlpatterns as real_urlpatterns


class ExplodingListApi(SocialAccountListApi):
    def get(self, request):
        raise RuntimeError("database password is hunter2")


urlpatterns = [path("boom", ExplodingListApi.as_view()), *real_urlpatterns]
handler404 = "vchata_social.exceptions.not_found_view"
handler500 = "vchata_social.exceptions.server_error_view"


@pytest.mark.django_db
def test_unknown_path_is_404_in_the_envelope():
    response = Client().get("/no/such/path")
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "statusCode": 404,
        "message": "Resource not found",
        "error": "Not Found",
    }


@pytest.mark.django_db
def test_wrong_method_is_405_in_the_envelope(api):
    response = api.put("/social/connect", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {
        "success": False,
        "statusCode": 405,
        "message": 'Method "PUT" not allowed',
        "error": "Method Not Allowed",
    }


@pytest.mark.django_db
@pytest.mark.urls("vchata_social.tests.test_error_envelope")
def test_an_unhandled_error_is_500_without_a_trace(api, caplog):
    response = api.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "statusCode": 500,
        "message": "Internal server error",
        "error": "Internal Server Error",
    }
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "RuntimeError" in caplog.text  # the operators still see what happened


@pytest.mark.django_db
def test_wrong_content_type_is_415(api):
    response = api.post("/social/connect", "platform=FACEBOOK", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"] == "Unsupported Media Type"
