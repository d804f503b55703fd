import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AccountStatus, AuditLog, Role, SocialAccount
from accounts.tests.clients import client_for

SPEC_CONNECT_BODY = {
    "platform": "FACEBOOK",
    "accessToken": "EAABwzLixnjYBO-secret-access",
    "refreshToken": "EAAK-secret-refresh",
    "expiresIn": 3600,
    "platformUserId": "123456789",
    "platformUserName": "Acme Corp Facebook",
    "permissions": ["pages_manage_posts", "pages_read_engagement"],
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ACCOUNT_KEYS = [
    "id",
    "organizationId",
    "platform",
    "platformUserId",
    "platformUserName",
    "platformUserEmail",
    "permissions",
    "isActive",
    "status",
    "tokenExpiresAt",
    "refreshTokenExpiresAt",
    "dataAccessExpiresAt",
    "lastSyncAt",
    "createdAt",
    "updatedAt",
]


def connect(api, **overrides):
    return api.post("/social/connect", {**SPEC_CONNECT_BODY, **overrides}, format="json")


@pytest.mark.django_db
def test_connect_answers_the_spec_shape(api, organization):
    response = connect(api, platformUserEmail="acme@facebook.com")

    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["success", "socialAccount", "message"]
    assert body["success"] is True
    assert body["message"] == "Social account connected successfully"
    account = body["socialAccount"]
    assert list(account) == ACCOUNT_KEYS
    assert account["id"].startswith("social_")
    assert account["organizationId"] == organization.pk
    assert account["platform"] == "FACEBOOK"
    assert account["platformUserId"] == "123456789"
    assert account["platformUserEmail"] == "acme@facebook.com"
    assert account["permissions"] == ["pages_manage_posts", "pages_read_engagement"]
    assert account["isActive"] is True
    assert ISO_UTC.match(account["createdAt"])


@pytest.mark.django_db
def test_connect_stores_an_absolute_expiry(api):
    response = connect(api)
    stored = SocialAccount.objects.get(pk=response.json()["socialAccount"]["id"])
    remaining = (stored.token_expires_at - stored.created_at).total_seconds()
    assert 3590 <= remaining <= 3610


@pytest.mark.django_db
def test_connecting_the_same_platform_user_twice_conflicts(api):
    assert connect(api).status_code == 201
    response = connect(api)
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "statusCode": 409,
        "message": "Social account already connected",
        "error": "Conflict",
    }


@pytest.mark.django_db
def test_same_platform_user_may_join_another_organization(
    api, other_organization, membership_with_role
):
    assert connect(api).status_code == 201
    other_admin = client_for(membership_with_role(Role.ADMIN, org=other_organization))
    assert connect(other_admin).status_code == 201


@pytest.mark.django_db
def test_a_disconnected_account_can_be_connected_again(api):
    first = connect(api).json()["socialAccount"]["id"]
    assert api.delete(f"/social/accounts/{first}").status_code == 200
    again = connect(api)
    assert again.status_code == 201
    assert again.json()["socialAccount"]["id"] != first


@pytest.mark.django_db
def test_connect_validation_messages_read_like_the_spec(api):
    response = api.post("/social/connect", {"accessToken": "has spaces in it"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["statusCode"] == 400
    assert sorted(body["message"]) == sorted(
        ["platform is required", "accessToken must be a valid token", "platformUserId is required"]
    )


@pytest.mark.django_db
def test_unknown_platform_lists_the_supported_ones(api):
    response = connect(api, platform="MYSPACE")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "platform must be one of FACEBOOK, INSTAGRAM, TIKTOK, TWITTER, LINKEDIN, YOUTUBE"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expiresIn": "soon"}, "expiresIn a valid integer is required"),
        ({"expiresIn": -5}, "expiresIn ensure this value is greater than or equal to 1"),
        ({"permissions": "pages_manage_posts"}, "permissions must be a list"),
        ({"permissions": [{"a": 1}]}, "permissions.0 not a valid string"),
        ({"platformUserId": ["1"]}, "platformUserId not a valid string"),
        ({"platformUserId": None}, "platformUserId must not be null"),
        ({"accessToken": ""}, "accessToken must be a valid token"),
        ({"platformUserEmail": "not-an-email"}, "platformUserEmail enter a valid email address"),
    ],
)
def test_wrong_types_are_400_never_500(api, overrides, message):
    response = connect(api, **overrides)
    assert response.status_code == 400
    assert response.json()["message"] == [message]


@pytest.mark.django_db
def test_a_numeric_platform_user_id_is_taken_as_text(api):
    response = connect(api, platformUserId=123456789)
    assert response.status_code == 201
    assert response.json()["socialAccount"]["platformUserId"] == "123456789"


@pytest.mark.django_db
def test_malformed_json_is_400(api):
    response = api.generic(
        "POST", "/social/connect", '{"platform": "FACEBOOK",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "statusCode": 400,
        "message": "Request body is not valid JSON",
        "error": "Bad Request",
    }


@pytest.mark.django_db
def test_a_json_array_body_is_400(api):
    response = api.post("/social/connect", [1, 2], format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_oversize_body_is_400(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = connect(api, platformUserName="x" * 4096)
    assert response.status_code == 400
    assert response.json()["message"] == "Request body is too large"
    assert SocialAccount.objects.count() == 0


@pytest.mark.django_db
def test_list_filters_and_counts(api, account_factory):
    account_factory(platform="FACEBOOK")
    account_factory(platform="FACEBOOK", is_active=False)
    account_factory(platform="TIKTOK")

    body = api.get("/social/accounts?platform=FACEBOOK&isActive=true").json()

    assert body["success"] is True
    assert body["total"] == 1
    assert body["message"] == "Social accounts retrieved successfully"
    assert list(body) == ["success", "socialAccounts", "total", "message"]
    account = body["socialAccounts"][0]
    assert list(account) == [*ACCOUNT_KEYS[:-2], "stats", "createdAt", "updatedAt"]
    assert account["stats"] == {
        "totalPosts": 0,
        "totalFollowers": 0,
        "totalEngagement": 0,
        "lastPostDate": None,
    }
    assert api.get("/social/accounts").json()["total"] == 3
    assert api.get("/social/accounts?isActive=false").json()["total"] == 1


@pytest.mark.django_db
def test_list_paginates_with_the_full_total(api, account_factory):
    for _ in range(5):
        account_factory()
    body = api.get("/social/accounts?limit=2&offset=4").json()
    assert body["total"] == 5
    assert len(body["socialAccounts"]) == 1


@pytest.mark.django_db
def test_list_finds_active_accounts_that_need_a_new_login_soon(api, account_factory, settings):
    settings.REAUTH_WARNING_DAYS = 7
    now = timezone.now()
    data_access_ending = account_factory(data_access_expires_at=now + timedelta(days=6))
    refresh_token_dying = account_factory(refresh_token_expires_at=now + timedelta(days=2))
    account_factory(
        data_access_expires_at=now + timedelta(days=8),
        refresh_token_expires_at=now + timedelta(days=300),
    )
    account_factory(
        data_access_expires_at=now + timedelta(days=1), status=AccountStatus.REAUTH_REQUIRED
    )

    body = api.get("/social/accounts?status=REAUTH_SOON").json()

    assert sorted(account["id"] for account in body["socialAccounts"]) == sorted(
        [data_access_ending.pk, refresh_token_dying.pk]
    )
    assert body["total"] == 2


@pytest.mark.django_db
def test_list_rejects_an_unknown_status_filter(api):
    response = api.get("/social/accounts?status=SLEEPING")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "status must be one of ACTIVE, REAUTH_REQUIRED, REAUTH_SOON"
    ]


@pytest.mark.django_db
def test_list_rejects_an_unknown_platform_filter(api):
    response = api.get("/social/accounts?platform=ORKUT")
    assert response.status_code == 400
    assert response.json()["message"] == [
        "platform must be one of FACEBOOK, INSTAGRAM, TIKTOK, TWITTER, LINKEDIN, YOUTUBE"
    ]


@pytest.mark.django_db
def test_listing_1_or_50_accounts_costs_the_same_queries(
    api, account_factory, django_assert_max_num_queries, django_assert_num_queries
):
    account_factory()
    with django_assert_max_num_queries(3) as one:
        assert api.get("/social/accounts").json()["total"] == 1
    for _ in range(49):
        account_factory()
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get("/social/accounts").json()["socialAccounts"]) == 50


@pytest.mark.django_db
def test_list_never_reads_the_encrypted_columns(
    api, account_factory, django_assert_max_num_queries
):
    account_factory()
    with django_assert_max_num_queries(3) as captured:
        api.get("/social/accounts")
    account_query = next(
        q["sql"]
        for q in captured.captured_queries
        if "accounts_socialaccount" in q["sql"] and "LIMIT" in q["sql"]
    )
    for column in SocialAccount.SECRET_FIELDS:
        assert f'"accounts_socialaccount"."{column}"' not in account_query


@pytest.mark.django_db
def test_detail_update_and_disconnect(api, account_factory):
    account = account_factory(platform_user_name="Old name")
    url = f"/social/accounts/{account.pk}"

    detail = api.get(url).json()
    assert detail["socialAccount"]["platformUserName"] == "Old name"

    patch = api.patch(
        url,
        {
            "platformUserName": "Updated Acme Corp Facebook",
            "permissions": ["pages_manage_posts", "pages_read_engagement", "pages_show_list"],
        },
        format="json",
    )
    assert patch.status_code == 200
    body = patch.json()
    assert body["message"] == "Social account updated successfully"
    assert list(body["socialAccount"]) == ["id", "platformUserName", "permissions", "updatedAt"]
    assert body["socialAccount"]["platformUserName"] == "Updated Acme Corp Facebook"

    deleted = api.delete(url)
    assert deleted.json() == {
        "success": True,
        "message": "Social account disconnected successfully",
    }
    assert api.get(url).status_code == 404
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.access_token == "" and stored.refresh_token is None
    assert [log.action for log in AuditLog.objects.order_by("created_at")] == [
        "social_account.update",
        "social_account.disconnect",
    ]


@pytest.mark.django_db
def test_patch_refuses_fields_that_cannot_change(api, account_factory):
    account = account_factory()
    response = api.patch(
        f"/social/accounts/{account.pk}", {"platform": "TIKTOK", "accessToken": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == [
        "accessToken cannot be updated",
        "platform cannot be updated",
    ]
    assert api.patch(f"/social/accounts/{account.pk}", {}, format="json").status_code == 400


@pytest.mark.django_db
def test_connect_is_audited_with_actor_and_ip(api, admin_membership):
    account_id = connect(api, platformUserId="42").json()["socialAccount"]["id"]
    log = AuditLog.objects.get(action="social_account.connect")
    assert log.target_id == account_id
    assert log.actor == admin_membership.user
    assert log.organization_id == admin_membership.organization_id
    assert log.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_a_failed_write_leaves_nothing_behind(api):
    connect(api, platform="NOPE")
    assert SocialAccount.objects.count() == 0
    assert AuditLog.objects.count() == 0


@pytest.mark.django_db
def test_tokens_are_encrypted_at_rest(api):
    connect(api)
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM accounts_socialaccount")
        access, refresh = cursor.fetchone()
    raw = bytes(access) + bytes(refresh)
    assert b"secret-access" not in raw
    assert b"secret-refresh" not in raw
    stored = SocialAccount.objects.get()
    assert stored.access_token == SPEC_CONNECT_BODY["accessToken"]
    assert stored.refresh_token == SPEC_CONNECT_BODY["refreshToken"]


@pytest.mark.django_db
def test_tokens_never_appear_in_responses_or_logs(api, caplog):
    caplog.set_level("DEBUG")
    created = connect(api)
    account_id = created.json()["socialAccount"]["id"]
    responses = [
        created,
        api.get("/social/accounts"),
        api.get(f"/social/accounts/{account_id}"),
        api.patch(f"/social/accounts/{account_id}", {"isActive": False}, format="json"),
        connect(api),
    ]
    for secret in ("secret-access", "secret-refresh"):
        for response in responses:
            assert secret not in response.content.decode()
        assert secret not in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw_body",
    ["null", '"text"', '{"platform": "FACEBOOK", "platformUserId": "a\\u0000b"}', "{}"],
)
def test_odd_json_bodies_are_400(api, raw_body):
    response = api.generic("POST", "/social/connect", raw_body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert SocialAccount.objects.count() == 0


@pytest.mark.django_db
def test_an_absurdly_long_id_is_just_not_found(api):
    assert api.get(f"/social/accounts/social_{'x' * 5000}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_refresh_token_on_connect_means_none(api, empty):
    # Facebook and Instagram have no refresh token; front ends send "" or null for it.
    response = connect(api, refreshToken=empty)

    assert response.status_code == 201
    assert SocialAccount.objects.get().refresh_token is None


def test_permissions_must_be_strings(api, account_factory):
    account = account_factory()

    response = api.patch(
        f"/social/accounts/{account.pk}", {"permissions": ["pages_show_list", 7]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["message"] == ["permissions.1 not a valid string"]
