import json
import re
from datetime import UTC, datetime

import pytest

from accounts.models import AccountStatus, AuditLog, SocialAccount
from accounts.platforms.tests.support import load_fixture

DEBUG_TOKEN_URL = "https://graph.facebook.com/v23.0/debug_token"
TIKTOK_USER_INFO_URL = "https://open.tiktokapis.com/v2/user/info/"


def validate(api, account):
    return api.post(f"/social/accounts/{account.pk}/validate-token")


@pytest.mark.django_db
def test_validate_stores_permissions_validity_and_expiry(api, platforms, account_factory):
    account = account_factory(platform="FACEBOOK", permissions=["old_scope"])
    platforms.get(
        re.compile(re.escape(DEBUG_TOKEN_URL)), json=load_fixture("facebook", "debug_token_valid")
    )

    response = validate(api, account)

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Token validated successfully"
    assert body["validation"] == {
        "isValid": True,
        "expiresAt": "2026-01-19T05:20:00Z",
        "permissions": ["pages_show_list", "pages_read_engagement", "email", "public_profile"],
        "platformUserId": "10215241773831025",
        "validatedAt": body["validation"]["validatedAt"],
    }
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.permissions == body["validation"]["permissions"]
    assert stored.token_is_valid is True
    assert stored.token_expires_at == datetime.fromtimestamp(1768800000, tz=UTC)
    assert stored.data_access_expires_at == datetime.fromtimestamp(1771400000, tz=UTC)
    shown = api.get(f"/social/accounts/{account.pk}").json()["socialAccount"]
    assert shown["dataAccessExpiresAt"] == "2026-02-18T07:33:20Z"
    validated_at = stored.token_validated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["validation"]["validatedAt"] == validated_at
    assert AuditLog.objects.filter(action="social_account.token_validate").count() == 1


@pytest.mark.django_db
def test_an_invalid_token_without_a_refresh_path_needs_reauth(api, platforms, account_factory):
    account = account_factory(platform="FACEBOOK")
    platforms.get(
        re.compile(re.escape(DEBUG_TOKEN_URL)), json=load_fixture("facebook", "debug_token_invalid")
    )

    response = validate(api, account)

    assert response.status_code == 200
    assert response.json()["validation"]["isValid"] is False
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.token_is_valid is False
    assert stored.status == AccountStatus.REAUTH_REQUIRED


@pytest.mark.django_db
def test_an_invalid_token_that_can_be_refreshed_does_not_need_reauth(
    api, platforms, account_factory
):
    account = account_factory(platform="TIKTOK", refresh_token="rft.still-good-token")
    platforms.get(
        re.compile(re.escape(TIKTOK_USER_INFO_URL)),
        status=401,
        json=load_fixture("tiktok", "access_token_invalid"),
    )

    assert validate(api, account).json()["validation"]["isValid"] is False

    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.ACTIVE


@pytest.mark.django_db
def test_a_missing_scope_is_403_with_the_platforms_reason(api, platforms, account_factory):
    account = account_factory(platform="TIKTOK")
    platforms.get(
        re.compile(re.escape(TIKTOK_USER_INFO_URL)),
        status=401,
        json=load_fixture("tiktok", "scope_not_authorized"),
    )

    response = validate(api, account)

    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "statusCode": 403,
        "message": "The platform refused the operation: The user did not authorize the scope "
        "required for completing this request.",
        "error": "Forbidden",
    }
    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.ACTIVE


@pytest.mark.django_db
def test_an_answer_about_a_token_refreshed_meanwhile_is_not_stored(api, platforms, account_factory):
    from django.utils import timezone

    account = account_factory(platform="FACEBOOK")

    def debug_token_while_a_refresh_lands(request):
        SocialAccount.objects.filter(pk=account.pk).update(token_refreshed_at=timezone.now())
        return 200, {}, json.dumps(load_fixture("facebook", "debug_token_invalid"))

    platforms.add_callback(
        "GET", re.compile(re.escape(DEBUG_TOKEN_URL)), callback=debug_token_while_a_refresh_lands
    )

    assert validate(api, account).json()["validation"]["isValid"] is False

    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.status == AccountStatus.ACTIVE
    assert stored.token_is_valid is None
    assert not AuditLog.objects.filter(action="social_account.token_validate").exists()
