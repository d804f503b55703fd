"""The one interface every platform client implements, the values it returns, and the one way
a client sends a call (`PlatformClient.call`)."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import requests
from django.conf import settings

from accounts.platforms import http
from accounts.platforms.errors import PlatformRequestRejected, ReauthRequired


@dataclass(frozen=True)
class Credentials:
    """What a client needs of one connected account. `account_key` keys the rate limit."""

    account_key: str
    access_token: str
    refresh_token: str | None = None
    platform_user_id: str | None = None

    def __repr__(self) -> str:  # tokens must never reach a log line through repr()
        return f"Credentials(account_key={self.account_key!r})"


@dataclass(frozen=True)
class TokenGrant:
    """A platform's answer to a refresh. `refresh_token` is None when the platform did not
    send one: the caller keeps the stored one (never overwrite it with nothing)."""

    access_token: str
    expires_in: int | None
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    scopes: list[str] | None = None
    token_type: str = "bearer"

    def __repr__(self) -> str:
        return (
            f"TokenGrant(expires_in={self.expires_in!r}, rotated={self.refresh_token is not None})"
        )


@dataclass(frozen=True)
class TokenValidation:
    """What the platform says of the current access token. `data_access_expires_at` is when
    the platform stops serving the user's data whatever the token says (Facebook)."""

    is_valid: bool
    expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)
    platform_user_id: str | None = None
    data_access_expires_at: datetime | None = None


@dataclass(frozen=True)
class Profile:
    platform_user_id: str
    user_name: str
    email: str | None = None
    followers_count: int | None = None
    scopes: list[str] | None = None


@dataclass(frozen=True)
class PlatformPage:
    """What the account manages on the platform: a Facebook page, the Instagram professional
    account, a LinkedIn organization, a YouTube channel, or the TikTok or X profile itself.
    `access_token` is the page's own token where the platform has one (Facebook)."""

    platform_page_id: str
    name: str
    category: str = ""
    url: str = ""
    followers_count: int | None = None
    access_token: str | None = None

    def __repr__(self) -> str:  # the page token must never reach a log line
        return f"PlatformPage(platform_page_id={self.platform_page_id!r}, name={self.name!r})"


@dataclass(frozen=True)
class PlatformPost:
    """One published post with its metrics as the platform counts them now. `reach` is the
    unique audience where the platform reports one, else its view or impression count."""

    platform_post_id: str
    published_at: datetime
    text: str = ""
    url: str = ""
    likes: int = 0
    comments: int = 0
    shares: int = 0
    views: int = 0
    reach: int = 0
    clicks: int = 0

    @property
    def engagement(self) -> int:
        return self.likes + self.comments + self.shares


@dataclass(frozen=True)
class DailyInsight:
    """One day of account-level figures, where the platform reports them by day. None means
    the platform gave no figure for that day (not zero)."""

    day: date
    followers: int | None = None
    engagement: int | None = None
    reach: int | None = None
    clicks: int | None = None


Item = TypeVar("Item")
# A bound on pages of one list, against a platform that keeps answering with a next cursor.
MAX_LIST_PAGES = 10_000


def paginate(
    fetch_page: Callable[[str | None], tuple[Iterable[Item], str | None]],
) -> Iterator[Item]:
    """Every item of a cursor-paged list: `fetch_page(cursor)` answers one page and the next
    cursor (None on the last page). Lazy: a caller that stops iterating asks for no more
    pages. A cursor seen before ends the list rather than looping."""
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_LIST_PAGES):
        items, cursor = fetch_page(cursor)
        yield from items
        if not cursor or cursor in seen:
            return
        seen.add(cursor)


def newer_than(posts: Iterable[PlatformPost], since: datetime | None) -> Iterator[PlatformPost]:
    """Posts of a newest-first list up to the first one published before `since`: for
    platforms whose list cannot be asked for "since" itself."""
    for post in posts:
        if since is not None and post.published_at < since:
            return
        yield post


def each_day(first: date, last: date) -> Iterator[date]:
    """Every day from `first` to `last`, both included."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def end_of_day_totals(
    current_total: int | None, net_gains: Mapping[date, int], first: date, last: date
) -> dict[date, int]:
    """Each day's closing total from `first` to `last`, walking back from the current total
    (taken as `last`'s closing figure) through each later day's net gain; a day without a
    reported gain counts as none. Nothing when the current total is unknown."""
    if current_total is None:
        return {}
    totals: dict[date, int] = {}
    running = current_total
    for day in reversed(list(each_day(first, last))):
        totals[day] = running
        running -= net_gains.get(day, 0)
    return totals


class PlatformClient(ABC):
    """One per platform, registered under the platform's name (FACEBOOK, …).

    A client says how its platform's error answers read (`classify_error`) and, where the
    platform has its own header for it, how long a throttled call must wait
    (`read_retry_after`); `call` applies both to every request it sends.
    """

    platform: str
    # "rotating", "non_rotating" or "extend": what a refresh means on this platform.
    refresh_model: str
    classify_error: http.ErrorClassifier
    read_retry_after: http.RetryAfterReader = staticmethod(http.retry_after_header)

    @abstractmethod
    def refresh_token(self, credentials: Credentials) -> TokenGrant: ...

    @abstractmethod
    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        """Ask the platform about the access token; a dead one may raise ReauthRequired."""

    @abstractmethod
    def fetch_profile(self, credentials: Credentials) -> Profile: ...

    @abstractmethod
    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """Every page the account manages, with its follower count."""

    @abstractmethod
    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The page's posts, newest first, following the platform's paging lazily; only
        those published at or after `since` when it is given."""

    def fetch_daily_insights(
        self, credentials: Credentials, page: PlatformPage, *, since: date, until: date
    ) -> list[DailyInsight]:
        """The page's figures by day from `since` to `until` (both included), for platforms
        that report them by day; the others report none."""
        return []

    def validate_token(self, credentials: Credentials) -> TokenValidation:
        """What the platform says of the token. A call refused because the token is dead is
        an answer here (is_valid false), not an error."""
        try:
            return self.inspect_token(credentials)
        except ReauthRequired:
            return TokenValidation(is_valid=False)

    def call(
        self,
        credentials: Credentials,
        method: str,
        url: str,
        *,
        classify_error: http.ErrorClassifier | None = None,
        **request_options: Any,
    ) -> requests.Response:
        """Send one call on the account's budget; its errors are read by this platform's
        classifier unless the call names another. Options go to `http.request`."""
        return http.request(
            method,
            url,
            rate_limit_key=self.rate_limit_key(credentials),
            classify_error=classify_error or self.classify_error,
            read_retry_after=self.read_retry_after,
            **request_options,
        )

    # Shared plumbing, read at call time so that settings overrides take effect.

    @property
    def config(self) -> dict[str, str]:
        """This platform's block of settings.SOCIAL_PLATFORMS: app credentials and base URLs."""
        return settings.SOCIAL_PLATFORMS[self.platform]

    def app_credentials(self) -> tuple[str, str]:
        """The app's client id and secret, or a clear error (not a crash) when they are unset."""
        client_id, client_secret = self.config.get("CLIENT_ID"), self.config.get("CLIENT_SECRET")
        if not (client_id and client_secret):
            raise PlatformRequestRejected(
                f"The {self.platform} app is not configured: set SOCIAL_{self.platform}_CLIENT_ID "
                f"and SOCIAL_{self.platform}_CLIENT_SECRET"
            )
        return client_id, client_secret

    def rate_limit_key(self, credentials: Credentials) -> str:
        """The budget this account's calls draw on: one per (platform app, account)."""
        return f"{self.platform}:{credentials.account_key}"
