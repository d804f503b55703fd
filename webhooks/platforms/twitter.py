"""X (Twitter) Account Activity webhooks.

Both checks use the app's consumer secret (the OAuth 1.0a API key secret,
SOCIAL_TWITTER_CONSUMER_SECRET), not the OAuth 2.0 client secret that refreshes tokens. Without
it nothing is answered or accepted: an empty HMAC key is one anyone can sign with.

Documentation followed:
- The challenge-response check: a GET with `crc_token`, answered 200 with JSON
  `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}`, sent at
  registration and about hourly; and the `x-twitter-webhooks-signature` header on every POST,
  `sha256=` and the base64 HMAC-SHA256 of the payload body with the consumer secret:
  https://docs.x.com/x-api/webhooks/quickstart
  https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks
- Payloads (`for_user_id` and one array per kind of activity, `tweet_create_events`,
  `favorite_events`, …, with no id of the delivery itself):
  https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/account-activity-data-objects
"""

import base64
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpResponse, JsonResponse, QueryDict

from webhooks.platforms.base import WebhookPlatform, WebhookSecrets, hmac_sha256, same

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def consumer_secret() -> str:
    return settings.SOCIAL_TWITTER_CONSUMER_SECRET


def signed(secret: str, message: bytes) -> str:
    """X's form of a signature: "sha256=" and the base64 HMAC-SHA256."""
    return "sha256=" + base64.b64encode(hmac_sha256(secret, message).digest()).decode()


class TwitterWebhookPlatform(WebhookPlatform):
    platform = "TWITTER"

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        crc_token = query.get("crc_token", "")
        secret = consumer_secret()
        if not crc_token or not secret:
            return None
        return JsonResponse({"response_token": signed(secret, crc_token.encode())})

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = consumer_secret()
        return bool(secret) and same(signed(secret, body), headers.get(SIGNATURE_HEADER))
