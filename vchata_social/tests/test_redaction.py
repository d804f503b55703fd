import pytest

from vchata_social.errors import ApplicationError
from vchata_social.redaction import MAX_CLIENT_MESSAGE_LENGTH, client_safe_message

META_TOKEN = "EAABwzLixnjYBOZCZA1b2C3d4E5f6G7h8I9j0K"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

SCRUBBED = {
    "a Meta token": (f"Token {META_TOKEN} expired", "Token [redacted] expired"),
    "a JWT": (f"Bad token {JWT} given", "Bad token [redacted] given"),
    "query parameters holding secrets": (
        "GET /me?access_token=abc&fields=id&appsecret_proof=f00&client_secret=s",
        "GET /me?access_token=[redacted]&fields=id&appsecret_proof=[redacted]"
        "&client_secret=[redacted]",
    ),
    "a bearer credential": ("sent Bearer act.short-one here", "sent Bearer [redacted] here"),
    "a hex secret": ("secret 5f4dcc3b5aa765d61d8327deb882cf99 here", "secret [redacted] here"),
    "a Google refresh token": (
        "token 1//0gABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abc",
        "token 1//[redacted]",
    ),
}

KEPT = [
    "Meta Graph API error 80001 (fbtrace_id AmFGcW_3hwDB7qFbl_QdebZ)",
    "Social account social_k3m9x0c2v7b1n4q8 not found",
    "The platform did not confirm POST /123456789012345/subscribed_apps",
    "(#200) Requires instagram_business_manage_messages permission",
    "(X needs the tweet.read, users.read, offline.access scopes for this)",
    "Facebook refused the app access token: check SOCIAL_FACEBOOK_CLIENT_SECRET",
]


@pytest.mark.parametrize("case", SCRUBBED)
def test_token_shaped_text_is_redacted(case):
    text, expected = SCRUBBED[case]
    assert client_safe_message(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_messages_are_kept_as_they_are(text):
    assert client_safe_message(text) == text


def test_a_long_message_is_cut_short():
    message = client_safe_message("word " * 2000)
    assert len(message) <= MAX_CLIENT_MESSAGE_LENGTH
    assert message.endswith("word…")


def test_a_token_past_the_cut_is_not_revealed_by_the_cut():
    # The scrubbing sees the token whole, so the cut cannot leave a short, unredacted prefix.
    message = client_safe_message("x " * 240 + META_TOKEN)
    assert META_TOKEN[:8] not in message


def test_an_application_errors_message_is_made_client_safe():
    assert ApplicationError(f"Token {META_TOKEN}").message == "Token [redacted]"
    assert ApplicationError([f"a {JWT}", "b"]).message == ["a [redacted]", "b"]
