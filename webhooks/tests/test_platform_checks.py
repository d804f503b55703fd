"""Each platform's webhook checks on their own: the GET handshake, the signature over the raw
body and the event key.

Signatures are computed here from known secrets. No platform publishes a complete example
(its secret, input and expected value), so the HMAC-SHA256 key and message order is pinned
instead by the RFC 4231 test vector (RFC 2202 for SHA-1), which a key and message swapped the
same way in code and test cannot pass. No database: secrets come from settings and from
WebhookSecrets."""

import base64
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import RequestFactory

from accounts.platforms.tests.support import PLATFORMS, client_secret
from webhooks.platforms import get_webhook_platform
from webhooks.platforms.base import WebhookSecrets

FIXTURES = Path(__file__).parent / "fixtures"

# Distinctive values, so that a leak into a log line is easy to spot.
CONSUMER_SECRET = "twitter-consumer-secret-SECRET-1a2b3c"
VERIFY_TOKEN = "verify-token-SECRET-9f8e7d"
SUBSCRIPTION_SECRET = "websub-secret-SECRET-6c5b4a"
SECRET_VALUES = (
    CONSUMER_SECRET,
    VERIFY_TOKEN,
    SUBSCRIPTION_SECRET,
    *(client_secret(platform) for platform in PLATFORMS),
)

TOPIC = "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw"
SECRETS = WebhookSecrets(
    verify_token=VERIFY_TOKEN, subscription_secret=SUBSCRIPTION_SECRET, topics=(TOPIC,)
)

# RFC 4231 test case 2, and RFC 2202 test case 2 for SHA-1.
RFC_KEY = "Jefe"
RFC_DATA = b"what do ya want for nothing?"
RFC_HMAC = {
    "sha1": "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    "sha256": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    "sha384": (
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
        "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"
    ),
    "sha512": (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    ),
}

factory = RequestFactory()


def fixture(platform: str, name: str) -> bytes:
    """The raw bytes of fixtures/<platform>/<name>, as the platform would send them."""
    return (FIXTURES / platform / name).read_bytes()


def hex_hmac(key: str, message: bytes, method: str = "sha256") -> str:
    return hmac.new(key.encode(), message, method).hexdigest()


def checked(
    platform: str, body: bytes, headers: dict[str, str], secrets: WebhookSecrets = SECRETS
) -> bool:
    """The signature check as the receiver runs it: the raw body and the headers of a real
    Django request."""
    request = factory.post("/webhooks/hook", body, content_type="application/json", headers=headers)
    return get_webhook_platform(platform).signature_valid(request.body, request.headers, secrets)


def handshake(platform: str, params: dict[str, str], secrets: WebhookSecrets = SECRETS):
    query = factory.get("/webhooks/hook", params).GET
    return get_webhook_platform(platform).answer_handshake(query, secrets)


@pytest.fixture(autouse=True)
def configured(platform_settings):
    """Every platform's app secret (conftest's platform_settings), X's consumer secret and
    the TikTok tolerance, so that no test depends on the environment."""
    platform_settings.SOCIAL_TWITTER_CONSUMER_SECRET = CONSUMER_SECRET
    platform_settings.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = 300
    return platform_settings


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for secret in SECRET_VALUES:
        assert secret not in caplog.text, "a secret leaked into the logs"


def set_app_secret(settings, platform: str, secret: str) -> None:
    settings.SOCIAL_PLATFORMS[platform]["CLIENT_SECRET"] = secret


# --- The registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_has_its_webhook_checks(platform):
    checks = get_webhook_platform(platform)

    assert checks.platform == platform
    assert get_webhook_platform(platform.lower()) is checks


def test_an_unknown_platform_has_no_webhook_checks():
    with pytest.raises(KeyError, match="MYSPACE"):
        get_webhook_platform("MYSPACE")


# --- Meta: Facebook and Instagram -----------------------------------------------------------

META_PLATFORMS = ("FACEBOOK", "INSTAGRAM")
META_DELIVERIES = [
    pytest.param("FACEBOOK", fixture("facebook", "page_feed_comments.json"), id="facebook"),
    pytest.param("INSTAGRAM", fixture("instagram", "comments.json"), id="instagram"),
]
META_HANDSHAKE = {
    "hub.mode": "subscribe",
    "hub.challenge": "1158201444",
    "hub.verify_token": VERIFY_TOKEN,
}


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hex_hmac(secret, body)


@pytest.mark.parametrize("platform", META_PLATFORMS)
def test_meta_handshake_echoes_the_challenge_as_plain_text(platform):
    answer = handshake(platform, META_HANDSHAKE)

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content == b"1158201444"


@pytest.mark.parametrize("platform", META_PLATFORMS)
@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"hub.verify_token": "a-guess"}, id="wrong-token"),
        pytest.param({"hub.verify_token": VERIFY_TOKEN.upper()}, id="token-in-other-case"),
        pytest.param({"hub.verify_token": VERIFY_TOKEN + "x"}, id="token-longer"),
        pytest.param({"hub.mode": "unsubscribe"}, id="other-mode"),
        pytest.param({"hub.challenge": ""}, id="empty-challenge"),
    ],
)
def test_meta_handshake_refuses_a_wrong_token_or_mode(platform, changed):
    assert handshake(platform, {**META_HANDSHAKE, **changed}) is None


@pytest.mark.parametrize("platform", META_PLATFORMS)
@pytest.mark.parametrize("missing", list(META_HANDSHAKE))
def test_meta_handshake_refuses_a_missing_parameter(platform, missing):
    params = {name: value for name, value in META_HANDSHAKE.items() if name != missing}

    assert handshake(platform, params) is None


@pytest.mark.parametrize("platform", META_PLATFORMS)
def test_meta_handshake_refuses_everything_without_a_verify_token_of_ours(platform):
    no_token = WebhookSecrets()

    assert handshake(platform, {**META_HANDSHAKE, "hub.verify_token": ""}, no_token) is None
    assert handshake(platform, META_HANDSHAKE, no_token) is None


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_a_meta_delivery_signed_with_its_app_secret_is_valid(platform, body):
    signature = meta_signature(client_secret(platform), body)

    in_capitals = "sha256=" + hex_hmac(client_secret(platform), body).upper()

    assert checked(platform, body, {"X-Hub-Signature-256": signature})
    assert checked(platform, body, {"X-Hub-Signature-256": in_capitals})


def test_each_meta_app_checks_with_its_own_secret():
    facebook_body = fixture("facebook", "page_feed_comments.json")
    instagram_body = fixture("instagram", "comments.json")

    signed_by_instagram = meta_signature(client_secret("INSTAGRAM"), facebook_body)
    signed_by_facebook = meta_signature(client_secret("FACEBOOK"), instagram_body)

    assert not checked("FACEBOOK", facebook_body, {"X-Hub-Signature-256": signed_by_instagram})
    assert not checked("INSTAGRAM", instagram_body, {"X-Hub-Signature-256": signed_by_facebook})


@pytest.mark.parametrize("platform", META_PLATFORMS)
def test_meta_signature_matches_the_rfc_4231_known_answer(platform, configured):
    set_app_secret(configured, platform, RFC_KEY)

    assert checked(platform, RFC_DATA, {"X-Hub-Signature-256": "sha256=" + RFC_HMAC["sha256"]})


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_a_meta_delivery_with_a_wrong_signature_is_refused(platform, body):
    signature = meta_signature("not-the-app-secret", body)

    assert not checked(platform, body, {"X-Hub-Signature-256": signature})


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_a_meta_delivery_with_a_tampered_body_is_refused(platform, body):
    signature = meta_signature(client_secret(platform), body)
    tampered = body.replace(b"1763550000", b"1763550099")

    assert tampered != body
    assert not checked(platform, tampered, {"X-Hub-Signature-256": signature})


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_a_meta_signature_covers_the_raw_bytes_not_the_json_they_parse_to(platform, body):
    signature = meta_signature(client_secret(platform), body)
    same_json_other_bytes = json.dumps(json.loads(body)).encode()

    assert not checked(platform, same_json_other_bytes, {"X-Hub-Signature-256": signature})


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_a_meta_delivery_without_its_signature_is_refused(platform, body):
    # The older SHA-1 header is not the one checked.
    older_header = {"X-Hub-Signature": "sha1=" + hex_hmac(client_secret(platform), body, "sha1")}

    assert not checked(platform, body, {})
    assert not checked(platform, body, older_header)


MALFORMED_HEX_SIGNATURES = [
    pytest.param(lambda digest: "", id="empty"),
    pytest.param(lambda digest: "sha256=", id="prefix-only"),
    pytest.param(lambda digest: digest, id="no-prefix"),
    pytest.param(lambda digest: "sha1=" + digest, id="other-method"),
    pytest.param(lambda digest: "sha256 =" + digest, id="spaced"),
    pytest.param(lambda digest: "sha256=" + digest[:-2], id="truncated"),
    pytest.param(lambda digest: "sha256=" + digest + "00", id="too-long"),
    pytest.param(lambda digest: "sha256=" + digest[:-1] + "é", id="non-ascii"),
    pytest.param(lambda digest: "sha256=" + "zz" * 32, id="not-hex"),
]


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
@pytest.mark.parametrize("malformed", MALFORMED_HEX_SIGNATURES)
def test_a_meta_delivery_with_a_malformed_signature_is_refused(platform, body, malformed):
    digest = hex_hmac(client_secret(platform), body)

    assert not checked(platform, body, {"X-Hub-Signature-256": malformed(digest)})


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_meta_refuses_everything_when_the_app_secret_is_empty(platform, body, configured):
    set_app_secret(configured, platform, "")

    assert not checked(platform, body, {"X-Hub-Signature-256": meta_signature("", body)})


@pytest.mark.parametrize(("platform", "body"), META_DELIVERIES)
def test_a_meta_delivery_has_no_event_key_of_its_own(platform, body):
    assert get_webhook_platform(platform).event_key(body) is None


# --- X (Twitter) ------------------------------------------------------------------------------

X_BODY = fixture("twitter", "tweet_create_events.json")
CRC_TOKEN = "9b4507b3-9040-4669-9ca3-6b94edb50553"


def x_signature(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, "sha256").digest()
    return "sha256=" + base64.b64encode(digest).decode()


def test_x_crc_answers_the_response_token_as_json():
    answer = handshake("TWITTER", {"crc_token": CRC_TOKEN})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    expected = x_signature(CONSUMER_SECRET, CRC_TOKEN.encode())
    assert json.loads(answer.content) == {"response_token": expected}
    # The consumer secret, not the OAuth 2.0 client secret.
    assert expected != x_signature(client_secret("TWITTER"), CRC_TOKEN.encode())


def test_x_crc_matches_the_rfc_4231_known_answer(configured):
    configured.SOCIAL_TWITTER_CONSUMER_SECRET = RFC_KEY

    answer = handshake("TWITTER", {"crc_token": RFC_DATA.decode()})

    known = base64.b64encode(bytes.fromhex(RFC_HMAC["sha256"])).decode()
    assert json.loads(answer.content) == {"response_token": "sha256=" + known}


@pytest.mark.parametrize("params", [{}, {"crc_token": ""}, {"hub.challenge": "1158201444"}])
def test_x_crc_without_a_token_is_refused(params):
    assert handshake("TWITTER", params) is None


def test_x_crc_is_refused_without_a_consumer_secret(configured):
    configured.SOCIAL_TWITTER_CONSUMER_SECRET = ""

    assert handshake("TWITTER", {"crc_token": CRC_TOKEN}) is None


def test_an_x_delivery_signed_with_the_consumer_secret_is_valid():
    signature = x_signature(CONSUMER_SECRET, X_BODY)

    assert checked("TWITTER", X_BODY, {"x-twitter-webhooks-signature": signature})


def test_x_signature_matches_the_rfc_4231_known_answer(configured):
    configured.SOCIAL_TWITTER_CONSUMER_SECRET = RFC_KEY
    known = "sha256=" + base64.b64encode(bytes.fromhex(RFC_HMAC["sha256"])).decode()

    assert checked("TWITTER", RFC_DATA, {"x-twitter-webhooks-signature": known})


def test_an_x_delivery_with_a_wrong_signature_is_refused():
    wrong_secrets = (client_secret("TWITTER"), "not-the-consumer-secret")

    for secret in wrong_secrets:
        signature = x_signature(secret, X_BODY)
        assert not checked("TWITTER", X_BODY, {"x-twitter-webhooks-signature": signature})


def test_an_x_delivery_with_a_tampered_body_is_refused():
    signature = x_signature(CONSUMER_SECRET, X_BODY)
    tampered = X_BODY.replace(b"next release", b"last release")

    assert tampered != X_BODY
    assert not checked("TWITTER", tampered, {"x-twitter-webhooks-signature": signature})


def test_an_x_delivery_without_its_signature_is_refused():
    assert not checked("TWITTER", X_BODY, {})


@pytest.mark.parametrize(
    "malformed",
    [
        pytest.param(lambda signature: "", id="empty"),
        pytest.param(lambda signature: "sha256=", id="prefix-only"),
        pytest.param(lambda signature: signature.removeprefix("sha256="), id="no-prefix"),
        pytest.param(lambda signature: signature.rstrip("="), id="unpadded"),
        pytest.param(lambda signature: signature.lower(), id="other-case"),
        pytest.param(
            lambda signature: "sha256=" + hex_hmac(CONSUMER_SECRET, X_BODY), id="hex-not-base64"
        ),
        pytest.param(lambda signature: signature + "é", id="non-ascii"),
    ],
)
def test_an_x_delivery_with_a_malformed_signature_is_refused(malformed):
    signature = malformed(x_signature(CONSUMER_SECRET, X_BODY))

    assert not checked("TWITTER", X_BODY, {"x-twitter-webhooks-signature": signature})


def test_x_refuses_everything_when_the_consumer_secret_is_empty(configured):
    configured.SOCIAL_TWITTER_CONSUMER_SECRET = ""

    assert not checked("TWITTER", X_BODY, {"x-twitter-webhooks-signature": x_signature("", X_BODY)})
    assert not checked("TWITTER", X_BODY, {"x-twitter-webhooks-signature": ""})


def test_an_x_delivery_has_no_event_key_of_its_own():
    assert get_webhook_platform("TWITTER").event_key(X_BODY) is None


# --- LinkedIn ---------------------------------------------------------------------------------

LINKEDIN_BODY = fixture("linkedin", "comment_notification.json")
LINKEDIN_BATCH = fixture("linkedin", "batched_notifications.json")
# The challenge code of LinkedIn's webhook validation page.
DOCUMENTED_CHALLENGE_CODE = "890e4665-4dfe-4ab1-b689-ed553bceeed0"


def linkedin_signature(secret: str, body: bytes) -> str:
    return hex_hmac(secret, b"hmacsha256=" + body)


def test_linkedin_validation_answers_the_challenge_response_as_json():
    answer = handshake("LINKEDIN", {"challengeCode": DOCUMENTED_CHALLENGE_CODE})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert json.loads(answer.content) == {
        "challengeCode": DOCUMENTED_CHALLENGE_CODE,
        "challengeResponse": hex_hmac(
            client_secret("LINKEDIN"), DOCUMENTED_CHALLENGE_CODE.encode()
        ),
    }


def test_linkedin_validation_matches_the_rfc_4231_known_answer(configured):
    set_app_secret(configured, "LINKEDIN", RFC_KEY)

    answer = handshake("LINKEDIN", {"challengeCode": RFC_DATA.decode()})

    assert json.loads(answer.content)["challengeResponse"] == RFC_HMAC["sha256"]


@pytest.mark.parametrize("params", [{}, {"challengeCode": ""}, {"crc_token": CRC_TOKEN}])
def test_linkedin_validation_without_a_challenge_code_is_refused(params):
    assert handshake("LINKEDIN", params) is None


def test_linkedin_validation_is_refused_without_a_client_secret(configured):
    set_app_secret(configured, "LINKEDIN", "")

    assert handshake("LINKEDIN", {"challengeCode": DOCUMENTED_CHALLENGE_CODE}) is None


@pytest.mark.parametrize("body", [LINKEDIN_BODY, LINKEDIN_BATCH], ids=["one", "batch"])
def test_a_linkedin_delivery_signed_over_the_prefixed_body_is_valid(body):
    signature = linkedin_signature(client_secret("LINKEDIN"), body)

    assert checked("LINKEDIN", body, {"X-LI-Signature": signature})
    assert checked("LINKEDIN", body, {"X-LI-Signature": signature.upper()})


def test_the_linkedin_prefix_is_signed_not_sent():
    secret = client_secret("LINKEDIN")

    body_alone = hex_hmac(secret, LINKEDIN_BODY)
    prefixed_header = "hmacsha256=" + linkedin_signature(secret, LINKEDIN_BODY)

    assert not checked("LINKEDIN", LINKEDIN_BODY, {"X-LI-Signature": body_alone})
    assert not checked("LINKEDIN", LINKEDIN_BODY, {"X-LI-Signature": prefixed_header})


def test_a_linkedin_delivery_with_a_wrong_signature_is_refused():
    signature = linkedin_signature("not-the-client-secret", LINKEDIN_BODY)

    assert not checked("LINKEDIN", LINKEDIN_BODY, {"X-LI-Signature": signature})


def test_a_linkedin_delivery_with_a_tampered_body_is_refused():
    signature = linkedin_signature(client_secret("LINKEDIN"), LINKEDIN_BODY)
    tampered = LINKEDIN_BODY.replace(b"4406004", b"4406009")

    assert tampered != LINKEDIN_BODY
    assert not checked("LINKEDIN", tampered, {"X-LI-Signature": signature})


def test_a_linkedin_delivery_without_its_signature_is_refused():
    assert not checked("LINKEDIN", LINKEDIN_BODY, {})


@pytest.mark.parametrize(
    "malformed",
    [
        pytest.param(lambda digest: "", id="empty"),
        pytest.param(lambda digest: digest[:-2], id="truncated"),
        pytest.param(lambda digest: digest + "00", id="too-long"),
        pytest.param(lambda digest: "sha256=" + digest, id="other-prefix"),
        pytest.param(lambda digest: digest[:-1] + "é", id="non-ascii"),
        pytest.param(lambda digest: "zz" * 32, id="not-hex"),
    ],
)
def test_a_linkedin_delivery_with_a_malformed_signature_is_refused(malformed):
    signature = malformed(linkedin_signature(client_secret("LINKEDIN"), LINKEDIN_BODY))

    assert not checked("LINKEDIN", LINKEDIN_BODY, {"X-LI-Signature": signature})


def test_linkedin_refuses_everything_when_the_client_secret_is_empty(configured):
    set_app_secret(configured, "LINKEDIN", "")
    signature = linkedin_signature("", LINKEDIN_BODY)

    assert not checked("LINKEDIN", LINKEDIN_BODY, {"X-LI-Signature": signature})


def test_a_linkedin_notification_is_keyed_on_its_notification_id():
    linkedin = get_webhook_platform("LINKEDIN")

    assert linkedin.event_key(LINKEDIN_BODY) == "notification:4406004"
    assert linkedin.event_key(b'{"notifications": [{"notificationId": "4406004"}]}') == (
        "notification:4406004"
    )


def test_a_linkedin_batch_is_keyed_on_its_notification_ids_in_any_order():
    linkedin = get_webhook_platform("LINKEDIN")
    payload = json.loads(LINKEDIN_BATCH)
    payload["notifications"].reverse()

    key = linkedin.event_key(LINKEDIN_BATCH)

    assert key.startswith("notifications:")
    assert len(key) <= 255
    assert linkedin.event_key(json.dumps(payload).encode()) == key
    assert key != linkedin.event_key(LINKEDIN_BODY)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"[]", id="not-an-object"),
        pytest.param(b'{"type": "LEAD_ACTION"}', id="no-notifications"),
        pytest.param(b'{"notifications": []}', id="no-notification"),
        pytest.param(b'{"notifications": {"notificationId": 1}}', id="not-a-list"),
        pytest.param(b'{"notifications": [{"action": "LIKE"}]}', id="no-id"),
        pytest.param(b'{"notifications": [{"notificationId": 1}, {}]}', id="one-without-id"),
        pytest.param(b'{"notifications": [{"notificationId": true}]}', id="boolean-id"),
        pytest.param(b'{"notifications": [{"notificationId": "n-1"}]}', id="not-a-long"),
        pytest.param(b'{"notifications": [{"notificationId": 1e3}]}', id="float-id"),
        pytest.param(b'{"notifications": [{"notificationId": ' + b"9" * 40 + b"}]}", id="huge"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
    ],
)
def test_a_linkedin_delivery_without_notification_ids_has_no_event_key(body):
    assert get_webhook_platform("LINKEDIN").event_key(body) is None


# --- TikTok -----------------------------------------------------------------------------------

TIKTOK_BODY = fixture("tiktok", "authorization_removed.json")
NOW = datetime(2025, 11, 19, 11, 0, tzinfo=UTC)
NOW_SECONDS = int(NOW.timestamp())


def tiktok_signature(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},s=" + hex_hmac(secret, f"{timestamp}.".encode() + body)


def tiktok_checked(timestamp: int, body: bytes = TIKTOK_BODY) -> bool:
    signature = tiktok_signature(client_secret("TIKTOK"), timestamp, body)
    return checked("TIKTOK", body, {"TikTok-Signature": signature})


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    "params", [{}, {"hub.mode": "subscribe", "hub.challenge": "1"}, {"challenge": "12345"}]
)
def test_tiktok_answers_no_handshake(params):
    assert handshake("TIKTOK", params) is None


def test_a_tiktok_delivery_signed_now_is_valid(clock):
    assert tiktok_checked(NOW_SECONDS)


def test_a_tiktok_delivery_is_valid_up_to_the_tolerance_either_way(clock):
    assert tiktok_checked(NOW_SECONDS - 300)
    assert tiktok_checked(NOW_SECONDS + 300)


def test_a_stale_tiktok_delivery_is_refused(clock):
    assert not tiktok_checked(NOW_SECONDS - 301)


def test_a_tiktok_delivery_from_the_future_is_refused(clock):
    assert not tiktok_checked(NOW_SECONDS + 301)


def test_a_tiktok_delivery_replayed_after_the_tolerance_is_refused(clock):
    signature = tiktok_signature(client_secret("TIKTOK"), NOW_SECONDS, TIKTOK_BODY)
    assert checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": signature})

    clock.shift(timedelta(seconds=301))

    assert not checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": signature})


def test_the_tiktok_tolerance_is_the_setting(clock, configured):
    configured.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = 60

    assert tiktok_checked(NOW_SECONDS - 60)
    assert not tiktok_checked(NOW_SECONDS - 61)


def test_a_tiktok_delivery_with_a_wrong_signature_is_refused(clock):
    signature = tiktok_signature("not-the-client-secret", NOW_SECONDS, TIKTOK_BODY)

    assert not checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": signature})


def test_a_tiktok_signature_covers_its_timestamp(clock):
    signed_earlier = tiktok_signature(client_secret("TIKTOK"), NOW_SECONDS - 1, TIKTOK_BODY)
    moved = signed_earlier.replace(f"t={NOW_SECONDS - 1}", f"t={NOW_SECONDS}")

    assert not checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": moved})


def test_a_tiktok_delivery_with_a_tampered_body_is_refused(clock):
    signature = tiktok_signature(client_secret("TIKTOK"), NOW_SECONDS, TIKTOK_BODY)
    tampered = TIKTOK_BODY.replace(b'\\"reason\\": 1', b'\\"reason\\": 5')

    assert tampered != TIKTOK_BODY
    assert not checked("TIKTOK", tampered, {"TikTok-Signature": signature})


def test_a_tiktok_delivery_without_its_signature_is_refused(clock):
    assert not checked("TIKTOK", TIKTOK_BODY, {})


@pytest.mark.parametrize(
    "malformed",
    [
        pytest.param(lambda t, s: "", id="empty"),
        pytest.param(lambda t, s: f"s={s}", id="no-timestamp"),
        pytest.param(lambda t, s: f"t={t}", id="no-signature"),
        pytest.param(lambda t, s: f"t={t},s=", id="empty-signature"),
        pytest.param(lambda t, s: f"t=,s={s}", id="empty-timestamp"),
        pytest.param(lambda t, s: f"t=now,s={s}", id="timestamp-not-a-number"),
        pytest.param(lambda t, s: f"t=-{t},s={s}", id="negative-timestamp"),
        pytest.param(lambda t, s: f"t=²,s={s}", id="unicode-digit"),
        pytest.param(lambda t, s: f"t={t};s={s}", id="wrong-separator"),
        pytest.param(lambda t, s: f"{t},{s}", id="no-names"),
        pytest.param(lambda t, s: f"t={t},s={s[:-2]}", id="truncated"),
        pytest.param(lambda t, s: f"t={t},s={s[:-1]}é", id="non-ascii"),
        pytest.param(lambda t, s: f"t={t}{'0' * 30},s={s}", id="huge-timestamp"),
    ],
)
def test_a_tiktok_delivery_with_a_malformed_signature_is_refused(clock, malformed):
    digest = hex_hmac(client_secret("TIKTOK"), f"{NOW_SECONDS}.".encode() + TIKTOK_BODY)

    header = malformed(NOW_SECONDS, digest)

    assert not checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": header})


def test_tiktok_documented_header_is_read_and_refused_for_another_secret():
    """The header of TikTok's verification page, at its own time: parsed without error, and
    refused, since it was not signed with our secret."""
    documented = "t=1633174587,s=18494715036ac4416a1d0a673871a2edbcfc94d94bd88ccd2c5ec9b3425afe66"

    with time_machine.travel(datetime.fromtimestamp(1633174587, tz=UTC), tick=False):
        assert not checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": documented})


def test_tiktok_refuses_everything_when_the_client_secret_is_empty(clock, configured):
    set_app_secret(configured, "TIKTOK", "")
    signature = tiktok_signature("", NOW_SECONDS, TIKTOK_BODY)

    assert not checked("TIKTOK", TIKTOK_BODY, {"TikTok-Signature": signature})


def test_a_tiktok_delivery_has_no_event_key_of_its_own():
    assert get_webhook_platform("TIKTOK").event_key(TIKTOK_BODY) is None


# --- YouTube (WebSub) ---------------------------------------------------------------------------

YOUTUBE_BODY = fixture("youtube", "video_updated.xml")
SUBSCRIBE = {
    "hub.mode": "subscribe",
    "hub.topic": TOPIC,
    "hub.challenge": "5fa3c1e2b7d94a60",
    "hub.lease_seconds": "432000",
}
WEBSUB_METHODS = ("sha1", "sha256", "sha384", "sha512")


def test_youtube_confirms_a_subscription_to_one_of_our_topics():
    answer = handshake("YOUTUBE", SUBSCRIBE)

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content == b"5fa3c1e2b7d94a60"


def test_youtube_confirms_an_unsubscription_which_has_no_lease():
    params = {"hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.challenge": "e2b7d94a"}

    answer = handshake("YOUTUBE", params)

    assert answer.status_code == 200
    assert answer.content == b"e2b7d94a"


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"hub.topic": TOPIC.replace("UC_x5", "UC_y6")}, id="someone-elses-topic"),
        pytest.param({"hub.topic": ""}, id="empty-topic"),
        pytest.param({"hub.mode": "denied"}, id="denied"),
        pytest.param({"hub.mode": "publish"}, id="other-mode"),
        pytest.param({"hub.challenge": ""}, id="empty-challenge"),
        pytest.param({"hub.lease_seconds": "ten days"}, id="lease-not-a-number"),
        pytest.param({"hub.lease_seconds": "-5"}, id="negative-lease"),
    ],
)
def test_youtube_refuses_a_verification_we_did_not_ask_for(changed):
    assert handshake("YOUTUBE", {**SUBSCRIBE, **changed}) is None


@pytest.mark.parametrize("missing", list(SUBSCRIBE))
def test_youtube_refuses_a_verification_missing_a_parameter(missing):
    params = {name: value for name, value in SUBSCRIBE.items() if name != missing}

    assert handshake("YOUTUBE", params) is None


def test_youtube_refuses_every_verification_without_topics_of_ours():
    assert handshake("YOUTUBE", SUBSCRIBE, WebhookSecrets(subscription_secret="s")) is None


@pytest.mark.parametrize("method", WEBSUB_METHODS)
def test_a_youtube_notification_signed_with_any_websub_method_is_valid(method):
    signature = f"{method}=" + hex_hmac(SUBSCRIPTION_SECRET, YOUTUBE_BODY, method)

    assert checked("YOUTUBE", YOUTUBE_BODY, {"X-Hub-Signature": signature})


@pytest.mark.parametrize("method", WEBSUB_METHODS)
def test_youtube_signatures_match_the_rfc_known_answers(method):
    secrets = WebhookSecrets(subscription_secret=RFC_KEY, topics=(TOPIC,))

    assert checked(
        "YOUTUBE", RFC_DATA, {"X-Hub-Signature": f"{method}={RFC_HMAC[method]}"}, secrets
    )


def test_youtube_hex_signatures_are_read_in_either_case():
    digest = hex_hmac(SUBSCRIPTION_SECRET, YOUTUBE_BODY, "sha1")

    assert checked("YOUTUBE", YOUTUBE_BODY, {"X-Hub-Signature": "sha1=" + digest.upper()})


@pytest.mark.parametrize("method", ["md5", "sha224", "sha3_256", "SHA1", ""])
def test_a_youtube_notification_signed_with_another_method_is_refused(method):
    digest = hex_hmac(SUBSCRIPTION_SECRET, YOUTUBE_BODY, method.lower() or "sha1")

    assert not checked("YOUTUBE", YOUTUBE_BODY, {"X-Hub-Signature": f"{method}={digest}"})


def test_a_youtube_notification_with_a_wrong_signature_is_refused():
    for secret in ("another-subscriptions-secret", client_secret("YOUTUBE")):
        signature = "sha1=" + hex_hmac(secret, YOUTUBE_BODY, "sha1")
        assert not checked("YOUTUBE", YOUTUBE_BODY, {"X-Hub-Signature": signature})


def test_a_youtube_notification_with_a_tampered_body_is_refused():
    signature = "sha1=" + hex_hmac(SUBSCRIPTION_SECRET, YOUTUBE_BODY, "sha1")
    tampered = YOUTUBE_BODY.replace(b"Release notes, November", b"Release notes, December")

    assert tampered != YOUTUBE_BODY
    assert not checked("YOUTUBE", tampered, {"X-Hub-Signature": signature})


def test_a_youtube_notification_without_its_signature_is_refused():
    assert not checked("YOUTUBE", YOUTUBE_BODY, {})


@pytest.mark.parametrize(
    "malformed",
    [
        pytest.param(lambda digest: "", id="empty"),
        pytest.param(lambda digest: "sha1=", id="method-only"),
        pytest.param(lambda digest: digest, id="no-method"),
        pytest.param(lambda digest: "sha1:" + digest, id="wrong-separator"),
        pytest.param(lambda digest: "sha1=" + digest[:-2], id="truncated"),
        pytest.param(lambda digest: "sha1=" + digest[:-1] + "é", id="non-ascii"),
        pytest.param(lambda digest: "sha1=" + "zz" * 20, id="not-hex"),
    ],
)
def test_a_youtube_notification_with_a_malformed_signature_is_refused(malformed):
    signature = malformed(hex_hmac(SUBSCRIPTION_SECRET, YOUTUBE_BODY, "sha1"))

    assert not checked("YOUTUBE", YOUTUBE_BODY, {"X-Hub-Signature": signature})


@pytest.mark.parametrize("method", WEBSUB_METHODS)
def test_youtube_refuses_everything_when_the_subscription_secret_is_empty(method):
    no_secret = WebhookSecrets(topics=(TOPIC,))
    signature = f"{method}=" + hex_hmac("", YOUTUBE_BODY, method)

    assert not checked("YOUTUBE", YOUTUBE_BODY, {"X-Hub-Signature": signature}, no_secret)


def test_a_youtube_notification_has_no_event_key_of_its_own():
    assert get_webhook_platform("YOUTUBE").event_key(YOUTUBE_BODY) is None
