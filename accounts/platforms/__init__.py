"""Platform clients, one per platform, registered under the platform's name.

Callers never import a client module: `get_client(account.platform)` gives the one to use.
Every client sends its HTTP through accounts.platforms.http.
"""

from accounts.platforms.base import PlatformClient
from accounts.platforms.facebook import FacebookClient
from accounts.platforms.instagram import InstagramClient
from accounts.platforms.linkedin import LinkedInClient
from accounts.platforms.tiktok import TikTokClient
from accounts.platforms.twitter import TwitterClient
from accounts.platforms.youtube import YouTubeClient

# Clients hold no state (settings are read at call time), so one instance each serves all.
_CLIENTS: dict[str, PlatformClient] = {
    client.platform: client
    for client in (
        FacebookClient(),
        InstagramClient(),
        TikTokClient(),
        TwitterClient(),
        LinkedInClient(),
        YouTubeClient(),
    )
}


def get_client(platform: str) -> PlatformClient:
    """The client of `platform` (FACEBOOK, INSTAGRAM, TIKTOK, TWITTER, LINKEDIN, YOUTUBE).

    Raises KeyError for a platform without a client.
    """
    try:
        return _CLIENTS[platform.upper()]
    except KeyError:
        raise KeyError(f"No platform client is registered for {platform!r}") from None


__all__ = ["PlatformClient", "get_client"]
