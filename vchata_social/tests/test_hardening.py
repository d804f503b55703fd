"""Hostile input that needs no sign-in must answer 400 (401 for credentials, 404 for ids) in
the error envelope, never a 500."""

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from vchata_social.handlers import WSGIHandler

DEEP_ARRAYS = "[" * 1000 + "]" * 1000
DEEP_OBJECTS = '{"a":' * 1000 + "1" + "}" * 1000
SIGN_IN = b'{"username": "alice", "password": "secret"}'


@dataclass
class Answer:
    status: int
    body: dict


def answer_of(response) -> Answer:
    return Answer(response.status_code, response.json())


@contextmanager
def _database_connection_kept() -> Iterator[None]:
    """A WSGI server closes stale connections around each request; within a test that would
    close the connection holding the test's transaction (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def through_wsgi(method: str, path: str, *, content_type: str, body: bytes = b"") -> Answer:
    """The request as the production WSGI entry point makes it: the test client builds its
    own request objects, which would fail before the application is even reached."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses = []
    with _database_connection_kept():
        chunks = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
        content = b"".join(chunks)
        chunks.close()
    return Answer(int(statuses[0].split()[0]), json.loads(content))


def signed_access_token(**claims) -> str:
    token = AccessToken()
    for name, value in claims.items():
        token[name] = value
    return str(token)


def signed_refresh_token(**claims) -> str:
    token = RefreshToken()
    for name, value in claims.items():
        token[name] = value
    return str(token)


def bearer_get(path: str, token: str) -> Answer:
    return answer_of(APIClient().get(path, HTTP_AUTHORIZATION=f"Bearer {token}"))


def post_json(path: str, body: str) -> Answer:
    return answer_of(Client().post(path, body, content_type="application/json"))


CASES: dict[str, tuple[Callable[[], Answer], int, str]] = {
    "arrays nested 1000 deep": (
        lambda: post_json("/auth/token", DEEP_ARRAYS),
        400,
        "Request body is nested too deeply",
    ),
    "objects nested 1000 deep": (
        lambda: post_json("/auth/token", DEEP_OBJECTS),
        400,
        "Request body is nested too deeply",
    ),
    "nesting on another JSON endpoint": (
        lambda: post_json("/auth/token/refresh", DEEP_OBJECTS),
        400,
        "Request body is nested too deeply",
    ),
    "POST with charset=base64": (
        lambda: through_wsgi(
            "POST", "/auth/token", content_type="application/json; charset=base64", body=SIGN_IN
        ),
        400,
        "Content-Type names a charset that is not supported",
    ),
    "POST with an unknown charset": (
        lambda: through_wsgi(
            "POST", "/auth/token", content_type="application/json; charset=nonsense", body=SIGN_IN
        ),
        400,
        "Content-Type names a charset that is not supported",
    ),
    "GET with charset=base64 and a query string": (
        lambda: through_wsgi(
            "GET",
            "/social/accounts?platform=FACEBOOK",
            content_type="application/json; charset=base64",
        ),
        400,
        "Content-Type names a charset that is not supported",
    ),
    "GET with charset=zlib on the public webhook receiver": (
        lambda: through_wsgi(
            "GET",
            "/webhooks/FACEBOOK/social_x?hub.mode=subscribe",
            content_type="text/plain; charset=zlib",
        ),
        400,
        "Content-Type names a charset that is not supported",
    ),
    "JWT whose user_id is a word": (
        lambda: bearer_get("/social/accounts", signed_access_token(user_id="abc", org="org_x")),
        401,
        "Invalid or expired access token",
    ),
    "JWT whose user_id is a fraction": (
        lambda: bearer_get("/social/accounts", signed_access_token(user_id=1.5, org="org_x")),
        401,
        "Invalid or expired access token",
    ),
    "JWT whose user_id is a list": (
        lambda: bearer_get("/social/accounts", signed_access_token(user_id=["1"], org="org_x")),
        401,
        "Invalid or expired access token",
    ),
    "refresh token whose user_id is a word": (
        lambda: answer_of(
            APIClient().post(
                "/auth/token/refresh",
                {"refreshToken": signed_refresh_token(user_id="abc", org="org_x")},
                format="json",
            )
        ),
        401,
        "Invalid or expired refresh token",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES)
def test_hostile_input_answers_in_the_envelope_without_a_500(case):
    send, status, message = CASES[case]
    answer = send()
    assert answer.status == status
    assert answer.body == {
        "success": False,
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
    }


# (the route with a NUL id, the same route with an unknown id), each needing a signed-in caller.
NUL_ID_ROUTES = [
    ("get", "/social/accounts/%00", "/social/accounts/social_unknown"),
    ("patch", "/social/accounts/%00", "/social/accounts/social_unknown"),
    ("get", "/social/accounts/%00/pages", "/social/accounts/social_unknown/pages"),
    ("get", "/social/accounts/%00/stats", "/social/accounts/social_unknown/stats"),
    ("get", "/social/accounts/%00/events", "/social/accounts/social_unknown/events"),
    ("delete", "/social/accounts/%00/webhook", "/social/accounts/social_unknown/webhook"),
    (
        "get",
        "/social/accounts/%00/sync-runs/sync_a%00",
        "/social/accounts/social_unknown/sync-runs/sync_unknown",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "nul_path", "unknown_path"), NUL_ID_ROUTES)
def test_a_nul_in_an_id_is_the_same_404_as_an_unknown_id(api, method, nul_path, unknown_path):
    nul = getattr(api, method)(nul_path, {}, format="json")
    unknown = getattr(api, method)(unknown_path, {}, format="json")
    assert unknown.status_code == 404
    assert (nul.status_code, nul.json()) == (unknown.status_code, unknown.json())


@pytest.mark.django_db
def test_a_nul_in_an_id_on_the_public_receiver_is_the_same_404_as_an_unknown_id():
    nul = Client().get("/webhooks/FACEBOOK/social_a%00")
    unknown = Client().get("/webhooks/FACEBOOK/social_unknown")
    assert unknown.status_code == 404
    assert (nul.status_code, nul.json()) == (unknown.status_code, unknown.json())
