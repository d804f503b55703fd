"""LinkedIn webhooks.

Both checks use the app's client secret, SOCIAL_PLATFORMS["LINKEDIN"]["CLIENT_SECRET"].

Documentation followed:
- Webhook validation: a GET with `challengeCode` (a UUID), answered 200 within 3 seconds with
  JSON `{"challengeCode", "challengeResponse"}`, the response being the hex HMAC-SHA256 of the
  challenge code keyed with the client secret; and every notification POSTed with an
  `X-LI-Signature` header: "the HMACSHA256 hash of the JSON-encoded string representation of
  the POST body prefixed by hmacsha256=", computed with the client secret, so the header holds
  the hex HMAC-SHA256 of "hmacsha256=" + the raw body. Notifications may come more than once
  and are deduplicated on the notification id in the payload:
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation
- Organization social action notifications: a delivery is
  `{"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [...]}`, batched, each
  notification with its `notificationId` (a long), `organizationalEntity`, `action` (LIKE,
  COMMENT, SHARE, SHARE_MENTION, ADMIN_COMMENT, COMMENT_EDIT, COMMENT_DELETE), `sourcePost`,
  `decoratedSourcePost`, `generatedActivity` (the comment or share the action made),
  `decoratedGeneratedActivity` (that comment or share, with its owner and text) and
  `lastModifiedAt` (epoch milliseconds):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications

How notifications become events: COMMENT, ADMIN_COMMENT (a comment made as the organization)
and COMMENT_EDIT → COMMENT; LIKE (and REACTION) → REACTION; SHARE (a member reshared the
organization's post) → REACTION, engagement on our post as a retweet is; SHARE_MENTION →
MENTION; COMMENT_DELETE and any other action → OTHER. The event id is the notification id
(`notification:<id>`, the receiver's key for a single notification). A decorated comment's text
is read from `text`, or from `message.text` where the comment is written as the Comments API
returns it.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.http import HttpResponse, JsonResponse, QueryDict

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
    digest_id,
    event_id,
    from_epoch_milliseconds,
    id_text,
    known_ids,
    load_json_object,
    plain_text,
)

SIGNATURE_HEADER = "X-LI-Signature"
# LinkedIn signs the body with this literal in front of it; the header holds only the digest.
SIGNED_PREFIX = b"hmacsha256="
# A notification id is a long: a sign and at most 19 digits.
NOTIFICATION_ID = re.compile(r"-?[0-9]{1,19}")
ACTION_KINDS = MappingProxyType(
    {
        "COMMENT": EventKind.COMMENT,
        "ADMIN_COMMENT": EventKind.COMMENT,
        "COMMENT_EDIT": EventKind.COMMENT,
        "LIKE": EventKind.REACTION,
        "REACTION": EventKind.REACTION,
        "SHARE": EventKind.REACTION,
        "SHARE_MENTION": EventKind.MENTION,
    }
)


class LinkedInWebhookPlatform(WebhookPlatform):
    platform = "LINKEDIN"

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        challenge_code = query.get("challengeCode", "")
        secret = app_secret(self.platform)
        if not challenge_code or not secret:
            return None
        response = hmac_sha256(secret, challenge_code.encode()).hexdigest()
        return JsonResponse({"challengeCode": challenge_code, "challengeResponse": response})

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = app_secret(self.platform)
        if not secret:
            return False
        expected = hmac_sha256(secret, SIGNED_PREFIX + body).hexdigest()
        return same_hex(expected, headers.get(SIGNATURE_HEADER))

    def event_key(self, body: bytes) -> str | None:
        """The delivery's notification ids: "notification:<id>" for one notification, and for
        a batch a digest of its ids, the same in whatever order they come again. None when
        any notification lacks its id (the receiver then keys on the body)."""
        ids = notification_ids(body)
        if not ids:
            return None
        if len(ids) == 1:
            return f"notification:{ids[0]}"
        return "notifications:" + hashlib.sha256(",".join(ids).encode()).hexdigest()

    def parse(self, body: bytes) -> list[ParsedEvent]:
        notifications = load_json_object(body).get("notifications")
        if not isinstance(notifications, list):
            raise ValueError("The body is not a LinkedIn notification delivery")
        return [notification_event(as_dict(item)) for item in notifications]


def notification_event(notification: dict[str, Any]) -> ParsedEvent:
    action = notification.get("action") if isinstance(notification.get("action"), str) else ""
    activity = generated_activity(notification)
    notification_id = _notification_id(notification)
    return ParsedEvent(
        ACTION_KINDS.get(action, EventKind.OTHER),
        event_id("notification", notification_id)
        if notification_id
        else digest_id("notification", notification),
        from_epoch_milliseconds(notification.get("lastModifiedAt")),
        author_id=id_text(activity.get("owner")) or id_text(activity.get("actor")),
        text=activity_text(activity),
        object_ids=notification_object_ids(notification),
    )


def notification_object_ids(notification: dict[str, Any]) -> dict[str, str]:
    """The organization, its post, and what the action made: a comment URN goes under
    `comment_id`, a share's (or any other activity's) under `activity_id`."""
    generated = id_text(notification.get("generatedActivity"))
    generated_key = "comment_id" if generated.startswith("urn:li:comment:") else "activity_id"
    return known_ids(
        organization=id_text(notification.get("organizationalEntity")),
        post_id=id_text(notification.get("sourcePost")),
        **{generated_key: generated},
    )


def generated_activity(notification: dict[str, Any]) -> dict[str, Any]:
    """The decorated comment or share the action produced; empty for a like."""
    decorated = as_dict(notification.get("decoratedGeneratedActivity"))
    return as_dict(decorated.get("comment")) or as_dict(decorated.get("share"))


def activity_text(activity: dict[str, Any]) -> str:
    return plain_text(activity.get("text")) or plain_text(
        as_dict(activity.get("message")).get("text")
    )


def notification_ids(body: bytes) -> list[str] | None:
    """The sorted, distinct notification ids of a delivery, or None when the body is not a
    list of notifications that all carry one."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    notifications = payload.get("notifications") if isinstance(payload, dict) else None
    if not isinstance(notifications, list):
        return None
    ids = [_notification_id(notification) for notification in notifications]
    if not ids or None in ids:
        return None
    return sorted(set(ids))


def _notification_id(notification: object) -> str | None:
    value = notification.get("notificationId") if isinstance(notification, dict) else None
    # bool is an int in Python, and JSON true is not an id.
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    return text if NOTIFICATION_ID.fullmatch(text) else None
