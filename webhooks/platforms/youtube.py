"""YouTube push notifications, delivered by a WebSub (PubSubHubbub) hub.

Each subscription has its own secret (`hub.secret` when subscribing), kept on our side as
`WebhookSecrets.subscription_secret`; without it nothing is accepted. The hub only verifies
topics we asked for, listed in `WebhookSecrets.topics`.

Documentation followed:
- YouTube's push notifications: subscribe (or unsubscribe) at the Google hub for the topic
  https://www.youtube.com/xml/feeds/videos.xml?channel_id=CHANNEL_ID; an Atom feed is POSTed
  when a channel uploads a video or changes a video's title or description, so the same video
  comes again on each edit, a new event each time (`event_key` stays None):
  https://developers.google.com/youtube/v3/guides/push_notifications
- The W3C WebSub Recommendation:
  https://www.w3.org/TR/websub/
  - 5.3 Hub verifies intent of the subscriber: a GET with `hub.mode` (subscribe or
    unsubscribe), `hub.topic`, `hub.challenge` and, for subscribe, `hub.lease_seconds` (which
    the hub MUST send then, and which subscribers ignore on unsubscribe); the subscriber checks
    the topic is one it asked for and answers 2xx with the challenge as the body.
  - 8 Authenticated content distribution: `X-Hub-Signature: method=signature`, the method one
    of sha1, sha256, sha384 or sha512 and the signature the hex HMAC of the request body keyed
    with `hub.secret`; the subscriber recomputes it with the method named in the header and
    ignores the message when it does not match. Google's hub signs with sha1.
"""

import hmac
import re
from collections.abc import Mapping

from django.http import HttpResponse, QueryDict

from webhooks.platforms.base import WebhookPlatform, WebhookSecrets, same_hex

SIGNATURE_HEADER = "X-Hub-Signature"
# WebSub §8's recognised algorithm names, each also a hashlib name.
SIGNATURE_METHODS = frozenset({"sha1", "sha256", "sha384", "sha512"})
VERIFIED_MODES = frozenset({"subscribe", "unsubscribe"})
LEASE_SECONDS = re.compile(r"[0-9]{1,12}")


class YouTubeWebhookPlatform(WebhookPlatform):
    platform = "YOUTUBE"

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        mode = query.get("hub.mode")
        challenge = query.get("hub.challenge", "")
        if mode not in VERIFIED_MODES or not challenge:
            return None
        # A hub may only confirm what we asked for; anything else is someone else's request.
        if query.get("hub.topic") not in secrets.topics:
            return None
        if mode == "subscribe" and not LEASE_SECONDS.fullmatch(query.get("hub.lease_seconds", "")):
            return None
        return HttpResponse(challenge, content_type="text/plain")

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = secrets.subscription_secret
        method, _, signature = (headers.get(SIGNATURE_HEADER) or "").partition("=")
        # An empty key is one anyone can sign with.
        if not secret or method not in SIGNATURE_METHODS:
            return False
        expected = hmac.new(secret.encode(), body, method).hexdigest()
        return same_hex(expected, signature)
