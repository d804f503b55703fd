"""Facebook webhooks, and the Meta checks that Instagram shares.

Meta answers both products the same way: a GET verification request when the callback is
configured, then POSTed event notifications signed with the app secret. Only the app whose
secret signs differs, so `MetaWebhookPlatform` holds the checks and each product names its app.

Documentation followed:
- Verification requests (`hub.mode=subscribe`, `hub.challenge`, `hub.verify_token`, answered
  with the challenge) and event notifications signed `X-Hub-Signature-256: sha256=<HMAC-SHA256
  of the payload with the App Secret>`, in lowercase hex over the escaped-unicode payload as
  sent (so the raw bytes, never re-serialized JSON); notifications batched, up to 1000 updates:
  https://developers.facebook.com/docs/graph-api/webhooks/getting-started
- Page webhooks (the `feed` and `messages` fields; payloads with `object: "page"` and several
  `entry[]` items, each with its `changes[]`, and no id of the delivery itself):
  https://developers.facebook.com/docs/pages-api/webhooks-for-pages
"""

from collections.abc import Mapping

from django.http import HttpResponse, QueryDict

from webhooks.platforms.base import (
    WebhookPlatform,
    WebhookSecrets,
    app_secret,
    hmac_sha256,
    same,
    same_hex,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


class MetaWebhookPlatform(WebhookPlatform):
    """Meta's handshake and signature. The app secret is that of `platform`'s app in
    SOCIAL_PLATFORMS. A delivery batches several entries and carries no id of its own, so
    `event_key` stays None and the receiver keys deliveries on the body."""

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        challenge = query.get("hub.challenge", "")
        if query.get("hub.mode") != "subscribe" or not challenge:
            return None
        if not verify_token_matches(secrets.verify_token, query.get("hub.verify_token")):
            return None
        return HttpResponse(challenge, content_type="text/plain")

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = app_secret(self.platform)
        received = headers.get(SIGNATURE_HEADER) or ""
        # An empty key is one anyone can sign with.
        if not secret or not received.startswith(SIGNATURE_PREFIX):
            return False
        expected = hmac_sha256(secret, body).hexdigest()
        return same_hex(expected, received.removeprefix(SIGNATURE_PREFIX))


def verify_token_matches(ours: str, received: str | None) -> bool:
    # Without a verify token of our own, an empty hub.verify_token would match it.
    return bool(ours) and same(ours, received)


class FacebookWebhookPlatform(MetaWebhookPlatform):
    """Page webhooks, signed with the Facebook app's secret."""

    platform = "FACEBOOK"
