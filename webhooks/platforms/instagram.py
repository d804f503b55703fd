"""Instagram webhooks: Meta's handshake and signature (webhooks.platforms.facebook), signed
with the Instagram app's secret.

An app on Instagram Login has an Instagram app id and secret of its own (App Dashboard >
Instagram > API setup with Instagram login), and that secret, SOCIAL_PLATFORMS["INSTAGRAM"]
["CLIENT_SECRET"], is the one its notifications are checked with; the Facebook app's secret
does not verify them.

Documentation followed:
- Creating the endpoint: the same verification request and `X-Hub-Signature-256` as every
  Meta webhook ("your app's App Secret"):
  https://developers.facebook.com/docs/instagram-platform/webhooks
  https://developers.facebook.com/documentation/instagram-platform/webhooks/setup
- Notification payloads (`object: "instagram"`, `entry[]` with `changes[]` or `messaging[]`):
  https://developers.facebook.com/documentation/instagram-platform/webhooks/examples
"""

from webhooks.platforms.facebook import MetaWebhookPlatform


class InstagramWebhookPlatform(MetaWebhookPlatform):
    """Instagram webhooks, signed with the Instagram app's secret."""

    platform = "INSTAGRAM"
