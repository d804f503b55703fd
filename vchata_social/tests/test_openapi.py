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


def _schema() -> dict:
    return Client().get("/api/schema/?format=json", HTTP_X_FORWARDED_PROTO="https").json()


@pytest.mark.django_db
def test_fields_that_can_be_null_are_nullable():
    components = _schema()["components"]["schemas"]
    nullable = {
        "SocialAccount": ["lastSyncAt", "refreshTokenExpiresAt", "tokenExpiresAt"],
        "SocialAccountStats": ["lastPostDate"],
        "TokenValidation": ["expiresAt", "platformUserId"],
        "TokenInfo": ["refreshTokenExpiresAt"],
        "SocialPage": ["lastPostDate"],
        "SyncRun": ["finishedAt"],
    }
    for component, fields in nullable.items():
        for field in fields:
            assert components[component]["properties"][field].get("nullable"), (component, field)


@pytest.mark.django_db
def test_each_operation_lists_the_errors_it_can_answer():
    paths = _schema()["paths"]

    def statuses(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    assert {"409", "415"} <= statuses("/social/connect", "post")
    assert {"409", "502", "503"} <= statuses("/social/accounts/{account_id}/pages", "get")
    assert "429" in statuses("/auth/token", "post")
    assert "415" not in statuses("/social/accounts/{account_id}/validate-token", "post")
    assert "404" not in statuses("/social/accounts", "get")


@pytest.mark.django_db
def test_the_patch_answer_has_its_own_partial_schema():
    components = _schema()["components"]["schemas"]
    changes = components["SocialAccountChanges"]
    assert changes["required"] == ["id", "updatedAt"]
    assert "stats" not in changes["properties"]
    request = components["PatchedSocialAccountUpdateRequest"]
    assert (request["minProperties"], request["additionalProperties"]) == (1, False)
