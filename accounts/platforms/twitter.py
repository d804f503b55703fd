"""X (Twitter) client: OAuth 2.0 with PKCE refresh and the authenticated user lookup.

Refresh tokens come only with the offline.access scope, are single-use and rotate: the answer
carries a new refresh token and the one sent is dead, so the caller stores the new one first.

Documentation followed:
- Refresh with a confidential client (HTTP Basic with client id and secret):
  https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
  https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
- GET /2/users/me: https://docs.x.com/x-api/users/lookup/quickstart/authenticated-lookup
- The user Posts timeline, GET /2/users/{id}/tweets (start_time, exclude, max_results 5 to
  100, pagination_token; meta.next_token): https://docs.x.com/x-api/posts/user-posts-timeline-by-user-id
- Its limits (the latest 3,200 posts, 800 with exclude=replies) and why non_public_metrics
  is not asked for (asking cuts the answer to posts of the last 30 days):
  https://docs.x.com/x-api/posts/timelines/integrate
- public_metrics of a post (impression_count, like_count, reply_count, retweet_count,
  quote_count): https://docs.x.com/x-api/fundamentals/metrics
- Status codes: https://developer.x.com/en/support/x-api/error-troubleshooting
- Rate limits and the x-rate-limit-* headers: https://docs.x.com/fundamentals/rate-limits
- The usage cap's 429 (problem type .../2/problems/usage-capped, period Monthly) and the
  usage endpoint: https://docs.x.com/x-api/x-api-v2/usage/tweets
"""

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from accounts.platforms.base import (
    Credentials,
    PlatformPage,
    PlatformPost,
    Profile,
    TokenValidation,
    newer_than,
    paginate,
)
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformQuotaExhausted,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    int_or_none,
    json_body,
    required,
    retry_after_header,
)
from accounts.platforms.oauth2 import REAUTH_OAUTH_ERRORS, OAuth2Client, oauth2_error

USER_FIELDS = "public_metrics,username,name"
# X answers a used, expired or revoked refresh token with 400 invalid_request, not with
# RFC 6749's invalid_grant, and tells it apart from a malformed request only by the
# description ("Value passed for the token was invalid.").
DEAD_TOKEN_DESCRIPTION = re.compile(
    r"token was invalid|invalid (refresh )?token|token (is|has) (expired|been revoked)", re.I
)
# The problem type of a 429 that the app's monthly usage cap, not a rate window, caused.
USAGE_CAPPED_PROBLEM = "https://api.twitter.com/2/problems/usage-capped"
# X does not say when the cap resets (it is the app's billing day): look again a day later.
USAGE_CAP_RECHECK = timedelta(days=1)
APP_CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client"})

# What /2/users/me and the user Posts timeline need of an OAuth 2.0 user token.
READ_SCOPES = ("tweet.read", "users.read")
PAGE_CATEGORY = "Profile"
# Public links for people to follow, not addresses this client calls.
PROFILE_WEB_URL = "https://x.com/{username}"
POST_WEB_URL = "https://x.com/i/web/status/{post_id}"
# note_tweet carries the whole text of a post longer than 280 characters, which `text` cuts.
# non_public_metrics (clicks) is left out on purpose: asking for it makes X answer with the
# posts of the last 30 days only, so clicks stay 0.
TWEET_FIELDS = "created_at,public_metrics,note_tweet"
# The most the timeline answers in one page.
MAX_POSTS_PER_PAGE = 100
# Retweets are other people's posts: a brand's analytics counts its own. Replies are its own
# posts and stay (excluding them would also cut the reachable history from 3,200 to 800).
EXCLUDED = "retweets"
# start_time's documented format: YYYY-MM-DDTHH:mm:ssZ, UTC, to the second.
START_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def x_api_error(response: requests.Response) -> PlatformError:
    """Classify an X API v2 problem: the usage cap, then by status."""
    return _usage_cap_reached(response) or classify_by_status(response)


def x_token_error(response: requests.Response) -> PlatformError:
    """Classify an answer of the token endpoint by its error and description, so that only a
    dead refresh token sends the account to re-authorization."""
    body = json_body(response)
    code = body.get("error")
    if code == "invalid_request":
        description = str(body.get("error_description") or "")
        if DEAD_TOKEN_DESCRIPTION.search(description):
            return ReauthRequired()
        return PlatformRequestRejected(
            f"X refused the token request as malformed: {description[:200] or 'no reason given'}"
        )
    if code in APP_CREDENTIAL_ERRORS:
        return PlatformRequestRejected(
            "X refused the app's credentials: check SOCIAL_TWITTER_CLIENT_ID and "
            "SOCIAL_TWITTER_CLIENT_SECRET"
        )
    if code in REAUTH_OAUTH_ERRORS:
        return ReauthRequired()
    return _usage_cap_reached(response) or oauth2_error(response)


def x_read_error(response: requests.Response) -> PlatformError:
    """x_api_error for the read calls, naming the scopes they need when X refuses one: X's
    own 403 body says no more than "Forbidden"."""
    error = x_api_error(response)
    if not isinstance(error, PlatformPermissionDenied):
        return error
    return PlatformPermissionDenied(
        f"{error.message} (X needs the {', '.join(READ_SCOPES)} scopes for this)"
    )


def profile_page(user: dict[str, Any]) -> PlatformPage:
    username = user.get("username") or ""
    return PlatformPage(
        platform_page_id=required(user, "id"),
        name=user.get("name") or username,
        category=PAGE_CATEGORY,
        url=PROFILE_WEB_URL.format(username=username) if username else "",
        followers_count=int_or_none((user.get("public_metrics") or {}).get("followers_count")),
    )


def tweet_post(tweet: dict[str, Any], page: PlatformPage) -> PlatformPost:
    metrics = tweet.get("public_metrics") or {}
    impressions = count(metrics.get("impression_count"))
    post_id = required(tweet, "id")
    return PlatformPost(
        platform_post_id=post_id,
        # created_at is ISO 8601 in UTC with a Z ("2025-11-18T16:02:11.000Z").
        published_at=datetime.fromisoformat(required(tweet, "created_at")),
        text=(tweet.get("note_tweet") or {}).get("text") or tweet.get("text") or "",
        url=f"{page.url}/status/{post_id}" if page.url else POST_WEB_URL.format(post_id=post_id),
        likes=count(metrics.get("like_count")),
        comments=count(metrics.get("reply_count")),
        # Reposts and quotes both pass the post on.
        shares=count(metrics.get("retweet_count")) + count(metrics.get("quote_count")),
        views=impressions,
        # X reports no unique reach: impressions (not unique) stand in for it.
        reach=impressions,
    )


def count(value: Any) -> int:
    return int_or_none(value) or 0


def _usage_cap_reached(response: requests.Response) -> PlatformQuotaExhausted | None:
    if response.status_code != 429:
        return None
    body = json_body(response)
    if body.get("type") != USAGE_CAPPED_PROBLEM and body.get("title") != "UsageCapExceeded":
        return None
    return PlatformQuotaExhausted(
        "X API usage cap reached for this period; calls resume when the app's cap resets",
        retry_after=USAGE_CAP_RECHECK.total_seconds(),
    )


def x_retry_after(response: requests.Response) -> float | None:
    """X says when the window resets (x-rate-limit-reset, epoch seconds), not how long to wait."""
    reset = response.headers.get("x-rate-limit-reset", "")
    if reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return retry_after_header(response)


class TwitterClient(OAuth2Client):
    platform = "TWITTER"
    refresh_model = "rotating"
    classify_error = staticmethod(x_api_error)
    classify_token_error = staticmethod(x_token_error)
    read_retry_after = staticmethod(x_retry_after)

    @property
    def token_url(self) -> str:
        # OAuth 2.0 Authorization Code Flow with PKCE, refresh: POST /2/oauth2/token as a form.
        return self.config["API_URL"] + "/2/oauth2/token"

    def client_authentication(self) -> tuple[dict[str, str], dict[str, Any]]:
        # The same page: a confidential client authenticates with HTTP Basic and still names
        # its client_id in the form.
        client_id, client_secret = self.app_credentials()
        return {"client_id": client_id}, {"auth": (client_id, client_secret)}

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        # A 401 from /2/users/me: the access token is expired or revoked.
        user = self._me(credentials)
        return TokenValidation(is_valid=True, platform_user_id=user.get("id"))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        user = self._me(credentials)
        metrics = user.get("public_metrics") or {}
        return Profile(
            platform_user_id=required(user, "id"),
            user_name=user.get("name") or user.get("username") or "",
            followers_count=int_or_none(metrics.get("followers_count")),
        )

    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """The authenticated user's own profile, the account's one page."""
        return [profile_page(self._me(credentials))]

    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The profile's posts, newest first: at most its latest 3,200, X's limit for the
        timeline. start_time asks X for the posts since `since`; it counts whole seconds, so
        newer_than drops the few of that second published before `since` itself."""
        return newer_than(
            paginate(lambda token: self._timeline_page(credentials, page, since, token)), since
        )

    def _timeline_page(
        self,
        credentials: Credentials,
        page: PlatformPage,
        since: datetime | None,
        pagination_token: str | None,
    ) -> tuple[list[PlatformPost], str | None]:
        params: dict[str, Any] = {
            "tweet.fields": TWEET_FIELDS,
            "max_results": MAX_POSTS_PER_PAGE,
            "exclude": EXCLUDED,
        }
        if since is not None:
            params["start_time"] = since.astimezone(UTC).strftime(START_TIME_FORMAT)
        if pagination_token is not None:
            params["pagination_token"] = pagination_token
        # User Posts timeline: GET /2/users/{id}/tweets, paged by meta.next_token.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + f"/2/users/{quote(page.platform_page_id, safe='')}/tweets",
            params=params,
            headers=bearer(credentials.access_token),
            classify_error=x_read_error,
        )
        body = json_body(response)
        # An empty page (or one past the 3,200 limit) comes without `data`.
        posts = [tweet_post(tweet, page) for tweet in body.get("data") or []]
        return posts, (body.get("meta") or {}).get("next_token")

    def _me(self, credentials: Credentials) -> dict[str, Any]:
        # Authenticated user lookup: GET /2/users/me?user.fields=... with the user's token.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/2/users/me",
            params={"user.fields": USER_FIELDS},
            headers=bearer(credentials.access_token),
            classify_error=x_read_error,
        )
        return json_body(response).get("data") or {}
