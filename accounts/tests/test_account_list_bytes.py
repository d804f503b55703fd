"""The account list answers byte for byte what the DRF serializer path answered
(accounts/tests/list_reference.py), over filters, pages, odd values and errors."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import JSONField, Value
from django.utils import timezone

from accounts.models import AccountStatus, Platform, Role
from accounts.tests.clients import client_for
from accounts.tests.list_reference import REFERENCE_LIST_PATH

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accounts.tests.list_reference")]

LIST_PATH = "/social/accounts"
ODD_TEXT = "quote \" backslash \\ slash / tab \t nl \n \x01\x1f\x7f \u2028 \u2029 é 漢 😀 <>&'"
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1

QUERIES = [
    "",
    "platform=FACEBOOK",
    "platform=TIKTOK&isActive=true",
    "isActive=false",
    "isActive=0",
    "isActive=1",
    "isActive=True",
    "isActive=null",
    "isActive=",
    "isActive=maybe",
    "status=ACTIVE",
    "status=REAUTH_REQUIRED",
    "status=REAUTH_SOON",
    "status=REAUTH_SOON&platform=LINKEDIN",
    "status=SLEEPING",
    "platform=ORKUT",
    "platform=facebook",
    "platform=",
    "platform=FACEBOOK&platform=YOUTUBE",
    "limit=2",
    "limit=2&offset=3",
    "limit=3&offset=9",
    "offset=9",
    "offset=10",
    "offset=1000",
    f"offset={10**30}",
    f"limit={10**30}",
    "limit=0",
    "limit=-1",
    "limit=abc",
    "limit=200",
    "limit=201",
    "offset=-4",
    "offset=abc",
    "limit=&offset=",
    "limit=1&offset=1&platform=INSTAGRAM&isActive=true&status=ACTIVE",
    "platform=YOUTUBE",
    "format=json",
    "format=api",
    "unknown=1",
]


def odd_accounts(organization, account_factory):
    """Ten accounts whose values reach every edge the representation has."""
    now = timezone.now()
    stamp = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    account_factory(
        platform=Platform.FACEBOOK,
        platform_user_name=ODD_TEXT,
        platform_user_email="",
        permissions=[],
        stats_total_posts=INTEGER_MAX,
        stats_total_followers=BIGINT_MAX,
        stats_total_engagement=BIGINT_MAX,
        stats_last_post_date=stamp,
        last_sync_at=stamp,
        token_expires_at=datetime(1, 1, 1, tzinfo=UTC),
        data_access_expires_at=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    )
    account_factory(
        platform=Platform.TIKTOK,
        platform_user_id=ODD_TEXT,
        platform_user_email="someone@example.com",
        permissions=[ODD_TEXT, 7, None, 1.5, True, ["nested"], {"key": "value"}],
        refresh_token_expires_at=now + timedelta(days=2),
    )
    account_factory(platform=Platform.TIKTOK, is_active=False, permissions="a string")
    account_factory(platform=Platform.INSTAGRAM, permissions={"scope": True})
    json_null = Value(None, JSONField())
    account_factory(platform=Platform.INSTAGRAM, permissions=json_null, platform_user_name="")
    account_factory(
        platform=Platform.LINKEDIN,
        status=AccountStatus.REAUTH_REQUIRED,
        refresh_token_expires_at=now + timedelta(days=1),
    )
    account_factory(platform=Platform.LINKEDIN, refresh_token_expires_at=now + timedelta(days=3))
    account_factory(platform=Platform.YOUTUBE, data_access_expires_at=now - timedelta(days=1))
    account_factory(platform=Platform.TWITTER, stats_total_posts=0, is_active=False)
    account_factory(platform=Platform.FACEBOOK, token_expires_at=now, last_sync_at=now)
    disconnected = account_factory(platform=Platform.FACEBOOK)
    disconnected.disconnected_at = now
    disconnected.save()


def assert_same_answer(client, query: str = "", **headers) -> bytes:
    """The list answers as the reference does, computed and then again from the cache."""
    reference = client.get(f"{REFERENCE_LIST_PATH}?{query}", **headers)
    for _computed_then_cached in range(2):
        answer = client.get(f"{LIST_PATH}?{query}", **headers)
        assert (answer.status_code, answer.content) == (reference.status_code, reference.content)
        assert answer.headers == reference.headers
    return answer.content


def test_every_filter_and_page_answers_the_reference_bytes(
    api, organization, other_organization, account_factory
):
    odd_accounts(organization, account_factory)
    account_factory(organization=other_organization)
    for query in QUERIES:
        assert_same_answer(api, query)


def test_an_empty_organization_answers_the_reference_bytes(api):
    for query in ["", "offset=5", "platform=TIKTOK", "status=REAUTH_SOON"]:
        assert_same_answer(api, query)


def test_refusals_answer_the_reference_bytes(api, membership_with_role, account_factory, client):
    account_factory()
    assert_same_answer(api, HTTP_ACCEPT="text/html")
    assert_same_answer(api, HTTP_ACCEPT="application/json; indent=4")
    assert_same_answer(client)
    assert_same_answer(client, HTTP_AUTHORIZATION="Bearer not-a-token")
    removed = membership_with_role(Role.VIEWER)
    removed_client = client_for(removed)
    removed.delete()
    assert_same_answer(removed_client)


def test_every_role_reads_the_reference_bytes(membership_with_role, account_factory):
    account_factory()
    for role in Role.values:
        assert_same_answer(client_for(membership_with_role(role)))
