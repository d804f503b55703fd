"""Values and helpers shared by the platform client tests."""

import base64
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"

# Distinctive values, so that a leak into a log line or an error message is easy to spot.
ACCESS_TOKEN = "access-token-SECRET-a1b2c3"
REFRESH_TOKEN = "refresh-token-SECRET-d4e5f6"

# The documented base URLs, pinned so that the tests do not depend on the environment.
BASE_URLS: dict[str, dict[str, str]] = {
    "FACEBOOK": {
        "GRAPH_URL": "https://graph.facebook.com/v23.0",
        "AUTHORIZE_URL": "https://www.facebook.com/v23.0/dialog/oauth",
    },
    "INSTAGRAM": {
        "GRAPH_URL": "https://graph.instagram.com/v23.0",
        "AUTHORIZE_URL": "https://www.instagram.com/oauth/authorize",
        "OAUTH_URL": "https://api.instagram.com/oauth",
    },
    "TIKTOK": {
        "API_URL": "https://open.tiktokapis.com",
        "AUTHORIZE_URL": "https://www.tiktok.com/v2/auth/authorize/",
    },
    "TWITTER": {
        "API_URL": "https://api.x.com",
        "AUTHORIZE_URL": "https://x.com/i/oauth2/authorize",
    },
    "LINKEDIN": {
        "API_URL": "https://api.linkedin.com/rest",
        "OAUTH_URL": "https://www.linkedin.com/oauth/v2",
        "AUTHORIZE_URL": "https://www.linkedin.com/oauth/v2/authorization",
    },
    "YOUTUBE": {
        "OAUTH_URL": "https://oauth2.googleapis.com",
        "API_URL": "https://www.googleapis.com/youtube/v3",
        "ANALYTICS_URL": "https://youtubeanalytics.googleapis.com/v2",
        "WEBSUB_HUB_URL": "https://pubsubhubbub.appspot.com/subscribe",
        "AUTHORIZE_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    },
}
# The scopes the browser connect flow asks for, pinned like the base URLs.
SCOPES: dict[str, list[str]] = {
    "FACEBOOK": ["email", "pages_show_list", "pages_read_engagement"],
    "INSTAGRAM": ["instagram_business_basic", "instagram_business_manage_insights"],
    "TIKTOK": ["user.info.basic", "user.info.stats", "video.list"],
    "TWITTER": ["tweet.read", "users.read", "offline.access"],
    "LINKEDIN": ["r_organization_admin", "r_organization_social"],
    "YOUTUBE": [
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/yt-analytics.readonly",
    ],
}
PLATFORMS = tuple(BASE_URLS)

# The call each client's refresh_token makes.
REFRESH_CALLS: dict[str, tuple[str, str]] = {
    "FACEBOOK": ("GET", "https://graph.facebook.com/v23.0/oauth/access_token"),
    "INSTAGRAM": ("GET", "https://graph.instagram.com/refresh_access_token"),
    "TIKTOK": ("POST", "https://open.tiktokapis.com/v2/oauth/token/"),
    "TWITTER": ("POST", "https://api.x.com/2/oauth2/token"),
    "LINKEDIN": ("POST", "https://www.linkedin.com/oauth/v2/accessToken"),
    "YOUTUBE": ("POST", "https://oauth2.googleapis.com/token"),
}


def client_id(platform: str) -> str:
    return f"{platform.lower()}-client-id"


def client_secret(platform: str) -> str:
    return f"{platform.lower()}-client-secret-SECRET"


SECRETS = (ACCESS_TOKEN, REFRESH_TOKEN, *(client_secret(platform) for platform in PLATFORMS))


def basic_auth(platform: str) -> str:
    pair = f"{client_id(platform)}:{client_secret(platform)}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def load_fixture(platform: str, case: str) -> Any:
    """The JSON answer of fixtures/<platform>/<case>.json."""
    return json.loads((FIXTURES / platform.lower() / f"{case}.json").read_text())


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a secret leaked: {text!r}"
