"""Refreshing tokens through the API and the services, against documented platform answers."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AccountStatus, AuditLog, SocialAccount
from accounts.platforms.tests.support import REFRESH_CALLS, load_fixture
from accounts.services import SYSTEM, social_account_refresh_token
from accounts.tests.clients import client_for

TIKTOK_TOKEN_URL = REFRESH_CALLS["TIKTOK"][1]
GOOGLE_TOKEN_URL = REFRESH_CALLS["YOUTUBE"][1]


def refresh(api, account, body=None):
    return api.post(f"/social/accounts/{account.pk}/refresh-token", body or {}, format="json")


@pytest.fixture
def tiktok_account(account_factory):
    return account_factory(
        platform="TIKTOK",
        access_token="act.old-access-token-000000",
        refresh_token="rft.old-refresh-token-00000",
        token_expires_at=timezone.now() + timedelta(minutes=5),
    )


@pytest.mark.django_db
def test_refresh_stores_the_rotated_refresh_token(api, platforms, tiktok_account):
    success = load_fixture("tiktok", "refresh_success")
    platforms.post(TIKTOK_TOKEN_URL, json=success)

    response = refresh(api, tiktok_account)

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Access token refreshed successfully"
    info = body["tokenInfo"]
    assert list(info) == [
        "accessToken",
        "refreshToken",
        "expiresIn",
        "tokenType",
        "refreshedAt",
        "refreshTokenExpiresAt",
    ]
    assert info["accessToken"] == success["access_token"][:8] + "..."
    assert info["refreshToken"] == success["refresh_token"][:8] + "..."
    assert 86390 <= info["expiresIn"] <= 86400
    assert info["tokenType"] == "bearer"
    assert success["access_token"] not in response.content.decode()
    stored = SocialAccount.objects.get(pk=tiktok_account.pk)
    assert stored.access_token == success["access_token"]
    assert stored.refresh_token == success["refresh_token"]
    assert stored.refresh_token_expires_at > timezone.now() + timedelta(days=364)
    assert stored.permissions == ["user.info.basic", "user.info.stats", "video.list"]
    assert AuditLog.objects.filter(action="social_account.token_refresh").count() == 1


@pytest.mark.django_db
def test_a_refresh_without_a_new_refresh_token_keeps_the_stored_one(
    api, platforms, account_factory
):
    account = account_factory(platform="YOUTUBE", refresh_token="1//google-refresh-token-keep")
    platforms.post(GOOGLE_TOKEN_URL, json=load_fixture("youtube", "refresh_success"))

    assert refresh(api, account).status_code == 200

    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.refresh_token == "1//google-refresh-token-keep"
    assert stored.access_token == "ya29.a0AfH6SMBrefreshedAccessToken"


@pytest.mark.django_db
def test_a_refresh_token_from_the_body_is_used_and_kept(api, platforms, account_factory):
    account = account_factory(platform="YOUTUBE", refresh_token="1//stale-stored-token-xx")
    call = platforms.post(GOOGLE_TOKEN_URL, json=load_fixture("youtube", "refresh_success"))

    assert refresh(api, account, {"refreshToken": "1//fresh-from-the-client"}).status_code == 200

    assert "refresh_token=1%2F%2Ffresh-from-the-client" in call.calls[0].request.body
    assert SocialAccount.objects.get(pk=account.pk).refresh_token == "1//fresh-from-the-client"


@pytest.mark.django_db
def test_an_invalid_grant_marks_the_account_for_reauth(api, platforms, tiktok_account):
    answer = platforms.post(
        TIKTOK_TOKEN_URL, status=400, json=load_fixture("tiktok", "invalid_grant")
    )

    response = refresh(api, tiktok_account)

    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"
    stored = SocialAccount.objects.get(pk=tiktok_account.pk)
    assert stored.status == AccountStatus.REAUTH_REQUIRED
    assert stored.refresh_token == "rft.old-refresh-token-00000"  # kept for the record
    assert AuditLog.objects.filter(action="social_account.reauth_required").count() == 1
    listed = api.get("/social/accounts?status=REAUTH_REQUIRED").json()
    assert [account["id"] for account in listed["socialAccounts"]] == [tiktok_account.pk]
    # No further call to the platform: the stored token is known dead.
    assert refresh(api, tiktok_account).status_code == 409
    assert answer.call_count == 1


@pytest.mark.django_db
def test_a_refresh_stored_after_the_request_means_no_further_call(platforms, tiktok_account):
    """A caller that waited on the row lock while a sibling refreshed finds a refresh stored
    after it asked: it keeps what the sibling stored. One asked later still refreshes."""
    asked_at = timezone.now()
    SocialAccount.objects.filter(pk=tiktok_account.pk).update(
        token_refreshed_at=asked_at + timedelta(seconds=1)
    )
    answer = platforms.post(TIKTOK_TOKEN_URL, json=load_fixture("tiktok", "refresh_success"))

    with time_machine.travel(asked_at, tick=False):
        waited = social_account_refresh_token(
            organization=tiktok_account.organization, account_id=tiktok_account.pk, actor=SYSTEM
        )

    assert answer.call_count == 0
    assert waited.refreshed is False
    assert waited.account.refresh_token == "rft.old-refresh-token-00000"

    with time_machine.travel(asked_at + timedelta(seconds=2), tick=False):
        later = social_account_refresh_token(
            organization=tiktok_account.organization, account_id=tiktok_account.pk, actor=SYSTEM
        )

    assert answer.call_count == 1
    assert later.refreshed is True


@pytest.mark.django_db
def test_only_the_schedule_waits_for_the_lead_time(platforms, account_factory):
    # TikTok's lead is an hour: a token good for a day is not due.
    account = account_factory(
        platform="TIKTOK", token_expires_at=timezone.now() + timedelta(days=1)
    )
    answer = platforms.post(TIKTOK_TOKEN_URL, json=load_fixture("tiktok", "refresh_success"))

    scheduled = social_account_refresh_token(
        organization=None, account_id=account.pk, actor=SYSTEM, only_if_due=True
    )

    assert answer.call_count == 0
    assert scheduled.refreshed is False

    asked = social_account_refresh_token(
        organization=account.organization, account_id=account.pk, actor=SYSTEM
    )

    assert answer.call_count == 1
    assert asked.refreshed is True


@pytest.mark.django_db
def test_a_rejected_body_token_says_nothing_of_the_stored_one(api, platforms, tiktok_account):
    platforms.post(TIKTOK_TOKEN_URL, status=400, json=load_fixture("tiktok", "invalid_grant"))

    assert refresh(api, tiktok_account, {"refreshToken": "rft.some-old-token"}).status_code == 409

    assert SocialAccount.objects.get(pk=tiktok_account.pk).status == AccountStatus.ACTIVE


@pytest.mark.django_db
def test_a_good_body_token_clears_reauth(api, platforms, tiktok_account):
    SocialAccount.objects.filter(pk=tiktok_account.pk).update(status=AccountStatus.REAUTH_REQUIRED)
    platforms.post(TIKTOK_TOKEN_URL, json=load_fixture("tiktok", "refresh_success"))

    assert refresh(api, tiktok_account, {"refreshToken": "rft.newly-granted"}).status_code == 200

    assert SocialAccount.objects.get(pk=tiktok_account.pk).status == AccountStatus.ACTIVE


@pytest.mark.django_db
def test_a_platform_outage_is_502_and_never_reauth(api, platforms, tiktok_account, settings):
    settings.PLATFORM_HTTP_MAX_RETRIES = 2
    for _ in range(3):
        platforms.post(TIKTOK_TOKEN_URL, status=503, body="upstream down")

    response = refresh(api, tiktok_account)

    assert response.status_code == 502
    assert response.json() == {
        "success": False,
        "statusCode": 502,
        "message": "Social media platform temporarily unavailable",
        "error": "Bad Gateway",
    }
    stored = SocialAccount.objects.get(pk=tiktok_account.pk)
    assert stored.status == AccountStatus.ACTIVE
    assert stored.token_refresh_failures == 1
    assert stored.refresh_token == "rft.old-refresh-token-00000"


@pytest.mark.django_db
def test_refresh_checks_the_body(api, tiktok_account):
    response = refresh(api, tiktok_account, {"refreshToken": "has a space"})
    assert response.status_code == 400
    assert response.json()["message"] == ["refreshToken must be a valid token"]


@pytest.mark.django_db
def test_token_endpoints_hide_other_organizations_accounts(api, other_organization):
    from accounts.tests.factories import SocialAccountFactory

    foreign = SocialAccountFactory(organization=other_organization)
    for action in ("refresh-token", "validate-token"):
        response = api.post(f"/social/accounts/{foreign.pk}/{action}", {}, format="json")
        assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer", "member"])
def test_readers_may_not_refresh_or_validate(role, membership_with_role, tiktok_account):
    client = client_for(membership_with_role(role))
    for action in ("refresh-token", "validate-token"):
        response = client.post(f"/social/accounts/{tiktok_account.pk}/{action}", {}, format="json")
        assert response.status_code == 403


# The documented answer of each platform to a refresh with a dead token or refresh token.
DEAD_TOKEN_ANSWERS = {
    "FACEBOOK": ("token_expired", 400),
    "INSTAGRAM": ("token_expired", 400),
    "TIKTOK": ("invalid_grant", 400),
    "TWITTER": ("invalid_refresh_token", 400),
    "LINKEDIN": ("invalid_grant", 400),
    "YOUTUBE": ("invalid_grant", 400),
}


@pytest.mark.django_db
@pytest.mark.parametrize("platform", list(DEAD_TOKEN_ANSWERS))
def test_every_platform_refreshes_through_the_api(api, platforms, account_factory, platform):
    account = account_factory(platform=platform, refresh_token="stored-refresh-token-0000")
    success = load_fixture(platform, "refresh_success")
    method, url = REFRESH_CALLS[platform]
    platforms.add(method, url, json=success)

    assert refresh(api, account).status_code == 200

    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.access_token == success["access_token"]
    assert stored.refresh_token == success.get("refresh_token", "stored-refresh-token-0000")
    assert stored.token_expires_at > timezone.now() + timedelta(seconds=success["expires_in"] - 60)
    assert stored.status == AccountStatus.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize("platform", list(DEAD_TOKEN_ANSWERS))
def test_every_platforms_dead_token_requires_reauth(api, platforms, account_factory, platform):
    account = account_factory(platform=platform)
    case, status = DEAD_TOKEN_ANSWERS[platform]
    method, url = REFRESH_CALLS[platform]
    platforms.add(method, url, status=status, json=load_fixture(platform, case))

    assert refresh(api, account).status_code == 409

    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.REAUTH_REQUIRED


@pytest.mark.django_db
def test_an_exhausted_call_budget_is_502_with_retry_after(api, platforms, tiktok_account, settings):
    settings.PLATFORM_RATE_LIMIT_PER_MINUTE = 0

    response = refresh(api, tiktok_account)

    assert response.status_code == 502
    assert response.json()["message"] == "Social media platform rate limit reached; try again later"
    assert 1 <= int(response["Retry-After"]) <= 61
    assert SocialAccount.objects.get(pk=tiktok_account.pk).status == AccountStatus.ACTIVE


@pytest.mark.django_db
def test_a_refresh_shows_in_the_account_list_at_once(api, platforms, tiktok_account):
    def listed_expiry():
        return api.get("/social/accounts").json()["socialAccounts"][0]["tokenExpiresAt"]

    before = listed_expiry()
    assert listed_expiry() == before  # now from the cache
    platforms.post(TIKTOK_TOKEN_URL, json=load_fixture("tiktok", "refresh_success"))

    assert refresh(api, tiktok_account).status_code == 200

    stored = SocialAccount.objects.get(pk=tiktok_account.pk).token_expires_at
    assert listed_expiry() == stored.strftime("%Y-%m-%dT%H:%M:%SZ") != before
