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
- Events and their `content`: `authorization.removed` ({"reason": 0–5}, the token already
  revoked), `video.upload.failed` and `video.publish.completed` ({"share_id"}),
  `portability.download.ready`: https://developers.tiktok.com/doc/webhooks-events
- Content Posting events: `post.publish.failed` (publish_id, reason, publish_type),
  `post.publish.complete` (publish_id, publish_type), `post.publish.inbox_delivered`,
  `post.publish.publicly_available` (publish_id, post_id, publish_type) and
  `post.publish.no_longer_publicaly_available` (TikTok's spelling):
  https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status

How events become ParsedEvents: `authorization.removed` → DEAUTHORIZATION;
`post.publish.complete`, `post.publish.publicly_available`, `video.publish.completed` (and
`video.publish.complete`) → POST; failures, inbox deliveries, a post no longer public,
portability and any other event → OTHER. The event id is the event name, the user's open id,
`create_time` and, where the content names one, the publish, post or share id, since two
events of one user can share a second.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.utils import timezone

from webhooks.platforms.base import (
    EventKind,
    ParsedEvent,
    WebhookPlatform,
    WebhookSecrets,
    app_secret,
    hmac_sha256,
    same_hex,
)
from webhooks.platforms.parsing import (
    as_dict,
    event_id,
    from_epoch_seconds,
    id_text,
    known_ids,
    load_json,
    load_json_object,
)

SIGNATURE_HEADER = "TikTok-Signature"
# Unix seconds, ASCII digits only (str.isdigit would also let "²" through to int()).
TIMESTAMP = re.compile(r"[0-9]{1,12}")
EVENT_KINDS = MappingProxyType(
    {
        "authorization.removed": EventKind.DEAUTHORIZATION,
        "post.publish.complete": EventKind.POST,
        "post.publish.publicly_available": EventKind.POST,
        "video.publish.completed": EventKind.POST,
        "video.publish.complete": EventKind.POST,
    }
)


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

    def parse(self, body: bytes) -> list[ParsedEvent]:
        payload = load_json_object(body)
        name = payload.get("event")
        if not isinstance(name, str) or not name:
            raise ValueError("The body is not a TikTok webhook event")
        open_id = id_text(payload.get("user_openid"))
        ids = event_ids(open_id, event_content(payload.get("content")))
        subject = ids.get("publish_id") or ids.get("post_id") or ids.get("share_id")
        created = payload.get("create_time")
        return [
            ParsedEvent(
                EVENT_KINDS.get(name, EventKind.OTHER),
                event_id(name, open_id, id_text(created), subject),
                from_epoch_seconds(created),
                author_id=open_id,
                object_ids=ids,
            )
        ]


def event_ids(open_id: str, content: dict[str, Any]) -> dict[str, str]:
    """The user's open id and whatever the content names: the publish, the post (the video's
    id once it is public) or, for Video Kit events, the share."""
    return known_ids(
        open_id=open_id,
        publish_id=id_text(content.get("publish_id")),
        post_id=id_text(content.get("post_id")),
        share_id=id_text(content.get("share_id")),
    )


def event_content(content: Any) -> dict[str, Any]:
    """`content` is a JSON object serialized into a string; absent, it is empty."""
    if content is None or content == "":
        return {}
    if not isinstance(content, str):
        raise ValueError("The TikTok event content is not a string")
    return as_dict(load_json(content))


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
