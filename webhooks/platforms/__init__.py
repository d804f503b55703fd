"""Webhook checks, one per platform, registered under the platform's name.

Callers never import a platform module: `get_webhook_platform(account.platform)` gives the
handshake, the signature check and the event key to use.
"""

from webhooks.platforms.base import WebhookPlatform, WebhookSecrets
from webhooks.platforms.facebook import FacebookWebhookPlatform
from webhooks.platforms.instagram import InstagramWebhookPlatform
from webhooks.platforms.linkedin import LinkedInWebhookPlatform
from webhooks.platforms.tiktok import TikTokWebhookPlatform
from webhooks.platforms.twitter import TwitterWebhookPlatform
from webhooks.platforms.youtube import YouTubeWebhookPlatform

# The checks hold no state (secrets come per call or from settings at call time), so one
# instance each serves every request.
_PLATFORMS: dict[str, WebhookPlatform] = {
    checks.platform: checks
    for checks in (
        FacebookWebhookPlatform(),
        InstagramWebhookPlatform(),
        TikTokWebhookPlatform(),
        TwitterWebhookPlatform(),
        LinkedInWebhookPlatform(),
        YouTubeWebhookPlatform(),
    )
}


def get_webhook_platform(platform: str) -> WebhookPlatform:
    """The webhook checks of `platform` (FACEBOOK, INSTAGRAM, TIKTOK, TWITTER, LINKEDIN,
    YOUTUBE).

    Raises KeyError for a platform without webhook checks.
    """
    try:
        return _PLATFORMS[platform.upper()]
    except KeyError:
        raise KeyError(f"No webhook checks are registered for {platform!r}") from None


__all__ = ["WebhookPlatform", "WebhookSecrets", "get_webhook_platform"]
