"""A platform's own error text reaches the client scrubbed of anything token-shaped and cut
short: it is the platform's to write, not ours."""

import re

import pytest

from accounts.platforms.tests.support import load_fixture
from vchata_social.redaction import MAX_CLIENT_MESSAGE_LENGTH

DEBUG_TOKEN_URL = "https://graph.facebook.com/v23.0/debug_token"
TIKTOK_USER_INFO_URL = "https://open.tiktokapis.com/v2/user/info/"
# Shaped like a Meta user token.
LEAKED_TOKEN = "EAABwzLixnjYBO" + "ZCZA1b2C3d4E5f6G7h8I9j0K" * 4


def meta_error(**error) -> dict:
    return {"error": {"message": "Invalid parameter", "type": "OAuthException", **error}}


def tiktok_scope_error(message: str) -> dict:
    body = load_fixture("tiktok", "scope_not_authorized")
    body["error"]["message"] = message
    return body


def validate(api, account):
    return api.post(f"/social/accounts/{account.pk}/validate-token")


LEAKS = {
    "a Meta trace id quoting a token parameter": (
        "FACEBOOK",
        DEBUG_TOKEN_URL,
        400,
        meta_error(code=100, fbtrace_id=f"AmFGcW_3hwD access_token={LEAKED_TOKEN[:20]}"),
    ),
    "a Meta trace id that is a token": (
        "FACEBOOK",
        DEBUG_TOKEN_URL,
        400,
        meta_error(code=100, fbtrace_id=LEAKED_TOKEN),
    ),
    "a TikTok refusal quoting the bearer token": (
        "TIKTOK",
        TIKTOK_USER_INFO_URL,
        401,
        tiktok_scope_error(f"Scope missing for Authorization: Bearer act.{LEAKED_TOKEN[:20]}"),
    ),
    "a TikTok refusal quoting a JWT": (
        "TIKTOK",
        TIKTOK_USER_INFO_URL,
        401,
        tiktok_scope_error("Scope missing for eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", LEAKS)
def test_a_token_in_a_platforms_error_text_never_reaches_the_client(
    case, api, platforms, account_factory
):
    platform, url, status, body = LEAKS[case]
    account = account_factory(platform=platform)
    platforms.get(re.compile(re.escape(url)), status=status, json=body)

    response = validate(api, account)

    assert response.json()["success"] is False
    message = response.json()["message"]
    assert "[redacted]" in message
    for secret in (LEAKED_TOKEN[:20], "eyJhbGciOiJIUzI1NiJ9", "c2ln"):
        assert secret not in response.content.decode()


@pytest.mark.django_db
def test_pages_of_platform_text_are_cut_short(api, platforms, account_factory):
    account = account_factory(platform="FACEBOOK")
    platforms.get(
        re.compile(re.escape(DEBUG_TOKEN_URL)),
        status=400,
        json=meta_error(code=100, fbtrace_id="lorem ipsum " * 500),
    )

    message = validate(api, account).json()["message"]

    assert len(message) <= MAX_CLIENT_MESSAGE_LENGTH
    assert message.startswith("Meta Graph API error 100 (fbtrace_id lorem ipsum lorem")
    assert message.endswith("…")


@pytest.mark.django_db
def test_a_short_trace_id_is_still_shown(api, platforms, account_factory):
    account = account_factory(platform="FACEBOOK")
    trace_id = "AmFGcW_3hwDB7qFbl_QdebZ"
    platforms.get(
        re.compile(re.escape(DEBUG_TOKEN_URL)),
        status=400,
        json=meta_error(code=100, fbtrace_id=trace_id),
    )

    message = validate(api, account).json()["message"]

    assert message == f"Meta Graph API error 100 (fbtrace_id {trace_id})"
