"""The one interface every platform client implements, and the values it returns."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from accounts.platforms.errors import PlatformRequestRejected


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
    """What the platform says of the current access token."""

    is_valid: bool
    expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)
    platform_user_id: str | None = None


@dataclass(frozen=True)
class Profile:
    platform_user_id: str
    user_name: str
    email: str | None = None
    followers_count: int | None = None
    scopes: list[str] | None = None


class PlatformClient(ABC):
    """One per platform, registered under the platform's name (FACEBOOK, …)."""

    platform: str
    # "rotating", "non_rotating" or "extend": what a refresh means on this platform.
    refresh_model: str

    @abstractmethod
    def refresh_token(self, credentials: Credentials) -> TokenGrant: ...

    @abstractmethod
    def validate_token(self, credentials: Credentials) -> TokenValidation: ...

    @abstractmethod
    def fetch_profile(self, credentials: Credentials) -> Profile: ...

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
