"""Admin actions call the services the API calls and tell staff what they did, or why not."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountStatus, AuditLog, SocialAccount
from accounts.platforms.tests.support import load_fixture
from accounts.services import SYSTEM, social_account_disconnect
from accounts.tests.test_refresh_concurrency import CALLERS, run_together
from vchata_social.errors import NotFound

DEBUG_TOKEN_URL = "https://graph.facebook.com/v23.0/debug_token"


def changelist() -> str:
    return reverse("admin:accounts_socialaccount_changelist")


def run_action(client, action: str, *accounts, **extra):
    selected = [account.pk for account in accounts]
    return client.post(
        changelist(), {"action": action, "_selected_action": selected, **extra}, follow=True
    )


def notices(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_validate_says_which_tokens_the_platform_finds_valid_or_not(
    staff_client, platforms, account_factory
):
    valid, invalid = account_factory(platform="FACEBOOK"), account_factory(platform="FACEBOOK")
    platforms.get(
        re.compile(re.escape(DEBUG_TOKEN_URL)), json=load_fixture("facebook", "debug_token_valid")
    )
    platforms.get(
        re.compile(re.escape(DEBUG_TOKEN_URL)),
        json=load_fixture("facebook", "debug_token_invalid"),
    )

    response = run_action(staff_client, "validate_tokens", valid, invalid)

    assert sorted(notices(response)) == [
        "Token invalid, says the platform: 1 account(s).",
        "Token valid: 1 account(s).",
    ]
    assert AuditLog.objects.filter(action="social_account.token_validate").count() == 2


@pytest.mark.django_db
def test_disconnect_asks_first_and_changes_nothing_until_confirmed(staff_client, account_factory):
    account = account_factory(platform_user_name="Acme <b>Page</b>")

    response = run_action(staff_client, "disconnect_accounts", account)

    page = response.content.decode()
    assert 'id="accounts-to-disconnect"' in page and account.pk in page
    assert "Acme &lt;b&gt;Page&lt;/b&gt;" in page
    assert 'name="confirmed" value="yes"' in page
    assert account.access_token not in page and account.refresh_token not in page
    assert SocialAccount.objects.get(pk=account.pk).disconnected_at is None


@pytest.mark.django_db
def test_disconnect_erases_the_tokens_through_the_service_and_says_so(
    staff_client, account_factory
):
    account = account_factory(access_token="EAAB-to-erase", refresh_token="EAAK-to-erase")
    gone = account_factory(disconnected_at=timezone.now(), access_token="", refresh_token=None)

    response = run_action(staff_client, "disconnect_accounts", account, gone, confirmed="yes")

    assert notices(response) == [
        "Already disconnected, left alone: 1 account(s).",
        "Disconnected, tokens erased: 1 account(s).",
    ]
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.disconnected_at is not None and stored.is_active is False
    assert stored.access_token == "" and stored.refresh_token is None
    audit = AuditLog.objects.get(action="social_account.disconnect")
    assert (audit.target_id, audit.actor.username) == (account.pk, "staff")
    assert "EAAB-to-erase" not in response.content.decode()


@pytest.mark.django_db
def test_an_account_is_disconnected_once(account_factory):
    account = account_factory()
    social_account_disconnect(organization=None, account_id=account.pk, actor=SYSTEM)

    with pytest.raises(NotFound):
        social_account_disconnect(organization=None, account_id=account.pk, actor=SYSTEM)

    assert AuditLog.objects.filter(action="social_account.disconnect").count() == 1


@pytest.mark.django_db
def test_disconnect_of_another_organizations_account_is_not_found(
    account_factory, other_organization
):
    account = account_factory()

    with pytest.raises(NotFound):
        social_account_disconnect(
            organization=other_organization, account_id=account.pk, actor=SYSTEM
        )

    assert SocialAccount.objects.get(pk=account.pk).disconnected_at is None


@pytest.mark.django_db
def test_refresh_of_an_account_waiting_for_reconnection_says_why_it_could_not(
    staff_client, platforms, account_factory
):
    waiting = account_factory(platform="TIKTOK", status=AccountStatus.REAUTH_REQUIRED)

    response = run_action(staff_client, "refresh_tokens", waiting)

    [notice] = notices(response)
    assert notice.startswith(f"{waiting.pk}: ") and "reconnect" in notice.lower()


@pytest.mark.django_db(transaction=True)
def test_concurrent_disconnects_disconnect_once(account_factory):
    account = account_factory()

    outcomes = run_together(
        lambda: social_account_disconnect(organization=None, account_id=account.pk, actor=SYSTEM),
        CALLERS,
    )

    assert sum(not isinstance(outcome, Exception) for outcome in outcomes) == 1
    assert all(
        isinstance(outcome, NotFound) for outcome in outcomes if isinstance(outcome, Exception)
    )
    assert AuditLog.objects.filter(action="social_account.disconnect").count() == 1
