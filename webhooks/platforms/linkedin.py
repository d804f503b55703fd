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
  notification with its `notificationId` (a long):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications
"""

import hashlib
import json
import re
from collections.abc import Mapping

from django.http import HttpResponse, JsonResponse, QueryDict

from webhooks.platforms.base import (
    WebhookPlatform,
    WebhookSecrets,
    app_secret,
    hmac_sha256,
    same_hex,
)

SIGNATURE_HEADER = "X-LI-Signature"
# LinkedIn signs the body with this literal in front of it; the header holds only the digest.
SIGNED_PREFIX = b"hmacsha256="
# A notification id is a long: a sign and at most 19 digits.
NOTIFICATION_ID = re.compile(r"-?[0-9]{1,19}")


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
