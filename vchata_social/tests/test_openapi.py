import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_schema_describes_the_envelopes():
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    connect = schema["paths"]["/social/connect"]["post"]
    assert "201" in connect["responses"]
    components = schema["components"]["schemas"]
    assert set(components["SocialAccountList"]["properties"]) == {
        "success",
        "socialAccounts",
        "total",
        "message",
    }
    assert "accessToken" in components["SocialAccountConnectRequest"]["properties"]
    assert "accessToken" not in components["SocialAccount"]["properties"]
    assert schema["paths"]["/social/accounts"]["get"]["security"]


@pytest.mark.django_db
def test_swagger_ui_is_served():
    assert Client().get("/api/docs/").status_code == 200


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
