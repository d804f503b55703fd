import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from accounts.tests.clients import client_for
from accounts.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory


def sign_in(username: str, password: str = TEST_PASSWORD, **extra):
    return APIClient().post(
        "/auth/token", {"username": username, "password": password, **extra}, format="json"
    )


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
def test_sign_in_gives_tokens_for_the_first_organization(admin_membership):
    response = sign_in(admin_membership.user.username)
    assert response.status_code == 200
    tokens = response.json()["tokens"]
    assert tokens["organizationId"] == admin_membership.organization_id
    assert tokens["role"] == "admin"
    assert bearer(tokens["accessToken"]).get("/social/accounts").status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_401(admin_membership):
    response = sign_in(admin_membership.user.username, "wrong")
    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "statusCode": 401,
        "message": "Invalid username or password",
        "error": "Unauthorized",
    }


@pytest.mark.django_db
def test_sign_in_is_throttled(admin_membership, settings):
    for _ in range(20):
        sign_in(admin_membership.user.username, "wrong")
    response = sign_in(admin_membership.user.username)
    assert response.status_code == 429
    assert response.json()["error"] == "Too Many Requests"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_user_without_organization_cannot_sign_in():
    user = UserFactory()
    response = sign_in(user.username)
    assert response.status_code == 403
    assert response.json()["message"] == "Organization membership required"


@pytest.mark.django_db
def test_sign_in_to_an_organization_of_which_one_is_not_a_member_is_403(
    admin_membership, other_organization
):
    response = sign_in(admin_membership.user.username, organizationId=other_organization.pk)
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "statusCode": 403,
        "message": "Organization membership required",
        "error": "Forbidden",
    }


@pytest.mark.django_db
def test_refresh_gives_a_new_access_token(admin_membership):
    refresh = sign_in(admin_membership.user.username).json()["tokens"]["refreshToken"]
    response = APIClient().post("/auth/token/refresh", {"refreshToken": refresh}, format="json")
    assert response.status_code == 200
    assert (
        bearer(response.json()["tokens"]["accessToken"]).get("/social/accounts").status_code == 200
    )


@pytest.mark.django_db
def test_refresh_is_refused_after_the_membership_ends(admin_membership):
    refresh = sign_in(admin_membership.user.username).json()["tokens"]["refreshToken"]
    admin_membership.delete()
    response = APIClient().post("/auth/token/refresh", {"refreshToken": refresh}, format="json")
    assert response.json() == {
        "success": False,
        "statusCode": 403,
        "message": "Organization membership required",
        "error": "Forbidden",
    }


@pytest.mark.django_db
def test_an_access_token_is_no_refresh_token(admin_membership):
    access = sign_in(admin_membership.user.username).json()["tokens"]["accessToken"]
    response = APIClient().post("/auth/token/refresh", {"refreshToken": access}, format="json")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid or expired refresh token"


@pytest.mark.django_db
def test_refresh_with_garbage_is_401():
    response = APIClient().post("/auth/token/refresh", {"refreshToken": "abc"}, format="json")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid or expired refresh token"


@pytest.mark.django_db
def test_switch_organization(admin_membership, other_organization):
    MembershipFactory(user=admin_membership.user, organization=other_organization, role=Role.VIEWER)
    api = client_for(admin_membership)
    response = api.post(
        "/auth/switch-organization", {"organizationId": other_organization.pk}, format="json"
    )
    assert response.status_code == 200
    tokens = response.json()["tokens"]
    assert tokens == {**tokens, "organizationId": other_organization.pk, "role": "viewer"}
    switched = bearer(tokens["accessToken"])
    assert switched.post("/social/connect", {}, format="json").status_code == 403


@pytest.mark.django_db
def test_switch_to_an_organization_of_which_one_is_not_a_member_is_404(
    admin_membership, other_organization
):
    response = client_for(admin_membership).post(
        "/auth/switch-organization", {"organizationId": other_organization.pk}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_switching_to_a_foreign_organization_answers_not_found(
    admin_membership, other_organization
):
    response = client_for(admin_membership).post(
        "/auth/switch-organization", {"organizationId": other_organization.pk}, format="json"
    )
    assert response.json() == {
        "success": False,
        "statusCode": 404,
        "message": "Organization not found",
        "error": "Not Found",
    }


@pytest.mark.django_db
def test_sign_in_to_a_named_organization(admin_membership, other_organization):
    MembershipFactory(user=admin_membership.user, organization=other_organization)
    response = sign_in(admin_membership.user.username, organizationId=other_organization.pk)
    assert response.json()["tokens"]["organizationId"] == other_organization.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer " + "e" * 40],
)
def test_missing_or_malformed_tokens_are_401(authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.get("/social/accounts")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["error"] == "Unauthorized"
    assert body["success"] is False
    assert body["statusCode"] == 401


SOME_ACCOUNT = "social_0123456789abcdef"


@pytest.mark.django_db
def test_expired_token_is_401(admin_membership):
    api = client_for(admin_membership)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1)):
        response = api.get("/social/accounts")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid or expired access token"


@pytest.mark.django_db
def test_a_token_expires_though_its_process_validated_it_before(admin_membership):
    api = client_for(admin_membership)
    assert api.get("/social/accounts").status_code == 200
    assert api.get(f"/social/accounts/{SOME_ACCOUNT}/stats").status_code == 404

    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1)):
        listed = api.get("/social/accounts")
        stats = api.get(f"/social/accounts/{SOME_ACCOUNT}/stats")

    assert (listed.status_code, stats.status_code) == (401, 401)
    assert listed.json()["message"] == "Invalid or expired access token"


@pytest.mark.django_db
def test_wrongly_signed_token_is_401(admin_membership, settings):
    from rest_framework_simplejwt.tokens import AccessToken

    forged = AccessToken.for_user(admin_membership.user)
    forged["org"] = admin_membership.organization_id
    header, payload, _signature = str(forged).split(".")
    response = bearer(f"{header}.{payload}.{'A' * 43}").get("/social/accounts")
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_removed_member_is_refused_at_once(admin_membership):
    api = client_for(admin_membership)
    assert api.get("/social/accounts").status_code == 200
    Membership.objects.filter(pk=admin_membership.pk).delete()
    response = api.get("/social/accounts")
    assert response.status_code == 403
    assert response.json()["message"] == "Organization membership required"


@pytest.mark.django_db
def test_a_deactivated_user_is_refused(admin_membership):
    api = client_for(admin_membership)
    admin_membership.user.is_active = False
    admin_membership.user.save()
    assert api.get("/social/accounts").status_code == 403
