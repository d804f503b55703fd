"""The one interface every platform client implements, the values it returns, and the one way
a client sends a call (`PlatformClient.call`)."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
