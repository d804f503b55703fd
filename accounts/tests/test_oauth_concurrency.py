"""Callbacks racing for one connect flow's state, on real PostgreSQL."""

import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from accounts import oauth
from accounts.models import AuditLog, SocialAccount
from accounts.platforms.base import Profile, TokenGrant
from accounts.platforms.tests.support import REFRESH_CALLS, load_fixture
from accounts.services import SYSTEM, social_account_refresh_token
from accounts.tests.test_oauth import API_BASE, CODE, FLOWS, FRONT, answer
from accounts.tests.test_refresh_concurrency import run_together

CALLERS = 8


@pytest.fixture(autouse=True)
def oauth_settings(platform_settings):
    platform_settings.OAUTH_ALLOWED_REDIRECT_URLS = [FRONT]
    platform_settings.OAUTH_DEFAULT_REDIRECT_URL = FRONT
    platform_settings.OAUTH_STATE_TTL_SECONDS = 600


@pytest.mark.django_db(transaction=True)
def test_one_state_sent_back_eight_times_at_once_connects_once(platforms, admin_membership):
    flow = FLOWS["TWITTER"]
    state, callback = start_flow(admin_membership)
    exchanges = []

    def token_answer(request):
        exchanges.append(request.body)
        time.sleep(0.2)  # the platform's latency, while the other callbacks arrive
        return 200, {}, json.dumps(load_fixture("twitter", flow.token_calls[0][2]))

    platforms.add_callback("POST", flow.token_calls[0][1], callback=token_answer)
    answer(platforms, flow.reads, "TWITTER")

    targets = run_together(
        lambda: oauth.oauth_flow_complete(
            platform="TWITTER",
            params=oauth.CallbackParams(code=CODE, state=state),
            callback_url=callback,
            ip_address=None,
        ),
        CALLERS,
    )

    assert len(exchanges) == 1
    connected = [target for target in targets if "status=connected" in str(target)]
    refused = [target for target in targets if "reason=state_invalid" in str(target)]
    assert (len(connected), len(refused)) == (1, CALLERS - 1), targets
    assert SocialAccount.objects.count() == 1


def start_flow(membership, platform: str = "TWITTER") -> tuple[str, str]:
    """A started flow's state, and its callback URL."""
    callback = f"{API_BASE}/social/oauth/{platform.lower()}/callback"
    url = oauth.oauth_flow_start(
        organization=membership.organization,
        user=membership.user,
        platform=platform,
        callback_url=callback,
        redirect_to=FRONT,
    )
    return dict(parse_qsl(urlsplit(url).query))["state"], callback


@pytest.mark.django_db(transaction=True)
def test_two_flows_of_one_platform_user_at_once_end_in_one_account(platforms, admin_membership):
    flow = FLOWS["TWITTER"]
    flows = iter([start_flow(admin_membership), start_flow(admin_membership)])
    answer(platforms, flow.token_calls, "TWITTER")
    answer(platforms, flow.reads, "TWITTER")

    def complete():
        state, callback = next(flows)
        return oauth.oauth_flow_complete(
            platform="TWITTER",
            params=oauth.CallbackParams(code=CODE, state=state),
            callback_url=callback,
            ip_address=None,
        )

    targets = run_together(complete, 2)

    account = SocialAccount.objects.get()
    assert all(f"socialAccountId={account.pk}" in str(target) for target in targets), targets
    assert AuditLog.objects.filter(action="social_account.connect").count() == 1
    assert AuditLog.objects.filter(action="social_account.reconnect").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reconnect_during_a_refresh_keeps_the_rotated_refresh_token(platforms, account_factory):
    """The refresh holds the row lock while TikTok answers with a rotated refresh token. A new
    login that brings no refresh token keeps the stored one: the reconnect waits for the lock,
    so the one it keeps is the rotated one, not the one the rotation killed."""
    account = account_factory(platform="TIKTOK", refresh_token="rft.before-the-rotation")
    rotation = load_fixture("tiktok", "refresh_success")
    new_login = load_fixture("tiktok", "code_exchange")

    def slow_refresh(request):
        time.sleep(0.5)
        return 200, {}, json.dumps(rotation)

    platforms.add_callback("POST", REFRESH_CALLS["TIKTOK"][1], callback=slow_refresh)
    grant = TokenGrant(access_token=new_login["access_token"], expires_in=new_login["expires_in"])
    steps = iter(["refresh", "reconnect"])

    def act():
        if next(steps) == "refresh":
            return social_account_refresh_token(
                organization=None, account_id=account.pk, actor=SYSTEM
            )
        time.sleep(0.15)  # the refresh holds the lock by now
        return oauth.social_account_reconnect(
            account_id=account.pk,
            actor=SYSTEM,
            grant=grant,
            profile=Profile(platform_user_id=account.platform_user_id, user_name="Acme"),
        )

    outcomes = run_together(act, 2)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    account.refresh_from_db()
    assert (account.access_token, account.refresh_token) == (
        new_login["access_token"],
        rotation["refresh_token"],
    )
