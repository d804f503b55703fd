"""What every platform's webhook module answers: its GET handshake, its signature check, and
the key that tells one delivery of an event from another.

Each check runs on the raw bytes of the request, before anything is parsed or stored, and
compares in constant time (`hmac.compare_digest`)."""

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse, QueryDict


@dataclass(frozen=True)
class WebhookSecrets:
    """One account's subscription, as the checks need it. `verify_token` answers Meta's
    handshake; `subscription_secret` signs YouTube's WebSub notifications; `topics` are the
    WebSub topics we asked the hub for."""

    verify_token: str = ""
    subscription_secret: str = ""
    topics: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:  # secrets never reach a log line through repr()
        return f"WebhookSecrets(topics={self.topics!r})"


class WebhookPlatform(ABC):
    """One per platform, registered under the platform's name (FACEBOOK, …)."""

    platform: str

    @abstractmethod
    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        """The answer to the platform's GET challenge, or None when the query is not a valid
        handshake of this platform (the receiver then refuses it)."""

    @abstractmethod
    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        """Whether the delivery's signature header matches the raw body. `headers` are the
        request's headers (case-insensitive names, as Django's request.headers)."""

    def event_key(self, body: bytes) -> str | None:
        """The platform's own id of the event, when its payload carries one; None means the
        receiver deduplicates on a hash of the body."""
        return None


def app_secret(platform: str) -> str:
    """The platform app's client secret, which signs its webhooks (Meta, LinkedIn, TikTok)."""
    return settings.SOCIAL_PLATFORMS[platform].get("CLIENT_SECRET", "")


def hmac_sha256(key: str, message: bytes) -> hmac.HMAC:
    return hmac.new(key.encode(), message, hashlib.sha256)


def same(expected: str, received: str | None) -> bool:
    """Constant-time comparison; a missing value never matches."""
    return received is not None and hmac.compare_digest(expected.encode(), received.encode())


def same_hex(expected: str, received: str | None) -> bool:
    """Constant-time comparison of hex digests in either letter case: hex is case-insensitive,
    and not every platform says which case it writes."""
    return received is not None and same(expected.lower(), received.lower())
