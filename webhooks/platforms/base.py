"""What every platform's webhook module answers: its GET handshake, its signature check, and
the key that tells one delivery of an event from another.

Each check runs on the raw bytes of the request, before anything is parsed or stored, and
compares in constant time (`hmac.compare_digest`)."""

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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


class EventKind(StrEnum):
    """What a platform event is about, whatever the platform calls it."""

    MESSAGE = "message"
    COMMENT = "comment"
    MENTION = "mention"
    POST = "post"
    REACTION = "reaction"
    # The user took the app's access away (or some of its permissions): reconnect needed.
    DEAUTHORIZATION = "deauthorization"
    OTHER = "other"


@dataclass(frozen=True)
class ParsedEvent:
    """One event of a delivery (a delivery may carry several), normalized. `platform_event_id`
    is the platform's id of the event itself where it has one, else an id of what it is about
    (the comment, the post…), so that the same event is recognised when parsed again."""

    kind: EventKind
    platform_event_id: str
    occurred_at: datetime | None = None
    author_id: str = ""
    author_name: str = ""
    text: str = ""
    # The platform ids the event concerns: the page, the post, the comment, the message…
    object_ids: dict[str, str] = field(default_factory=dict)


class WebhookPlatform(ABC):
    """One per platform, registered under the platform's name (FACEBOOK, …)."""

    platform: str
    # Whether deliveries are signed with the subscription's own secret (stored with it) rather
    # than the platform app's: only then does the receiver read the subscription.
    signed_with_subscription_secret: bool = False

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

    @abstractmethod
    def parse(self, body: bytes) -> list[ParsedEvent]:
        """The events of a verified delivery, normalized; a body this platform does not
        document raises ValueError (the event is then retried and dead-lettered, never
        silently dropped)."""

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
