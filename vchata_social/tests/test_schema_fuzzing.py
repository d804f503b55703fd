"""Every operation of /api/schema/, fuzzed with Schemathesis against the app itself: each
answer must be no server error, a documented status and content type, and match its schema.

The requests carry an admin's token and, in their path parameters, the ids of real objects
(or the generated value, so that the 404s are exercised too). Every platform answers as its
documentation shows, to any number of calls: the sync scenarios of
analytics/tests/test_platform_sync.py, and the token, validation and webhook answers of the
client tests' fixtures. So the operations that call a platform take their success paths, and
no 5xx is an acceptable answer anywhere.

The public webhook receiver (/webhooks/<platform>/<id>) is not in the schema: each platform
signs and shapes its deliveries its own way (webhooks/tests covers them)."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import schemathesis
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from responses import RequestsMock
from responses.registries import FirstMatchRegistry
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.authentication import tokens_for_membership
from accounts.models import AccountStatus, Platform, Role, SocialPage
from accounts.platforms import http, linkedin
from accounts.platforms.tests.support import BASE_URLS, REFRESH_CALLS, load_fixture
from accounts.tests.factories import MembershipFactory, OrganizationFactory, SocialAccountFactory
from analytics.models import SyncRun, SyncStatus
from analytics.tests.conftest import NOW
from analytics.tests.test_platform_sync import (
    FB,
    FB_ACME,
    FOLLOWER_STATISTICS,
    IG,
    IG_ACCOUNT,
    SCENARIOS,
    SHARE_STATISTICS,
    YT_ANALYTICS,
    YT_CHANNEL,
    answer,
)
from vchata_social.wsgi import application
from webhooks.models import NotificationEndpoint, WebhookSubscription

pytestmark = pytest.mark.django_db(transaction=True)

# Fixed, so that the same ids are drawn in every test and the run repeats exactly.
ACCOUNT_IDS = {platform: f"social_fuzz{platform.lower()}" for platform in Platform.values}
REAUTH_ACCOUNT_ID = "social_fuzzreauth"
SYNC_ID = "sync_fuzzrun"
ENDPOINT_ID = "endpoint_fuzz"
EXAMPLES_PER_OPERATION = 25

# As the proxy marks a request that reached it over https: plain HTTP is redirected.
THROUGH_HTTPS = {"X-Forwarded-Proto": "https"}

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application, headers=THROUGH_HTTPS
)
# Schema-valid requests only, which each operation must accept (a 404, 409 or 429 is the
# state the request meets, not a refusal of its data)...
schema.config.generation.update(modes=[GenerationMode.POSITIVE])
# ...except these, which rightly refuse some with a 400, by a rule no JSON schema states.
REFUSING_BY_RULES_NOT_IN_THE_SCHEMA = {
    ("GET", "/social/metrics"): "a date range of at most STATS_MAX_RANGE_DAYS",
    ("GET", "/social/accounts/{account_id}/stats"): "a date range of at most STATS_MAX_RANGE_DAYS",
    ("GET", "/social/events"): "a cursor this service gave",
    ("GET", "/social/accounts/{account_id}/events"): "a cursor this service gave",
    ("POST", "/social/accounts/{account_id}/webhook"): "a URL whose host resolves as a name, "
    "events the account's platform delivers",
    ("POST", "/social/notification-endpoints"): "a URL whose host resolves as a name",
}


def real_ids(name: str) -> list[str]:
    if name == "account_id":
        return [*ACCOUNT_IDS.values(), REAUTH_ACCOUNT_ID]
    if name == "sync_id":
        return [SYNC_ID]
    if name == "endpoint_id":
        return [ENDPOINT_ID]
    return []


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict | None) -> st.SearchStrategy:
    """A real id most of the time, else the generated value."""
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {name: st.sampled_from([*real_ids(name), value]) for name, value in path_parameters.items()}
    )


@pytest.fixture
def frozen_now() -> Iterator[None]:
    """The day the sync scenarios' dates are counted from; before the token is issued, so
    that it is issued at this time too."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_token(db, frozen_now) -> str:
    organization = OrganizationFactory(name="Fuzz Corp")
    membership = MembershipFactory(organization=organization, role=Role.ADMIN)
    create_objects(organization)
    return tokens_for_membership(membership)["accessToken"]


def create_objects(organization) -> None:
    """An account of each platform, one waiting for reconnection, the pages that webhook
    set-up subscribes (as a pages call would store them), a finished sync run, a webhook
    subscription and a notification endpoint."""
    accounts = {
        platform: SocialAccountFactory(
            id=account_id, organization=organization, platform=platform, last_sync_at=None
        )
        for platform, account_id in ACCOUNT_IDS.items()
    }
    SocialAccountFactory(
        id=REAUTH_ACCOUNT_ID, organization=organization, status=AccountStatus.REAUTH_REQUIRED
    )
    facebook = accounts[Platform.FACEBOOK]
    # Facebook pages are subscribed with their own token, which /me/accounts gives.
    SocialPage.objects.create(
        social_account=facebook,
        platform_page_id=FB_ACME,
        name="Acme Corp",
        access_token="page-token-acme",
    )
    SocialPage.objects.create(
        social_account=accounts[Platform.INSTAGRAM], platform_page_id=IG_ACCOUNT, name="Acme"
    )
    SocialPage.objects.create(
        social_account=accounts[Platform.YOUTUBE], platform_page_id=YT_CHANNEL, name="Acme"
    )
    SyncRun.objects.create(
        id=SYNC_ID,
        social_account=facebook,
        sync_type="full",
        status=SyncStatus.SUCCEEDED,
        finished_at=timezone.now() + timedelta(seconds=3),
    )
    WebhookSubscription.objects.create(
        social_account=facebook,
        webhook_url="https://api.example.com/webhooks/facebook/x",
        events=["comments"],
        verify_token="verify-token-123",
    )
    NotificationEndpoint.objects.create(
        id=ENDPOINT_ID,
        organization=organization,
        url="https://product.example.com/hooks",
        event_types=["comment"],
        secret="endpoint-signing-secret",
    )


class LastRegisteredAnswer(FirstMatchRegistry):
    """Answers with the last registered response that matches, and keeps it for the next
    calls: the scenarios register a path's first page, then its next pages with a matcher of
    their own, so the most specific answer is the last one."""

    def find(self, request):
        found, reasons = None, []
        for response in self.registered:
            matched, reason = response.matches(request)
            if matched:
                found = response
            else:
                reasons.append(reason)
        return found, reasons


def register_documented_answers(mock: RequestsMock) -> None:
    """Every call the fuzzed operations make, answered as the platforms document it."""
    # Before the scenarios, so that theirs win: an incremental sync asks for fewer days than
    # the full sync they were written for, and gets the days each platform has none of.
    mock.get(f"{YT_ANALYTICS}/reports", json=answer("youtube", "analytics_daily_november"))
    for url in (SHARE_STATISTICS, FOLLOWER_STATISTICS):
        mock.get(url, json=answer("linkedin", "statistics_daily_none"))
    for scenario in SCENARIOS.values():
        scenario.sync(mock)
    for platform, (method, url) in REFRESH_CALLS.items():
        mock.add(method, url, json=load_fixture(platform, "refresh_success"))
    mock.get(f"{FB}/debug_token", json=load_fixture("facebook", "debug_token_valid"))
    mock.post(
        f"{BASE_URLS['LINKEDIN']['OAUTH_URL']}/introspectToken",
        json=load_fixture("linkedin", "introspect_active"),
    )
    mock.get(
        f"{BASE_URLS['YOUTUBE']['OAUTH_URL']}/tokeninfo",
        json=load_fixture("youtube", "tokeninfo_valid"),
    )
    # Instagram validates with GET /me, which the scenarios answer; TikTok with its user
    # info, X with /2/users/me, both answered by the scenarios too.
    facebook_page_apps = re.compile(rf"{re.escape(FB)}/[^/?]+/subscribed_apps")
    for method in ("POST", "DELETE"):
        mock.add(
            method, facebook_page_apps, json=load_fixture("facebook", "subscribed_apps_success")
        )
        mock.add(
            method,
            f"{IG}/me/subscribed_apps",
            json=load_fixture("instagram", "subscribed_apps_success"),
        )
    mock.post(BASE_URLS["YOUTUBE"]["WEBSUB_HUB_URL"], status=202, body="")


@pytest.fixture
def documented_platforms(platform_settings, monkeypatch, frozen_now) -> Iterator[RequestsMock]:
    """Every platform answering as documented, to any number of calls; no retry waits."""
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    # What the sync scenarios were written for: a week of daily figures, LinkedIn pages of two.
    platform_settings.SYNC_HISTORY_DAYS = 7
    monkeypatch.setattr(linkedin, "ROLES_PER_PAGE", 2)
    monkeypatch.setattr(linkedin, "POSTS_PER_PAGE", 2)
    platform_settings.SYNC_WAIT_SECONDS = 2
    # Each example may sync, some platforms in twenty calls: our own per-minute budget
    # would answer 502 after the first few (accounts/tests cover that path).
    platform_settings.PLATFORM_RATE_LIMIT_PER_MINUTE = 100_000
    with RequestsMock(registry=LastRegisteredAnswer, assert_all_requests_are_fired=False) as mock:
        register_documented_answers(mock)
        yield mock


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, admin_token, documented_platforms, leak_watch):
    refusing = (case.method, case.path) in REFUSING_BY_RULES_NOT_IN_THE_SCHEMA
    response = case.call_and_validate(
        headers={**THROUGH_HTTPS, "Authorization": f"Bearer {admin_token}"},
        excluded_checks=[positive_data_acceptance] if refusing else [],
    )
    leak_watch.record(case.method, case.path, response.headers.items(), response.content)
