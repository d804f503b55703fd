"""The browser connect flow: POST /social/oauth/{platform}/authorize and the platform's
callback, for every platform, against the platforms' documented answers."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import AccountStatus, AuditLog, OAuthState, Role, SocialAccount, SocialPage
from accounts.platforms.authorization import pkce_challenge
from accounts.platforms.tests.support import (
    BASE_URLS,
    SCOPES,
    basic_auth,
    client_id,
    client_secret,
    load_fixture,
)
from accounts.tests.clients import client_for
from analytics.models import Post

API_BASE = "https://api.example.com"
FRONT = "https://app.example.com/integrations"
CODE = "authorization-code-SECRET-9c8b7a"

FB = BASE_URLS["FACEBOOK"]["GRAPH_URL"]
IG = BASE_URLS["INSTAGRAM"]["GRAPH_URL"]
TIKTOK = BASE_URLS["TIKTOK"]["API_URL"]
X = BASE_URLS["TWITTER"]["API_URL"]
LINKEDIN = BASE_URLS["LINKEDIN"]["API_URL"]
LINKEDIN_OAUTH = BASE_URLS["LINKEDIN"]["OAUTH_URL"]
GOOGLE = BASE_URLS["YOUTUBE"]["OAUTH_URL"]
YOUTUBE = BASE_URLS["YOUTUBE"]["API_URL"]


@dataclass(frozen=True)
class Flow:
    """What one platform answers during a connect: the token calls, then the profile and
    pages reads, each (method, url, fixture) in the order they are made."""

    platform: str
    token_calls: list[tuple[str, str, str]]
    reads: list[tuple[str, str, str]]
    platform_user_id: str
    # The fixture whose token ends up stored: the long-lived one for Meta.
    stored_grant: str = "code_exchange"
    pkce: bool = False
    scope_separator: str = " "
    client_id_param: str = "client_id"
    extra_params: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.platform.lower()


FLOWS = {
    "FACEBOOK": Flow(
        "FACEBOOK",
        token_calls=[
            ("GET", f"{FB}/oauth/access_token", "code_exchange"),
            ("GET", f"{FB}/oauth/access_token", "refresh_success"),
        ],
        reads=[
            ("GET", f"{FB}/me", "me"),
            ("GET", f"{FB}/me/accounts", "accounts_first"),
            ("GET", f"{FB}/me/accounts", "accounts_last"),
        ],
        platform_user_id="10215241773831025",
        stored_grant="refresh_success",
        scope_separator=",",
    ),
    "INSTAGRAM": Flow(
        "INSTAGRAM",
        token_calls=[
            ("POST", "https://api.instagram.com/oauth/access_token", "code_exchange"),
            ("GET", "https://graph.instagram.com/access_token", "long_lived_exchange"),
        ],
        reads=[("GET", f"{IG}/me", "me_profile"), ("GET", f"{IG}/me", "me_page")],
        platform_user_id="17841405822304914",
        stored_grant="long_lived_exchange",
        scope_separator=",",
    ),
    "TIKTOK": Flow(
        "TIKTOK",
        token_calls=[("POST", f"{TIKTOK}/v2/oauth/token/", "code_exchange")],
        reads=[
            ("GET", f"{TIKTOK}/v2/user/info/", "user_info_profile"),
            ("GET", f"{TIKTOK}/v2/user/info/", "user_info_page"),
        ],
        platform_user_id="723f24d7-e717-40f8-a2b6-cb8464cd23b4",
        scope_separator=",",
        client_id_param="client_key",
    ),
    "TWITTER": Flow(
        "TWITTER",
        token_calls=[("POST", f"{X}/2/oauth2/token", "code_exchange")],
        reads=[("GET", f"{X}/2/users/me", "users_me"), ("GET", f"{X}/2/users/me", "users_me")],
        platform_user_id="2244994945",
        pkce=True,
    ),
    "LINKEDIN": Flow(
        "LINKEDIN",
        token_calls=[("POST", f"{LINKEDIN_OAUTH}/accessToken", "code_exchange")],
        # The member is named from an administrator role; the pages read lists roles again
        # (here, none left to list, which ends the read).
        reads=[
            ("GET", f"{LINKEDIN}/organizationAcls", "organization_acls"),
            ("GET", f"{LINKEDIN}/organizationAcls", "organization_acls_none"),
        ],
        platform_user_id="782bbtaQ",
    ),
    "YOUTUBE": Flow(
        "YOUTUBE",
        token_calls=[("POST", f"{GOOGLE}/token", "code_exchange")],
        reads=[
            ("GET", f"{YOUTUBE}/channels", "channels_mine"),
            ("GET", f"{YOUTUBE}/channels", "channels_pages"),
        ],
        platform_user_id="UC_x5XG1OV2P6uZZ5FSM9Ttw",
        pkce=True,
        extra_params={"access_type": "offline", "prompt": "consent"},
    ),
}
PLATFORMS = list(FLOWS)


@pytest.fixture(autouse=True)
def oauth_settings(platform_settings):
    platform_settings.OAUTH_CALLBACK_BASE_URL = API_BASE
    platform_settings.OAUTH_ALLOWED_REDIRECT_URLS = [FRONT, "https://admin.example.com/"]
    platform_settings.OAUTH_DEFAULT_REDIRECT_URL = FRONT
    platform_settings.OAUTH_STATE_TTL_SECONDS = 600
    return platform_settings


@pytest.fixture(autouse=True)
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def start(api, flow: Flow, **body) -> dict[str, str]:
    """Start a flow; the authorization URL's query, one value a parameter."""
    response = api.post(
        f"/social/oauth/{flow.slug}/authorize", body or {"redirectTo": FRONT}, format="json"
    )
    assert response.status_code == 200, response.json()
    url = response.json()["authorizationUrl"]
    assert url.split("?")[0] == BASE_URLS[flow.platform]["AUTHORIZE_URL"]
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def answer(platforms, calls: list[tuple[str, str, str]], platform: str) -> None:
    for method, url, fixture in calls:
        platforms.add(method, url, json=load_fixture(platform, fixture))


def come_back(client, flow: Flow, **query):
    return client.get(f"/social/oauth/{flow.slug}/callback", query)


def location(response) -> tuple[str, dict[str, str]]:
    assert response.status_code == 302
    url = response["Location"]
    return url.split("?")[0], dict(parse_qsl(urlsplit(url).query))


def secrets_of(flow: Flow) -> list[str]:
    """Every token the platform answered, the code, the app secret: none may leak."""
    values = [CODE, client_secret(flow.platform)]
    for _method, _url, fixture in flow.token_calls:
        grant = load_fixture(flow.platform, fixture)
        rows = grant.get("data") or [grant]
        values += [
            row[key] for row in rows for key in ("access_token", "refresh_token") if key in row
        ]
    return values


def stored_column(account: SocialAccount, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM accounts_socialaccount WHERE id = %s", [account.pk])
        return str(cursor.fetchone()[0])


# --- Starting a flow ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_authorization_url_carries_the_documented_parameters(api, admin_membership, platform):
    flow = FLOWS[platform]

    params = start(api, flow)

    stored = OAuthState.objects.get()
    assert stored.state_digest == hashlib.sha256(params["state"].encode()).hexdigest()
    assert (stored.organization, stored.user, stored.platform, stored.redirect_to) == (
        admin_membership.organization,
        admin_membership.user,
        platform,
        FRONT,
    )
    expected = {
        "response_type": "code",
        flow.client_id_param: client_id(platform),
        "redirect_uri": f"{API_BASE}/social/oauth/{flow.slug}/callback",
        "scope": flow.scope_separator.join(SCOPES[platform]),
        "state": params["state"],
        **flow.extra_params,
    }
    if flow.pkce:
        # The challenge is the S256 of the verifier kept server-side, never the verifier.
        assert len(stored.code_verifier) >= 43
        expected["code_challenge"] = pkce_challenge(stored.code_verifier)
        expected["code_challenge_method"] = "S256"
        assert stored.code_verifier not in str(params)
    else:
        assert stored.code_verifier is None
    assert params == expected
    assert len(params["state"]) >= 43


@pytest.mark.django_db
def test_each_state_is_new_and_expires_after_the_setting(api, oauth_settings):
    oauth_settings.OAUTH_STATE_TTL_SECONDS = 300
    with time_machine.travel(timezone.now(), tick=False):
        first = start(api, FLOWS["TWITTER"])["state"]
        second = start(api, FLOWS["TWITTER"])["state"]
        expected = timezone.now() + timedelta(seconds=300)

    assert first != second
    assert set(OAuthState.objects.values_list("expires_at", flat=True)) == {expected}


@pytest.mark.django_db
def test_the_state_column_holds_only_a_digest_and_the_verifier_is_encrypted(api):
    params = start(api, FLOWS["TWITTER"])

    with connection.cursor() as cursor:
        cursor.execute("SELECT state_digest, code_verifier FROM accounts_oauthstate")
        digest, verifier = cursor.fetchone()
    assert params["state"] not in digest
    assert OAuthState.objects.get().code_verifier not in bytes(verifier).decode("latin-1")


@pytest.mark.django_db
def test_extra_scopes_are_asked_for_after_the_configured_ones(api):
    params = start(api, FLOWS["TWITTER"], redirectTo=FRONT, scopes=["dm.read", "tweet.read"])

    assert params["scope"] == "tweet.read users.read offline.access dm.read"


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["tweet.read users.read", "a,b", "x&y=1", ""])
def test_a_scope_that_is_no_scope_name_is_refused(api, scope):
    response = api.post(
        "/social/oauth/twitter/authorize", {"redirectTo": FRONT, "scopes": [scope]}, format="json"
    )

    assert response.status_code == 400
    assert not OAuthState.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "redirect_to",
    [
        "https://evil.example.net/integrations",
        "https://app.example.com/integrations-evil",
        "https://app.example.com/other",
        "http://app.example.com/integrations",
        "https://app.example.com@evil.example.net/integrations",
        "https://user:pw@app.example.com/integrations",
        "https://app.example.com/integrations#fragment",
        "javascript:alert(1)//app.example.com/integrations",
        "/integrations",
    ],
)
def test_a_redirect_outside_the_allow_list_is_refused(api, redirect_to):
    response = api.post(
        "/social/oauth/facebook/authorize", {"redirectTo": redirect_to}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "statusCode": 400,
        "message": ["redirectTo is not one of the allowed redirect URLs"],
        "error": "Bad Request",
    }
    assert not OAuthState.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_refuses_a_redirect_outside_the_allow_list(api, platform):
    response = api.post(
        f"/social/oauth/{FLOWS[platform].slug}/authorize",
        {"redirectTo": "https://evil.example.net/integrations"},
        format="json",
    )

    assert response.status_code == 400
    assert not OAuthState.objects.exists()


@pytest.mark.django_db
def test_an_allowed_page_may_carry_its_own_query(api):
    start(api, FLOWS["FACEBOOK"], redirectTo=f"{FRONT}?tab=social")

    assert OAuthState.objects.get().redirect_to == f"{FRONT}?tab=social"


@pytest.mark.django_db
def test_without_redirect_to_the_default_page_is_used(api):
    response = api.post("/social/oauth/linkedin/authorize", {}, format="json")

    assert response.status_code == 200
    assert OAuthState.objects.get().redirect_to == FRONT


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_only_admins_and_owners_start_a_flow(membership_with_role, role):
    response = client_for(membership_with_role(role)).post(
        "/social/oauth/facebook/authorize", {"redirectTo": FRONT}, format="json"
    )

    assert response.status_code == 403
    assert not OAuthState.objects.exists()


@pytest.mark.django_db
def test_an_owner_starts_a_flow(membership_with_role):
    response = client_for(membership_with_role(Role.OWNER)).post(
        "/social/oauth/youtube/authorize", {"redirectTo": FRONT}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.django_db
def test_starting_needs_a_signed_in_caller(client):
    response = client.post("/social/oauth/facebook/authorize")

    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["myspace", "FACEBOOK"])
def test_an_unknown_platform_is_not_found(api, client, slug):
    assert api.post(f"/social/oauth/{slug}/authorize", {}, format="json").status_code == 404
    assert client.get(f"/social/oauth/{slug}/callback").status_code == 404


@pytest.mark.django_db
def test_an_unconfigured_platform_app_is_named(api, oauth_settings):
    oauth_settings.SOCIAL_PLATFORMS["TIKTOK"]["CLIENT_ID"] = ""

    response = api.post("/social/oauth/tiktok/authorize", {"redirectTo": FRONT}, format="json")

    assert response.status_code == 502
    assert "SOCIAL_TIKTOK_CLIENT_ID" in response.json()["message"]
    assert not OAuthState.objects.exists()


@pytest.mark.django_db
def test_without_a_public_base_url_production_refuses_a_plain_http_callback(api, oauth_settings):
    oauth_settings.OAUTH_CALLBACK_BASE_URL = ""
    oauth_settings.DEBUG = False

    response = api.post("/social/oauth/facebook/authorize", {"redirectTo": FRONT}, format="json")

    assert response.status_code == 400
    assert "OAUTH_CALLBACK_BASE_URL" in response.json()["message"]


@pytest.mark.django_db
def test_expired_states_are_cleared_when_a_flow_starts(api):
    start(api, FLOWS["FACEBOOK"])
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    start(api, FLOWS["FACEBOOK"])

    assert OAuthState.objects.count() == 1


# --- The callback --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_callback_connects_the_account_with_its_tokens_encrypted(
    api, client, platforms, organization, logs, platform
):
    flow = FLOWS[platform]
    state = start(api, flow)["state"]
    verifier = OAuthState.objects.get().code_verifier
    answer(platforms, flow.token_calls, platform)
    answer(platforms, flow.reads, platform)

    response = come_back(client, flow, code=CODE, state=state)

    account = SocialAccount.objects.get()
    assert location(response) == (FRONT, {"status": "connected", "socialAccountId": account.pk})
    assert response["Cache-Control"] == "no-store"
    grant = load_fixture(platform, flow.stored_grant)
    assert (account.organization, account.platform, account.platform_user_id) == (
        organization,
        platform,
        flow.platform_user_id,
    )
    assert account.access_token == grant["access_token"]
    assert account.refresh_token == grant.get("refresh_token")
    expected_expiry = timezone.now() + timedelta(seconds=grant["expires_in"])
    assert abs(account.token_expires_at - expected_expiry) < timedelta(minutes=1)
    assert account.status == AccountStatus.ACTIVE
    assert grant["access_token"] not in stored_column(account, "access_token")
    assert AuditLog.objects.filter(action="social_account.connect", target_id=account.pk).exists()
    assert SocialPage.objects.filter(social_account=account).exists() == (platform != "LINKEDIN")
    for secret in [*secrets_of(flow), *([verifier] if verifier else [])]:
        assert secret not in response["Location"]
        assert secret not in logs.text


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_code_is_exchanged_as_the_platform_documents(api, client, platforms, platform):
    flow = FLOWS[platform]
    state = start(api, flow)["state"]
    verifier = OAuthState.objects.get().code_verifier
    answer(platforms, flow.token_calls, platform)
    answer(platforms, flow.reads, platform)

    come_back(client, flow, code=CODE, state=state)

    exchange = platforms.calls[0].request
    sent = dict(parse_qsl(exchange.body or urlsplit(exchange.url).query))
    assert sent["code"] == CODE
    assert sent["redirect_uri"] == f"{API_BASE}/social/oauth/{flow.slug}/callback"
    assert sent.get("code_verifier") == verifier
    if platform == "TWITTER":
        # A confidential client: HTTP Basic, the secret never in the form.
        assert exchange.headers["Authorization"] == basic_auth(platform)
        assert "client_secret" not in sent
    else:
        assert sent["client_secret"] == client_secret(platform)
    if platform != "FACEBOOK":
        assert sent["grant_type"] == "authorization_code"


@pytest.mark.django_db
def test_facebook_turns_the_code_s_token_into_a_long_lived_one(api, client, platforms):
    flow = FLOWS["FACEBOOK"]
    state = start(api, flow)["state"]
    answer(platforms, flow.token_calls, "FACEBOOK")
    answer(platforms, flow.reads, "FACEBOOK")

    come_back(client, flow, code=CODE, state=state)

    exchange = dict(parse_qsl(urlsplit(platforms.calls[1].request.url).query))
    assert exchange["grant_type"] == "fb_exchange_token"
    assert (
        exchange["fb_exchange_token"] == load_fixture("facebook", "code_exchange")["access_token"]
    )
    long_lived = load_fixture("facebook", "refresh_success")["access_token"]
    assert SocialAccount.objects.get().access_token == long_lived
    # Every later call (the profile) is made with the long-lived token.
    me = dict(parse_qsl(urlsplit(platforms.calls[2].request.url).query))
    assert me["access_token"] == long_lived


@pytest.mark.django_db
def test_instagram_turns_the_code_s_token_into_a_long_lived_one(api, client, platforms):
    flow = FLOWS["INSTAGRAM"]
    state = start(api, flow)["state"]
    answer(platforms, flow.token_calls, "INSTAGRAM")
    answer(platforms, flow.reads, "INSTAGRAM")

    come_back(client, flow, code=CODE, state=state)

    exchange = dict(parse_qsl(urlsplit(platforms.calls[1].request.url).query))
    short_lived = load_fixture("instagram", "code_exchange")["data"][0]["access_token"]
    assert exchange == {
        "grant_type": "ig_exchange_token",
        "client_secret": client_secret("INSTAGRAM"),
        "access_token": short_lived,
    }
    account = SocialAccount.objects.get()
    assert account.access_token == load_fixture("instagram", "long_lived_exchange")["access_token"]
    # The long-lived answer names no scopes: those granted with the code are kept.
    assert account.permissions == SCOPES["INSTAGRAM"]


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_callback_reconnects_an_account_waiting_for_it_and_keeps_its_history(
    api, client, platforms, account_factory, platform
):
    flow = FLOWS[platform]
    account = account_factory(
        platform=platform,
        platform_user_id=flow.platform_user_id,
        status=AccountStatus.REAUTH_REQUIRED,
        token_is_valid=False,
        access_token="dead-access-token",
    )
    page = SocialPage.objects.create(social_account=account, platform_page_id="kept-page")
    post = Post.objects.create(
        social_account=account, page=page, platform_post_id="1", published_at=timezone.now()
    )
    state = start(api, flow)["state"]
    answer(platforms, flow.token_calls, platform)
    answer(platforms, flow.reads, platform)

    response = come_back(client, flow, code=CODE, state=state)

    assert location(response) == (FRONT, {"status": "connected", "socialAccountId": account.pk})
    assert SocialAccount.objects.count() == 1
    account.refresh_from_db()
    grant = load_fixture(platform, flow.stored_grant)
    assert (account.status, account.token_is_valid) == (AccountStatus.ACTIVE, True)
    assert account.access_token == grant["access_token"]
    assert Post.objects.filter(pk=post.pk, page=page).exists()
    assert SocialPage.objects.filter(pk=page.pk).exists()
    reconnect = AuditLog.objects.get(action="social_account.reconnect")
    assert (reconnect.target_id, reconnect.details["previousStatus"]) == (
        account.pk,
        AccountStatus.REAUTH_REQUIRED,
    )
    assert not AuditLog.objects.filter(action="social_account.connect").exists()


@pytest.mark.django_db
def test_a_reconnect_without_a_new_refresh_token_keeps_the_stored_one(
    api, client, platforms, account_factory
):
    flow = FLOWS["YOUTUBE"]
    account = account_factory(
        platform="YOUTUBE", platform_user_id=flow.platform_user_id, refresh_token="kept-refresh"
    )
    state = start(api, flow)["state"]
    platforms.post(f"{GOOGLE}/token", json=load_fixture("youtube", "refresh_success"))
    answer(platforms, flow.reads, "YOUTUBE")

    come_back(client, flow, code=CODE, state=state)

    account.refresh_from_db()
    assert account.refresh_token == "kept-refresh"


@pytest.mark.django_db
def test_a_disconnected_account_of_the_platform_user_is_connected_anew(
    api, client, platforms, account_factory
):
    flow = FLOWS["TWITTER"]
    old = account_factory(
        platform="TWITTER", platform_user_id=flow.platform_user_id, disconnected_at=timezone.now()
    )
    state = start(api, flow)["state"]
    answer(platforms, flow.token_calls, "TWITTER")
    answer(platforms, flow.reads, "TWITTER")

    come_back(client, flow, code=CODE, state=state)

    new = SocialAccount.objects.connected().get()
    assert new.pk != old.pk


# --- Refusals ------------------------------------------------------------------------------


def metrics(api) -> dict:
    return api.get("/social/metrics").json()["metrics"]["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_user_who_refuses_is_sent_back_audited_and_counted(api, client, platforms, platform):
    flow = FLOWS[platform]
    state = start(api, flow)["state"]
    error = "user_cancelled_authorize" if platform == "LINKEDIN" else "access_denied"

    response = come_back(
        client, flow, error=error, error_description="The user denied your request.", state=state
    )

    assert location(response) == (FRONT, {"status": "error", "reason": "access_denied"})
    assert len(platforms.calls) == 0
    failure = AuditLog.objects.get(action="social_account.connect_failed")
    assert failure.details == {
        "platform": platform,
        "reason": "access_denied",
        "platformError": error,
        "description": "The user denied your request.",
    }
    assert not SocialAccount.objects.exists()
    assert metrics(api)["connectionFailures"] == 1


@pytest.mark.django_db
def test_a_code_the_platform_refuses_ends_in_a_platform_error(api, client, platforms, logs):
    flow = FLOWS["TWITTER"]
    state = start(api, flow)["state"]
    platforms.post(f"{X}/2/oauth2/token", status=400, json=load_fixture("twitter", "invalid_code"))

    response = come_back(client, flow, code=CODE, state=state)

    assert location(response) == (FRONT, {"status": "error", "reason": "platform_error"})
    assert not SocialAccount.objects.exists()
    assert metrics(api)["connectionFailures"] == 1
    assert CODE not in logs.text


@pytest.mark.django_db
def test_a_platform_down_at_the_exchange_says_so(api, client, platforms):
    flow = FLOWS["YOUTUBE"]
    state = start(api, flow)["state"]
    platforms.post(
        f"{GOOGLE}/token", status=503, json=load_fixture("youtube", "temporarily_unavailable")
    )

    response = come_back(client, flow, code=CODE, state=state)

    assert location(response) == (FRONT, {"status": "error", "reason": "platform_unavailable"})


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_tampered_state_is_refused_and_calls_no_platform(api, client, platforms, platform):
    flow = FLOWS[platform]
    state = start(api, flow)["state"]

    response = come_back(
        client, flow, code=CODE, state=state[:-1] + ("A" if state[-1] != "A" else "B")
    )

    assert location(response) == (FRONT, {"status": "error", "reason": "state_invalid"})
    assert len(platforms.calls) == 0
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_a_callback_without_a_state_is_refused(client, platforms):
    response = come_back(client, FLOWS["TIKTOK"], code=CODE)

    assert location(response) == (FRONT, {"status": "error", "reason": "state_invalid"})


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_state_is_used_once(api, client, platforms, platform):
    flow = FLOWS[platform]
    state = start(api, flow)["state"]
    answer(platforms, flow.token_calls, platform)
    answer(platforms, flow.reads, platform)
    come_back(client, flow, code=CODE, state=state)
    calls = len(platforms.calls)

    replay = come_back(client, flow, code=CODE, state=state)

    assert location(replay) == (FRONT, {"status": "error", "reason": "state_invalid"})
    assert len(platforms.calls) == calls
    assert SocialAccount.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_expired_state_is_refused(api, client, platforms, platform):
    flow = FLOWS[platform]
    state = start(api, flow)["state"]

    with time_machine.travel(timezone.now() + timedelta(seconds=601)):
        response = come_back(client, flow, code=CODE, state=state)

    assert location(response) == (FRONT, {"status": "error", "reason": "state_invalid"})
    assert len(platforms.calls) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_state_started_for_another_platform_is_refused_and_left_unused(
    api, client, platforms, platform
):
    other = next(name for name in PLATFORMS if name != platform)
    state = start(api, FLOWS[other])["state"]

    response = come_back(client, FLOWS[platform], code=CODE, state=state)

    assert location(response) == (FRONT, {"status": "error", "reason": "state_invalid"})
    assert OAuthState.objects.get().consumed_at is None


@pytest.mark.django_db
def test_an_unknown_flow_without_a_default_page_is_a_clear_error(client, oauth_settings):
    oauth_settings.OAUTH_DEFAULT_REDIRECT_URL = ""

    response = come_back(client, FLOWS["FACEBOOK"], code=CODE, state="made-up")

    assert response.status_code == 400
    assert response.json()["message"].startswith("This connect flow is unknown")


@pytest.mark.django_db
def test_the_account_lands_in_the_organization_that_started_the_flow(
    client, platforms, membership_with_role, other_organization, api
):
    other_admin = client_for(membership_with_role(Role.ADMIN, org=other_organization))
    flow = FLOWS["TWITTER"]
    state = start(other_admin, flow)["state"]
    answer(platforms, flow.token_calls, "TWITTER")
    answer(platforms, flow.reads, "TWITTER")

    come_back(client, flow, code=CODE, state=state)

    account = SocialAccount.objects.get()
    assert account.organization == other_organization
    assert api.get(f"/social/accounts/{account.pk}").status_code == 404
    assert other_admin.get(f"/social/accounts/{account.pk}").status_code == 200


@pytest.mark.django_db
def test_another_organization_s_account_of_the_same_user_is_not_reconnected(
    api, client, platforms, other_organization
):
    flow = FLOWS["TWITTER"]
    theirs = SocialAccount.objects.create(
        organization=other_organization,
        platform="TWITTER",
        platform_user_id=flow.platform_user_id,
        access_token="their-token",
        status=AccountStatus.REAUTH_REQUIRED,
    )
    state = start(api, flow)["state"]
    answer(platforms, flow.token_calls, "TWITTER")
    answer(platforms, flow.reads, "TWITTER")

    come_back(client, flow, code=CODE, state=state)

    theirs.refresh_from_db()
    assert (theirs.access_token, theirs.status) == ("their-token", AccountStatus.REAUTH_REQUIRED)
    assert SocialAccount.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, None])
def test_a_user_who_lost_their_role_meanwhile_connects_nothing(
    client, platforms, admin_membership, api, role
):
    flow = FLOWS["TWITTER"]
    state = start(api, flow)["state"]
    if role is None:
        admin_membership.delete()
    else:
        admin_membership.role = role
        admin_membership.save()

    response = come_back(client, flow, code=CODE, state=state)

    assert location(response) == (FRONT, {"status": "error", "reason": "forbidden"})
    assert len(platforms.calls) == 0
    assert not SocialAccount.objects.exists()


# --- The reconnect hint --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_account_waiting_for_a_new_login_names_where_to_start_it(api, account_factory):
    waiting = account_factory(platform="TIKTOK", status=AccountStatus.REAUTH_REQUIRED)
    active = account_factory(platform="TIKTOK")

    waiting_answer = api.get(f"/social/accounts/{waiting.pk}").json()["socialAccount"]
    active_answer = api.get(f"/social/accounts/{active.pk}").json()["socialAccount"]

    assert waiting_answer["reauthorizeUrl"] == "/social/oauth/tiktok/authorize"
    assert active_answer["reauthorizeUrl"] is None
