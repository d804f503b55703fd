"""Who may do what: the role matrix, and the wall between organizations."""

import pytest

from accounts.models import Role, SocialAccount
from accounts.tests.clients import client_for
from accounts.tests.factories import SocialAccountFactory

CONNECT_BODY = {"platform": "TIKTOK", "accessToken": "act.token", "platformUserId": "u-1"}


def calls(account_id: str):
    """Every account endpoint as (method, path, body, is_write)."""
    return [
        ("get", "/social/accounts", None, False),
        ("get", f"/social/accounts/{account_id}", None, False),
        ("post", "/social/connect", CONNECT_BODY, True),
        ("patch", f"/social/accounts/{account_id}", {"platformUserName": "New"}, True),
        ("delete", f"/social/accounts/{account_id}", None, True),
    ]


def call(client, method, path, body):
    return (
        getattr(client, method)(path, body, format="json")
        if body
        else getattr(client, method)(path)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER])
def test_role_matrix(role, membership_with_role, account_factory):
    client = client_for(membership_with_role(role))
    may_write = role in (Role.ADMIN, Role.OWNER)
    for method, path, body, is_write in calls(account_factory().pk):
        response = call(client, method, path, body)
        if is_write and not may_write:
            assert response.status_code == 403, (method, path)
            assert response.json() == {
                "success": False,
                "statusCode": 403,
                "message": "Insufficient permissions for this operation",
                "error": "Forbidden",
            }
        else:
            assert response.status_code in (200, 201), (method, path, response.content)


@pytest.mark.django_db
def test_another_organizations_account_is_404_on_every_endpoint(api, other_organization):
    foreign = SocialAccountFactory(organization=other_organization, platform_user_name="Theirs")
    for method, path, body, _ in calls(foreign.pk):
        if path in ("/social/accounts", "/social/connect"):
            continue
        response = call(api, method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json() == {
            "success": False,
            "statusCode": 404,
            "message": "Social account not found",
            "error": "Not Found",
        }
    listed = api.get("/social/accounts").json()
    assert listed["total"] == 0
    assert "Theirs" not in str(listed)
    foreign.refresh_from_db()
    assert foreign.platform_user_name == "Theirs"
    assert SocialAccount.objects.connected().filter(pk=foreign.pk).exists()


@pytest.mark.django_db
def test_an_unknown_id_and_a_foreign_id_answer_alike(api, other_organization):
    foreign = SocialAccountFactory(organization=other_organization)
    unknown = api.get("/social/accounts/social_doesnotexist000")
    assert api.get(f"/social/accounts/{foreign.pk}").json() == unknown.json()
