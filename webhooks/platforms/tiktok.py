"""TikTok webhooks.

TikTok documents no GET handshake: the callback URL is set in the Developer Portal, whose
"Test URL" button sends an ordinary signed POST. So every GET is refused.

Documentation followed:
- The signature: header `TikTok-Signature: t=<unix seconds>,s=<signature>`, split on "," and
  then on "="; the signature is the HMAC-SHA256, keyed with the client secret, of
  "<t>.<request body>", compared with `s` (hex, as in the page's example); a payload whose
  timestamp is too far off is rejected, since the timestamp is signed:
  https://developers.tiktok.com/doc/webhooks-verification
- Delivery: HTTPS POST of JSON, at least once, retried with backoff for up to 72 hours:
  https://developers.tiktok.com/doc/webhooks-overview
- Payload fields `client_key`, `event`, `create_time`, `user_openid`, `content`; none is an id
  of the event, and together they are not unique either (`create_time` counts whole seconds),
  so `event_key` stays None and the receiver keys deliveries on the body:
  https://developers.tiktok.com/doc/webhooks-events
- The Test URL button: https://developers.tiktok.com/doc/set-up-development-configuration
"""

import re
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.utils import timezone

from webhooks.platforms.base import (
    WebhookPlatform,
    WebhookSecrets,
    app_secret,
    hmac_sha256,
    same_hex,
)

SIGNATURE_HEADER = "TikTok-Signature"
# Unix seconds, ASCII digits only (str.isdigit would also let "²" through to int()).
TIMESTAMP = re.compile(r"[0-9]{1,12}")


class TikTokWebhookPlatform(WebhookPlatform):
    platform = "TIKTOK"

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        return None

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = app_secret(self.platform)
        parts = signature_parts(headers.get(SIGNATURE_HEADER))
        if not secret or parts is None:
            return False
        timestamp, signature = parts
        expected = hmac_sha256(secret, timestamp.encode() + b"." + body).hexdigest()
        return same_hex(expected, signature) and recent(int(timestamp))


def signature_parts(header: str | None) -> tuple[str, str] | None:
    """The header's timestamp and signature, or None when either is missing or garbled."""
    pairs = (part.strip().split("=", 1) for part in (header or "").split(","))
    fields = {pair[0]: pair[1] for pair in pairs if len(pair) == 2}
    timestamp, signature = fields.get("t", ""), fields.get("s", "")
    if not TIMESTAMP.fullmatch(timestamp) or not signature:
        return None
    return timestamp, signature


def recent(timestamp: int) -> bool:
    """Within the tolerance either way: an old one may be a replay, and one from the future
    would stay replayable for longer than the window is meant to allow."""
    tolerance = settings.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS
    return abs(timezone.now().timestamp() - timestamp) <= tolerance
