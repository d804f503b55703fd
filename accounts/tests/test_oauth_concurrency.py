"""Callbacks racing for one connect flow's state, on real PostgreSQL."""

import json
import time

import pytest

from accounts import oauth
from accounts.models import SocialAccount
from accounts.platforms.tests.support import load_fixture
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
    callback = f"{API_BASE}/social/oauth/twitter/callback"
    url = oauth.oauth_flow_start(
        organization=admin_membership.organization,
        user=admin_membership.user,
        platform="TWITTER",
        callback_url=callback,
        redirect_to=FRONT,
    )
    state = dict(part.split("=", 1) for part in url.split("?")[1].split("&"))["state"]
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
