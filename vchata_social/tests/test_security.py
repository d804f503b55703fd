"""Security properties, each proved from outside: forged tokens, the wall between
organizations on every route, oversized bodies, and the production configuration."""

import base64
import json
import re
from collections.abc import Iterator
from http import HTTPStatus

import jwt
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import ORGANIZATION_CLAIM
from accounts.tests.factories import SocialAccountFactory
from analytics.models import SyncRun
from vchata_social.tests.test_settings import PRODUCTION, import_settings, settings_values
from webhooks.models import NotificationEndpoint, WebhookSubscription

TEN_MEGABYTES = 10 * 1024 * 1024
PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Ids of the right shapes that no organization has.
UNKNOWN_IDS = {
    "account_id": "social_unknown0000000",
    "sync_id": "sync_unknown0000000",
    "endpoint_id": "endpoint_unknown0000000",
}
# Routes that validate their body or query before they look the object up get valid ones, so
# that the lookup is what answers.
VALID_INPUT = {
    ("post", "social-account-webhook"): {"events": ["posts"]},
    ("get", "social-account-webhook-verify"): {
        "hub.mode": "subscribe",
        "hub.challenge": "challenge",
        "hub.verify_token": "verify-token",
    },
}
# Routes that take no body and never read one.
BODILESS_ROUTES = {"social-account-validate-token", "social-oauth-callback"}
# Path parameters that name no object of an organization: a connect flow's tenant comes from
# the caller's token (authorize) or from its state (callback), as accounts/tests/test_oauth.py
# checks.
NOT_OBJECTS = {"platform": "facebook"}
# OPTIONS describes the route and reads no object.
METHODS_READING_NO_OBJECT = {"options", "head"}


def envelope(status: int, message: str) -> dict:
    return {
        "success": False,
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
    }


# --- Tokens ----------------------------------------------------------------------------------


def _b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def valid_claims(membership) -> dict:
    token = AccessToken.for_user(membership.user)
    token[ORGANIZATION_CLAIM] = membership.organization_id
    return dict(token.payload)


def unsigned_token(claims: dict) -> str:
    """`alg: none`: the claims with no signature at all."""
    return f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}."


def token_signed_with_another_key(claims: dict) -> str:
    return jwt.encode(claims, "another-key-of-the-same-length-as-ours-000000", algorithm="HS256")


def token_signed_with_another_algorithm(claims: dict, key: str) -> str:
    """Our own key, under an algorithm the service does not use."""
    return jwt.encode(claims, key, algorithm="HS512")


def expired_token(claims: dict, key: str) -> str:
    return jwt.encode({**claims, "exp": claims["iat"] - 60}, key, algorithm="HS256")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        lambda claims, key: unsigned_token(claims),
        lambda claims, key: token_signed_with_another_key(claims),
        token_signed_with_another_algorithm,
        expired_token,
    ],
    ids=["alg none", "another key", "HS512 with our key", "expired"],
)
def test_a_forged_or_expired_token_is_401(admin_membership, settings, forge):
    claims = valid_claims(admin_membership)
    genuine = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert bearer(genuine).get("/social/accounts").status_code == 200
    response = bearer(forge(claims, settings.SIMPLE_JWT["SIGNING_KEY"])).get("/social/accounts")
    assert response.status_code == 401
    assert response.json() == envelope(401, "Invalid or expired access token")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- Another organization's ids on every route -----------------------------------------------


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """Every route of the URL conf as (its full path pattern, the pattern)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def routes_with_ids() -> list[tuple[str, URLPattern]]:
    return [
        (route, pattern)
        for route, pattern in url_patterns()
        if route.startswith("social/") and set(PATH_PARAMETER.findall(route)) - set(NOT_OBJECTS)
    ]


def object_methods(pattern: URLPattern) -> list[str]:
    view_class = getattr(pattern.callback, "view_class", None)
    assert view_class is not None, f"{pattern.name}: not a class-based view"
    return [
        method
        for method in view_class.http_method_names
        if method not in METHODS_READING_NO_OBJECT and hasattr(view_class, method)
    ]


def fill(route: str, ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in ids:
            pytest.fail(f"/{route}: no object of another organization for <{name}>; add one")
        return ids[name]

    return "/" + PATH_PARAMETER.sub(value, route)


def send(client: APIClient, method: str, path: str, name: str):
    data = VALID_INPUT.get((method, name), {})
    if method in ("post", "put", "patch"):
        return getattr(client, method)(path, data, format="json")
    return getattr(client, method)(path, data)


@pytest.fixture
def foreign_ids(other_organization) -> dict[str, str]:
    """An object of each kind a route names, all of another organization."""
    account = SocialAccountFactory(organization=other_organization)
    WebhookSubscription.objects.create(
        social_account=account,
        webhook_url=f"https://api.example.com/webhooks/facebook/{account.pk}",
        events=["posts"],
        verify_token="verify-token",
        hub_secret="hub-secret",
    )
    run = SyncRun.objects.create(social_account=account, sync_type="full")
    endpoint = NotificationEndpoint.objects.create(
        organization=other_organization,
        url="https://product.example.com/hooks",
        secret="endpoint-secret",
    )
    return {"account_id": account.pk, "sync_id": run.pk, "endpoint_id": endpoint.pk}


@pytest.mark.django_db
def test_every_route_answers_another_organizations_ids_as_unknown_ones(api, foreign_ids):
    routes = routes_with_ids()
    assert routes  # the URL conf was walked
    checked = []
    for route, pattern in routes:
        for method in object_methods(pattern):
            foreign = send(api, method, fill(route, foreign_ids), pattern.name)
            unknown = send(api, method, fill(route, UNKNOWN_IDS), pattern.name)
            assert foreign.status_code == 404, (method, route, foreign.content)
            assert foreign.json() == unknown.json(), (method, route)
            checked.append((method, route))
    assert len(checked) >= len(routes)
    assert WebhookSubscription.objects.filter(social_account_id=foreign_ids["account_id"]).exists()
    assert NotificationEndpoint.objects.filter(pk=foreign_ids["endpoint_id"]).exists()


def test_a_route_with_a_parameter_of_no_known_kind_fails_the_walk():
    with pytest.raises(pytest.fail.Exception, match="<page_id>"):
        fill("social/accounts/<str:account_id>/pages/<str:page_id>", UNKNOWN_IDS)


# --- Oversized bodies ------------------------------------------------------------------------


def json_write_routes() -> list[tuple[str, str]]:
    """(method, route) of every JSON endpoint that takes a body."""
    return [
        (method, route)
        for route, pattern in url_patterns()
        if route.startswith(("auth/", "social/")) and pattern.name not in BODILESS_ROUTES
        for method in object_methods(pattern)
        if method in ("post", "put", "patch")
    ]


@pytest.mark.django_db
def test_a_ten_megabyte_body_is_refused_in_the_envelope_on_every_json_endpoint(
    api, account_factory
):
    ids = {**UNKNOWN_IDS, **NOT_OBJECTS, "account_id": account_factory().pk}
    body = b'{"a": "' + b"x" * TEN_MEGABYTES + b'"}'
    routes = json_write_routes()
    assert ("post", "auth/token") in routes
    for method, route in routes:
        response = api.generic(method.upper(), fill(route, ids), body, "application/json")
        assert response.status_code in (400, 413), (method, route, response.status_code)
        assert response.json() == envelope(response.status_code, "Request body is too large")


@pytest.mark.django_db
def test_a_ten_megabyte_body_is_refused_in_the_envelope_by_the_webhook_receiver(
    account_factory,
):
    account = account_factory()
    body = b'{"object": "page", "entry": ["' + b"x" * TEN_MEGABYTES + b'"]}'
    response = Client().post(f"/webhooks/facebook/{account.pk}", body, "application/json")
    assert response.status_code == 413
    assert response.json() == envelope(413, "Request body too large")


# --- Production configuration ----------------------------------------------------------------

# Keys of the length and variety of real ones: check --deploy judges SECRET_KEY's strength.
DEPLOYED = {
    **PRODUCTION,
    "SECRET_KEY": "k8Vq2-mZr7Lw0PxT4yNc9HbF1sGd6JeA3uKo5RiU-tYhXnQ_vEaWlB",
    "ALLOWED_HOSTS": "api.example.com",
}


def test_check_deploy_finds_nothing_under_production_settings(monkeypatch):
    # The production defaults, not the test run's.
    monkeypatch.delenv("SECURE_SSL_REDIRECT")
    result = import_settings(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'DEBUG'])",
        DJANGO_SETTINGS_MODULE="vchata_social.settings",
        **DEPLOYED,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("SOCIAL_FACEBOOK_GRAPH_URL", "http://graph.facebook.com/v23.0"),
        ("SOCIAL_YOUTUBE_WEBSUB_HUB_URL", "http://pubsubhubbub.appspot.com/subscribe"),
        ("SOCIAL_TIKTOK_API_URL", "ftp://open.tiktokapis.com"),
        ("SOCIAL_LINKEDIN_OAUTH_URL", "http://127.0.0.1.example.com/oauth/v2"),
    ],
)
def test_production_refuses_a_platform_url_that_is_not_https(variable, url):
    result = import_settings(**DEPLOYED, **{variable: url})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: DEBUG is off but {variable} is not https" in result.stderr


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8123", "http://localhost:8123", "http://[::1]:8123"]
)
def test_production_sends_to_a_platform_stand_in_on_a_loopback_address(url):
    values = settings_values("SOCIAL_PLATFORMS", **DEPLOYED, SOCIAL_TIKTOK_API_URL=url)
    assert values["SOCIAL_PLATFORMS"]["TIKTOK"]["API_URL"] == url


def test_local_use_takes_a_plain_http_platform_url():
    values = settings_values(
        "SOCIAL_PLATFORMS", DEBUG="true", SOCIAL_FACEBOOK_GRAPH_URL="http://graph.example.test"
    )
    assert values["SOCIAL_PLATFORMS"]["FACEBOOK"]["GRAPH_URL"] == "http://graph.example.test"


@pytest.mark.parametrize(("debug", "required"), [("false", True), ("true", False)])
def test_notification_endpoints_must_be_https_unless_debug(debug, required):
    environment = DEPLOYED if debug == "false" else {"DEBUG": "true"}
    values = settings_values("NOTIFICATION_ENDPOINTS_REQUIRE_HTTPS", **environment)
    assert values["NOTIFICATION_ENDPOINTS_REQUIRE_HTTPS"] is required
