"""YouTube push notifications, delivered by a WebSub (PubSubHubbub) hub.

Each subscription has its own secret (`hub.secret` when subscribing), kept on our side as
`WebhookSecrets.subscription_secret`; without it nothing is accepted. The hub only verifies
topics we asked for, listed in `WebhookSecrets.topics`.

Documentation followed:
- YouTube's push notifications: subscribe (or unsubscribe) at the Google hub for the topic
  https://www.youtube.com/xml/feeds/videos.xml?channel_id=CHANNEL_ID; an Atom feed is POSTed
  when a channel uploads a video or changes a video's title or description, so the same video
  comes again on each edit, a new event each time (`event_key` stays None):
  https://developers.google.com/youtube/v3/guides/push_notifications
- The W3C WebSub Recommendation:
  https://www.w3.org/TR/websub/
  - 5.3 Hub verifies intent of the subscriber: a GET with `hub.mode` (subscribe or
    unsubscribe), `hub.topic`, `hub.challenge` and, for subscribe, `hub.lease_seconds` (which
    the hub MUST send then, and which subscribers ignore on unsubscribe); the subscriber checks
    the topic is one it asked for and answers 2xx with the challenge as the body.
  - 8 Authenticated content distribution: `X-Hub-Signature: method=signature`, the method one
    of sha1, sha256, sha384 or sha512 and the signature the hex HMAC of the request body keyed
    with `hub.secret`; the subscriber recomputes it with the method named in the header and
    ignores the message when it does not match. Google's hub signs with sha1.
- The notification itself, an Atom feed whose `entry` has `yt:videoId`, `yt:channelId`,
  `title`, `author/name`, `published` and `updated` (the yt namespace is
  http://www.youtube.com/xml/schemas/2015): the push notifications guide above.
- A removed video is announced as an Atom tombstone, `at:deleted-entry` with `ref`
  ("yt:video:<id>"), `when` and `at:by/uri` (the channel's URL), in the namespace
  http://purl.org/atompub/tombstones/1.0 of RFC 6721. YouTube's guide does not show it; the
  element is as RFC 6721 defines it: https://www.rfc-editor.org/rfc/rfc6721

How entries become events: each `entry` → POST (a new upload or an edited title or
description; `occurred_at` is its `updated`, the id `video:<id>:<updated>` so that each edit is
an event of its own); each `at:deleted-entry` → OTHER (`deleted:<ref>:<when>`).

The body is parsed with the standard library's ElementTree (defusedxml is not installed), after
refusing any document type declaration: the parser's target raises as soon as expat reports a
DOCTYPE, before any entity it might declare could be defined or expanded, so entity expansion
("billion laughs") and external entities never happen. expat sees the declaration whatever the
document's encoding, which a search of the raw bytes would not.
"""

import hashlib
import hmac
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from types import MappingProxyType

from django.http import HttpResponse, QueryDict

from webhooks.platforms.base import (
    EventKind,
    ParsedEvent,
    WebhookPlatform,
    WebhookSecrets,
    same_hex,
)
from webhooks.platforms.parsing import event_id, from_iso, known_ids, plain_text

SIGNATURE_HEADER = "X-Hub-Signature"
# WebSub §8's recognised algorithm names, each also a hashlib name.
SIGNATURE_METHODS = frozenset({"sha1", "sha256", "sha384", "sha512"})
VERIFIED_MODES = frozenset({"subscribe", "unsubscribe"})
LEASE_SECONDS = re.compile(r"[0-9]{1,12}")

ATOM = "{http://www.w3.org/2005/Atom}"
YT = "{http://www.youtube.com/xml/schemas/2015}"
TOMBSTONES = "{http://purl.org/atompub/tombstones/1.0}"
VIDEO_REF_PREFIX = "yt:video:"
CHANNEL_URL_PREFIXES = ("https://www.youtube.com/channel/", "http://www.youtube.com/channel/")


class YouTubeWebhookPlatform(WebhookPlatform):
    platform = "YOUTUBE"
    # WebSub: each subscription's hub.secret signs what the hub delivers for it.
    signed_with_subscription_secret = True

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        mode = query.get("hub.mode")
        challenge = query.get("hub.challenge", "")
        if mode not in VERIFIED_MODES or not challenge:
            return None
        # A hub may only confirm what we asked for; anything else is someone else's request.
        if query.get("hub.topic") not in secrets.topics:
            return None
        if mode == "subscribe" and not LEASE_SECONDS.fullmatch(query.get("hub.lease_seconds", "")):
            return None
        return HttpResponse(challenge, content_type="text/plain")

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = secrets.subscription_secret
        method, _, signature = (headers.get(SIGNATURE_HEADER) or "").partition("=")
        # An empty key is one anyone can sign with.
        if not secret or method not in SIGNATURE_METHODS:
            return False
        expected = hmac.new(secret.encode(), body, method).hexdigest()
        return same_hex(expected, signature)

    def parse(self, body: bytes) -> list[ParsedEvent]:
        feed = parse_atom(body)
        if feed.tag != f"{ATOM}feed":
            raise ValueError("The body is not an Atom feed")
        return [ENTRY_READERS[child.tag](child) for child in feed if child.tag in ENTRY_READERS]


class RefuseDoctype(ElementTree.TreeBuilder):
    """Builds the tree, but refuses a document type declaration: expat reports it before any
    entity it declares is defined, so nothing is ever expanded."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise ValueError("The body declares a document type")


def parse_atom(body: bytes) -> ElementTree.Element:
    # Safe without defusedxml: RefuseDoctype stops the parse at any DOCTYPE (see the module).
    parser = ElementTree.XMLParser(target=RefuseDoctype())  # noqa: S314
    try:
        parser.feed(body)
        return parser.close()
    except (ElementTree.ParseError, LookupError):
        # The parser's message can quote the document (or its declared encoding); ours does not.
        raise ValueError("The body is not well-formed XML") from None


def video_event(entry: ElementTree.Element) -> ParsedEvent:
    video_id = child_text(entry, f"{YT}videoId")
    channel_id = child_text(entry, f"{YT}channelId")
    updated = child_text(entry, f"{ATOM}updated")
    published = child_text(entry, f"{ATOM}published")
    if not video_id:
        # An entry that names no video is no upload we know of: kept, as OTHER.
        return ParsedEvent(EventKind.OTHER, element_digest("entry", entry), from_iso(updated))
    return ParsedEvent(
        EventKind.POST,
        event_id("video", video_id, updated or published),
        from_iso(updated) or from_iso(published),
        author_id=channel_id,
        author_name=plain_text(child_text(entry, f"{ATOM}author/{ATOM}name")),
        text=plain_text(child_text(entry, f"{ATOM}title")),
        object_ids=known_ids(video_id=video_id, channel_id=channel_id),
    )


def deleted_video_event(tombstone: ElementTree.Element) -> ParsedEvent:
    ref = tombstone.get("ref", "").strip()
    when = tombstone.get("when", "").strip()
    channel_id = channel_id_from_url(child_text(tombstone, f"{TOMBSTONES}by/{ATOM}uri"))
    return ParsedEvent(
        EventKind.OTHER,
        event_id("deleted", ref, when) if ref else element_digest("deleted", tombstone),
        from_iso(when),
        author_id=channel_id,
        author_name=plain_text(child_text(tombstone, f"{TOMBSTONES}by/{ATOM}name")),
        object_ids=known_ids(video_id=ref.removeprefix(VIDEO_REF_PREFIX), channel_id=channel_id),
    )


def element_digest(prefix: str, element: ElementTree.Element) -> str:
    """An id for an element without one of its own: a digest of its serialized form."""
    serialized = ElementTree.tostring(element, encoding="utf-8")
    return f"{prefix}:sha256:{hashlib.sha256(serialized).hexdigest()}"


# The feed's children that are events, read in document order; links, title and the feed's
# own `updated` are not.
ENTRY_READERS = MappingProxyType(
    {f"{ATOM}entry": video_event, f"{TOMBSTONES}deleted-entry": deleted_video_event}
)


def child_text(element: ElementTree.Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def channel_id_from_url(url: str) -> str:
    for prefix in CHANNEL_URL_PREFIXES:
        if url.startswith(prefix):
            return url.removeprefix(prefix)
    return ""
