"""GET /social/accounts/{id}/pages: the platform's pages, stored and answered in the spec's
shape; their tokens never leave the service."""

import pytest
from django.db import connection

from accounts.models import AccountStatus, SocialAccount, SocialPage
from accounts.platforms.tests.support import load_fixture

USER_INFO = "https://open.tiktokapis.com/v2/user/info/"


@pytest.mark.django_db
def test_pages_are_answered_in_the_spec_shape_and_stored(api, platforms, account_factory):
    account = account_factory(platform="TIKTOK")
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))

    response = api.get(f"/social/accounts/{account.pk}/pages")

    assert response.status_code == 200
    page = SocialPage.objects.get(social_account=account)
    assert response.json() == {
        "success": True,
        "pages": [
            {
                "id": page.pk,
                "name": "Acme Studio",
                "category": "Profile",
                "platformPageId": "723f24d7-e717-40f8-a2b6-cb8464cd23b4",
                "url": "https://vm.tiktok.com/ZMhvqjqjz/",
                "isActive": True,
                "followersCount": 5120,
                "lastPostDate": None,
            }
        ],
        "total": 1,
        "message": "Platform pages retrieved successfully",
    }
    assert page.id.startswith("page_")


@pytest.mark.django_db
def test_a_page_the_platform_no_longer_lists_is_kept_inactive(api, platforms, account_factory):
    account = account_factory(platform="TIKTOK")
    gone = SocialPage.objects.create(
        social_account=account, platform_page_id="old-profile", access_token="page-token"
    )
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))

    body = api.get(f"/social/accounts/{account.pk}/pages").json()

    assert [page["platformPageId"] for page in body["pages"]] == [
        "723f24d7-e717-40f8-a2b6-cb8464cd23b4"
    ]
    gone.refresh_from_db()
    assert (gone.is_active, gone.access_token) == (False, None)


@pytest.mark.django_db
def test_pages_of_an_account_waiting_for_reconnection_are_refused(api, platforms, account_factory):
    account = account_factory(platform="TIKTOK", status=AccountStatus.REAUTH_REQUIRED)

    response = api.get(f"/social/accounts/{account.pk}/pages")

    assert response.status_code == 409
    assert len(platforms.calls) == 0


@pytest.mark.django_db
def test_a_dead_token_while_listing_pages_sends_the_account_to_reauth(
    api, platforms, account_factory
):
    account = account_factory(platform="TIKTOK")
    platforms.get(USER_INFO, status=401, json=load_fixture("tiktok", "access_token_invalid"))

    response = api.get(f"/social/accounts/{account.pk}/pages")

    assert response.status_code == 409
    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.REAUTH_REQUIRED


@pytest.mark.django_db
def test_facebook_page_tokens_are_stored_encrypted_and_never_answered(
    api, platforms, account_factory
):
    account = account_factory(platform="FACEBOOK")
    me_accounts = "https://graph.facebook.com/v23.0/me/accounts"
    platforms.get(me_accounts, json=load_fixture("facebook", "accounts_first"))
    platforms.get(me_accounts, json=load_fixture("facebook", "accounts_last"))

    response = api.get(f"/social/accounts/{account.pk}/pages")

    assert response.status_code == 200
    assert response.json()["total"] == 3
    tokens = [page["access_token"] for page in load_fixture("facebook", "accounts_first")["data"]]
    assert all(token not in response.content.decode() for token in tokens)
    stored = SocialPage.objects.get(platform_page_id="104619372293045")
    assert stored.access_token == tokens[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM accounts_socialpage WHERE id = %s", [stored.pk])
        assert tokens[0].encode() not in bytes(cursor.fetchone()[0])
