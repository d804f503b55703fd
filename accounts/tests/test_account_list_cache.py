"""The account list's cached pages: one query a request, never a page that misses a write,
never another organization's accounts, and the membership checked on every request."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.authentication import OrganizationAccessJWTAuthentication, tokens_for_membership
from accounts.models import Platform, Role, SocialAccount
from accounts.services import (
    SYSTEM,
    social_account_connect,
    social_account_disconnect,
    social_account_mark_reauth_required,
    social_account_update,
)
from accounts.tests.clients import client_for
from accounts.tests.test_account_list_bytes import LIST_PATH, assert_same_answer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accounts.tests.list_reference")]


@pytest.fixture
def cached_list(api, account_factory, django_assert_num_queries):
    """Two accounts, and the list's page of them cached: served in one query."""
    accounts = [account_factory(platform=Platform.TIKTOK), account_factory()]
    before = api.get(LIST_PATH).content
    with django_assert_num_queries(1):
        assert api.get(LIST_PATH).content == before
    return accounts, before


def test_a_page_costs_two_queries_then_one_and_a_page_past_the_end_three(
    api, account_factory, django_assert_num_queries
):
    for _ in range(3):
        account_factory()
    with django_assert_num_queries(2):  # the membership, the page with its total
        assert api.get(LIST_PATH).json()["total"] == 3
    with django_assert_num_queries(1):
        assert api.get(LIST_PATH).json()["total"] == 3
    with django_assert_num_queries(3):  # no row to carry the total: it is counted alone
        assert api.get(f"{LIST_PATH}?offset=5").json()["total"] == 3


def _connect(organization, accounts):
    social_account_connect(
        organization=organization,
        actor=SYSTEM,
        platform=Platform.YOUTUBE,
        platform_user_id="UC-new-channel",
        access_token="ya29.new-access-token",
        refresh_token=None,
        expires_in=3600,
    )


def _update(organization, accounts):
    social_account_update(
        account=accounts[0], actor=SYSTEM, changes={"platform_user_name": "Renamed"}
    )


def _disconnect(organization, accounts):
    social_account_disconnect(organization=organization, account_id=accounts[0].pk, actor=SYSTEM)


def _status_change(organization, accounts):
    # What a refresh, a validation, a sync or a deauthorization webhook do to a dead token.
    social_account_mark_reauth_required(account_id=accounts[1].pk, actor=SYSTEM, reason="revoked")


def _stats_written_without_save(organization, accounts):
    # As a sync writes its summary: one UPDATE, no save(), no signal.
    SocialAccount.objects.filter(pk=accounts[0].pk).update(stats_total_posts=12)


def _sql_outside_django(organization, accounts):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_socialaccount SET is_active = false WHERE id = %s", [accounts[1].pk]
        )


def _delete(organization, accounts):
    accounts[0].delete()


@pytest.mark.parametrize(
    "write",
    [
        _connect,
        _update,
        _disconnect,
        _status_change,
        _stats_written_without_save,
        _sql_outside_django,
        _delete,
    ],
)
def test_a_write_by_any_path_shows_in_the_next_answer(api, organization, cached_list, write):
    accounts, before = cached_list
    write(organization, accounts)
    after = assert_same_answer(api)
    assert after != before


def test_a_write_to_another_organization_keeps_the_page_cached(
    api, other_organization, cached_list, account_factory, django_assert_num_queries
):
    _accounts, before = cached_list
    account_factory(organization=other_organization)
    with django_assert_num_queries(1):
        assert api.get(LIST_PATH).content == before


def test_each_organization_lists_only_its_own_accounts(
    api, organization, other_organization, account_factory, membership_with_role
):
    ours = {account_factory().pk for _ in range(2)}
    theirs = {account_factory(organization=other_organization).pk for _ in range(3)}
    other_api = client_for(membership_with_role(Role.VIEWER, org=other_organization))
    for _computed_then_cached in range(2):
        assert {a["id"] for a in api.get(LIST_PATH).json()["socialAccounts"]} == ours
        other = other_api.get(LIST_PATH).json()
        assert {a["id"] for a in other["socialAccounts"]} == theirs
        assert other["total"] == 3


def test_new_logins_coming_soon_follow_the_clock_not_the_cache(api, account_factory, settings):
    settings.REAUTH_WARNING_DAYS = 7
    account = account_factory(refresh_token_expires_at=timezone.now() + timedelta(days=8))
    assert api.get(f"{LIST_PATH}?status=REAUTH_SOON").json()["total"] == 0
    settings.REAUTH_WARNING_DAYS = 9  # as if two days went by, without any write
    body = api.get(f"{LIST_PATH}?status=REAUTH_SOON").json()
    assert [a["id"] for a in body["socialAccounts"]] == [account.pk]


def test_a_removed_member_is_refused_at_once_though_the_page_is_cached(
    membership_with_role, account_factory
):
    membership = membership_with_role(Role.VIEWER)
    viewer = client_for(membership)
    account_factory()
    assert viewer.get(LIST_PATH).status_code == 200
    assert viewer.get(LIST_PATH).status_code == 200  # from the cache
    membership.delete()
    response = viewer.get(LIST_PATH)
    assert response.status_code == 403
    assert response.json()["message"] == "Organization membership required"


def test_a_deactivated_user_is_refused_at_once(membership_with_role, account_factory):
    membership = membership_with_role(Role.VIEWER)
    viewer = client_for(membership)
    account_factory()
    assert viewer.get(LIST_PATH).status_code == 200
    get_user_model().objects.filter(pk=membership.user_id).update(is_active=False)
    assert viewer.get(LIST_PATH).status_code == 403


def test_a_role_change_takes_effect_on_the_next_request(membership_with_role):
    membership = membership_with_role(Role.ADMIN)
    token = tokens_for_membership(membership)["accessToken"]

    def access():
        request = APIRequestFactory().get(LIST_PATH, HTTP_AUTHORIZATION=f"Bearer {token}")
        _user, granted = OrganizationAccessJWTAuthentication().authenticate(Request(request))
        return granted

    assert access().can_write
    membership.role = Role.VIEWER
    membership.save()
    assert access().role == Role.VIEWER
    assert not access().can_write


def test_the_user_is_loaded_only_when_asked_for(membership_with_role, django_assert_num_queries):
    membership = membership_with_role(Role.VIEWER)
    token = tokens_for_membership(membership)["accessToken"]
    request = APIRequestFactory().get(LIST_PATH, HTTP_AUTHORIZATION=f"Bearer {token}")
    with django_assert_num_queries(1):
        user, _access = OrganizationAccessJWTAuthentication().authenticate(Request(request))
    with django_assert_num_queries(1):
        assert user.pk == membership.user_id


def _place(account) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM accounts_socialaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM accounts_socialaccount")


@pytest.mark.django_db(transaction=True)
def test_a_row_written_back_to_its_old_place_is_still_a_new_version(api, account_factory):
    """PostgreSQL may put a row's new version where an old one was, once VACUUM freed it:
    the transaction that wrote it tells the two apart."""
    _vacuum()  # the row versions earlier tests left behind
    account = account_factory(platform=Platform.FACEBOOK)
    first_place = _place(account)
    assert_same_answer(api)  # cached
    # platform is indexed, so each change writes the row anew (no HOT update)
    SocialAccount.objects.filter(pk=account.pk).update(platform=Platform.TIKTOK)
    _vacuum()
    SocialAccount.objects.filter(pk=account.pk).update(platform=Platform.YOUTUBE)
    assert _place(account) == first_place

    assert b'"platform":"YOUTUBE"' in assert_same_answer(api)
