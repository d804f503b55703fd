"""Facebook webhooks, and the Meta checks that Instagram shares.

Meta answers both products the same way: a GET verification request when the callback is
configured, then POSTed event notifications signed with the app secret. Only the app whose
secret signs differs, so `MetaWebhookPlatform` holds the checks and each product names its app.

Documentation followed:
- Verification requests (`hub.mode=subscribe`, `hub.challenge`, `hub.verify_token`, answered
  with the challenge) and event notifications signed `X-Hub-Signature-256: sha256=<HMAC-SHA256
  of the payload with the App Secret>`, in lowercase hex over the escaped-unicode payload as
  sent (so the raw bytes, never re-serialized JSON); notifications batched, up to 1000 updates:
  https://developers.facebook.com/docs/graph-api/webhooks/getting-started
- Page webhooks (the `feed` and `messages` fields; payloads with `object: "page"` and several
  `entry[]` items, each with its `changes[]`, and no id of the delivery itself):
  https://developers.facebook.com/docs/pages-api/webhooks-for-pages
- The Page object's fields and their values: `feed` (`item` — comment, reaction, post,
  status, photo, video, share… —, `verb` — add, edited, remove…, `post_id`, `comment_id`,
  `parent_id`, `from {id, name}`, `message`, `created_time`, `reaction_type`) and `mention`
  (`item` post or comment, `verb`, `post_id`, `comment_id`, `sender_id`, `sender_name`):
  https://developers.facebook.com/docs/graph-api/webhooks/reference/page/
- Messenger events, delivered in `entry[].messaging[]` (and `standby[]` when another app has
  the conversation): `sender.id`, `recipient.id`, `timestamp` in milliseconds, and `message`
  (`mid`, `text`, `is_echo` for what the Page sent), `message_edit` (`mid`, `text`,
  `num_edit`), `reaction` (`mid`, `action` react/unreact, `reaction`, `emoji`), `read`,
  `delivery`, `postback`…:
  https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events
  https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
- The `permissions` object (app-level): fields such as `connected` and one per permission,
  each with a `verb` enum described as connected or disconnected, granted or revoked (the
  reference does not spell the values out; `disconnected` and `revoked` are read as those):
  https://developers.facebook.com/docs/graph-api/webhooks/reference/permissions/

Deauthorization: when a person removes the app, Meta calls the app's Deauthorize Callback URL
(and the Data Deletion Request callback) with a form-encoded `signed_request`. That is a
separate callback configured in the app's Facebook Login settings, not a webhook notification,
so it never reaches `parse`. What does arrive here is a `permissions` change whose verb revokes
or disconnects, and that is read as DEAUTHORIZATION:
https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback

How notifications become events:
- `feed`: comment → COMMENT; reaction or like → REACTION; post, status, photo, video, share,
  album → POST. A removal (verb remove, delete or hide) is kept as OTHER: it is no new content.
- `mention` → MENTION (a removal → OTHER).
- Messenger: message or message_edit → MESSAGE (a message marked `is_deleted` → OTHER);
  reaction → REACTION (unreact → OTHER); read, delivery, postback… → OTHER.
- Anything else, and any entry with neither `changes` nor `messaging`, → OTHER.
Meta gives no id to a change, so ids are built from what the change is about (the comment,
the post, the message mid) and its verb; see `verb_moment` for what tells repeated edits apart.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from django.http import HttpResponse, QueryDict

from webhooks.platforms.base import (
    EventKind,
    ParsedEvent,
    WebhookPlatform,
    WebhookSecrets,
    app_secret,
    hmac_sha256,
    same,
    same_hex,
)
from webhooks.platforms.parsing import (
    as_dict,
    as_list,
    digest_id,
    event_id,
    from_epoch_either,
    from_epoch_milliseconds,
    from_epoch_seconds,
    from_iso,
    id_text,
    known_ids,
    load_json,
    plain_text,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="

# The Messenger fields whose change `value` is a messaging event (Instagram sends them so, and
# the App Dashboard's test notifications do for both products).
MESSAGING_FIELDS = frozenset(
    {
        "messages",
        "message_echoes",
        "message_edits",
        "message_reactions",
        "message_reads",
        "message_deliveries",
        "messaging_postbacks",
        "messaging_seen",
    }
)
# Verbs of a `permissions` change that take access away.
REVOKING_VERBS = frozenset({"revoked", "disconnected"})


@dataclass(frozen=True)
class EntryContext:
    """What every change of one `entry[]` item shares: the object type of the delivery, the
    account the entry is about (Page or Instagram account) and the entry's time, both as sent
    (for ids) and as a time."""

    object_type: str
    account_key: str
    account_id: str
    time_as_sent: Any
    time: datetime | None

    def account_ids(self, **ids: str) -> dict[str, str]:
        return known_ids(**{self.account_key: self.account_id}, **ids)


ChangeParser = Callable[[EntryContext, dict[str, Any]], ParsedEvent]


class MetaWebhookPlatform(WebhookPlatform):
    """Meta's handshake, signature and notification envelope. The app secret is that of
    `platform`'s app in SOCIAL_PLATFORMS. A delivery batches several entries and carries no id
    of its own, so `event_key` stays None and the receiver keys deliveries on the body.

    Each product names the object_ids key of its account and the parsers of its own change
    fields; the envelope, Messenger events and permission changes are shared."""

    account_key: ClassVar[str] = "page_id"
    change_parsers: ClassVar[Mapping[str, ChangeParser]] = MappingProxyType({})

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        challenge = query.get("hub.challenge", "")
        if query.get("hub.mode") != "subscribe" or not challenge:
            return None
        if not verify_token_matches(secrets.verify_token, query.get("hub.verify_token")):
            return None
        return HttpResponse(challenge, content_type="text/plain")

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = app_secret(self.platform)
        received = headers.get(SIGNATURE_HEADER) or ""
        # An empty key is one anyone can sign with.
        if not secret or not received.startswith(SIGNATURE_PREFIX):
            return False
        expected = hmac_sha256(secret, body).hexdigest()
        return same_hex(expected, received.removeprefix(SIGNATURE_PREFIX))

    def parse(self, body: bytes) -> list[ParsedEvent]:
        events: list[ParsedEvent] = []
        for notification in meta_notifications(load_json(body)):
            for entry in notification["entry"]:
                events.extend(self.entry_events(notification["object"], as_dict(entry)))
        return events

    def entry_events(self, object_type: str, entry: dict[str, Any]) -> list[ParsedEvent]:
        context = EntryContext(
            object_type=object_type,
            account_key=self.account_key,
            account_id=id_text(entry.get("id")),
            time_as_sent=entry.get("time"),
            time=from_epoch_either(entry.get("time")),
        )
        changes = [as_dict(change) for change in entry_changes(entry)]
        messaging = as_list(entry.get("messaging")) + as_list(entry.get("standby"))
        if not changes and not messaging:
            # An entry in a shape we do not read (older `changed_fields` ones, say) is kept.
            return [ParsedEvent(EventKind.OTHER, digest_id("entry", entry), context.time)]
        return [self.change_event(context, change) for change in changes] + [
            messaging_event(context, as_dict(item)) for item in messaging
        ]

    def change_event(self, context: EntryContext, change: dict[str, Any]) -> ParsedEvent:
        field = text_field(change, "field")
        value = as_dict(change.get("value"))
        if context.object_type == "permissions":
            return permission_event(context, change)
        if field in MESSAGING_FIELDS and "sender" in value:
            return messaging_event(context, value)
        parser = self.change_parsers.get(field)
        if parser is None:
            return other_change_event(context, change)
        return parser(context, value)


def verify_token_matches(ours: str, received: str | None) -> bool:
    # Without a verify token of our own, an empty hub.verify_token would match it.
    return bool(ours) and same(ours, received)


def meta_notifications(payload: Any) -> list[dict[str, Any]]:
    """The notifications of a delivery: one JSON object with `object` and `entry[]`. Instagram's
    examples page shows them inside a JSON array, so an array of them is read too."""
    notifications = payload if isinstance(payload, list) else [payload]
    if not notifications or not all(is_meta_notification(item) for item in notifications):
        raise ValueError("The body is not a Meta webhook notification")
    return notifications


def is_meta_notification(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("object"), str)
        and isinstance(item.get("entry"), list)
    )


def entry_changes(entry: dict[str, Any]) -> list[Any]:
    """An entry's changes. Instagram's examples page writes one change's `field` and `value`
    straight into the entry, without `changes[]`; such an entry is its own single change."""
    if "changes" in entry:
        return as_list(entry.get("changes"))
    return [entry] if "field" in entry else []


def other_change_event(context: EntryContext, change: dict[str, Any]) -> ParsedEvent:
    """A change of a field we do not map, kept as OTHER under a digest of what it says."""
    field = text_field(change, "field") or "unknown"
    identity = {"account": context.account_id, "time": context.time_as_sent, "change": change}
    return ParsedEvent(
        EventKind.OTHER,
        digest_id(f"change:{field}", identity),
        context.time,
        object_ids=context.account_ids(),
    )


def permission_event(context: EntryContext, change: dict[str, Any]) -> ParsedEvent:
    """A `permissions` change: the person's app connection or one permission. The verb sits
    in the change's `value` (or, as the reference lists it, beside `field`)."""
    field = text_field(change, "field")
    verb = text_field(as_dict(change.get("value")), "verb") or text_field(change, "verb")
    revoked = verb in REVOKING_VERBS and field != "bookmarked"
    return ParsedEvent(
        EventKind.DEAUTHORIZATION if revoked else EventKind.OTHER,
        event_id("permissions", field, verb, context.account_id, context.time_as_sent),
        context.time,
        author_id=context.account_id,
        object_ids=known_ids(user_id=context.account_id),
    )


# --- Messenger (and Instagram messaging) ---------------------------------------------------


def messaging_event(context: EntryContext, item: dict[str, Any]) -> ParsedEvent:
    """One `messaging[]` item: a message, an edit, a reaction, or a receipt of some kind."""
    sender = id_text(as_dict(item.get("sender")).get("id"))
    recipient = id_text(as_dict(item.get("recipient")).get("id"))
    base = ParsedEvent(
        EventKind.OTHER,
        digest_id("messaging", item),
        from_epoch_milliseconds(item.get("timestamp")) or context.time,
        author_id=sender,
        object_ids=context.account_ids(sender_id=sender, recipient_id=recipient),
    )
    if isinstance(item.get("message"), dict):
        return message_event(base, item["message"])
    if isinstance(item.get("message_edit"), dict):
        return message_edit_event(base, item["message_edit"])
    if isinstance(item.get("reaction"), dict):
        return message_reaction_event(base, item["reaction"], item.get("timestamp"))
    return base


def message_event(base: ParsedEvent, message: dict[str, Any]) -> ParsedEvent:
    mid = id_text(message.get("mid"))
    if not mid:
        return base
    # Instagram reports an unsent message as a message marked deleted: not a new message.
    if message.get("is_deleted") is True:
        return with_message(base, EventKind.OTHER, event_id("message_deleted", mid), mid)
    text = plain_text(message.get("text"))
    return with_message(base, EventKind.MESSAGE, event_id("message", mid), mid, text)


def message_edit_event(base: ParsedEvent, edit: dict[str, Any]) -> ParsedEvent:
    mid = id_text(edit.get("mid"))
    if not mid:
        return base
    number = id_text(edit.get("num_edit"))
    text = plain_text(edit.get("text"))
    return with_message(base, EventKind.MESSAGE, event_id("message_edit", mid, number), mid, text)


def message_reaction_event(
    base: ParsedEvent, reaction: dict[str, Any], timestamp: Any
) -> ParsedEvent:
    mid = id_text(reaction.get("mid"))
    action = text_field(reaction, "action")
    kind = EventKind.OTHER if action == "unreact" else EventKind.REACTION
    identity = event_id("reaction", mid, base.author_id, action, id_text(timestamp))
    what = plain_text(reaction.get("reaction")) or plain_text(reaction.get("emoji"))
    return with_message(base, kind, identity, mid, what)


def with_message(
    base: ParsedEvent, kind: EventKind, identity: str, mid: str, text: str = ""
) -> ParsedEvent:
    ids = {**base.object_ids, **known_ids(message_id=mid)}
    return replace(base, kind=kind, platform_event_id=identity, text=text, object_ids=ids)


# --- Facebook Pages -----------------------------------------------------------------------

FEED_ITEM_KINDS = MappingProxyType(
    {
        "comment": EventKind.COMMENT,
        "reaction": EventKind.REACTION,
        "like": EventKind.REACTION,
        "post": EventKind.POST,
        "status": EventKind.POST,
        "photo": EventKind.POST,
        "video": EventKind.POST,
        "share": EventKind.POST,
        "album": EventKind.POST,
    }
)
# What was removed is kept, but as OTHER: it is no new comment, post or reaction.
REMOVAL_VERBS = frozenset({"remove", "delete", "hide"})
# A reaction has no id of its own: who reacted tells one from another on the same post.
ACTOR_KEYED_ITEMS = frozenset({"reaction", "like"})


def feed_event(context: EntryContext, value: dict[str, Any]) -> ParsedEvent:
    item = text_field(value, "item")
    verb = text_field(value, "verb")
    author = as_dict(value.get("from"))
    author_id = id_text(author.get("id")) or id_text(value.get("sender_id"))
    kind = FEED_ITEM_KINDS.get(item, EventKind.OTHER)
    return ParsedEvent(
        EventKind.OTHER if verb in REMOVAL_VERBS else kind,
        feed_event_id(context, item, verb, value, author_id),
        feed_time(context, verb, value),
        author_id=author_id,
        author_name=plain_text(author.get("name")) or plain_text(value.get("sender_name")),
        text=feed_text(kind, value),
        object_ids=context.account_ids(
            post_id=id_text(value.get("post_id")),
            comment_id=id_text(value.get("comment_id")),
            parent_id=id_text(value.get("parent_id")),
            photo_id=id_text(value.get("photo_id")),
            video_id=id_text(value.get("video_id")),
            share_id=id_text(value.get("share_id")),
        ),
    )


def feed_event_id(
    context: EntryContext, item: str, verb: str, value: dict[str, Any], author_id: str
) -> str:
    subject = first_id(value, "comment_id", "post_id", "photo_id", "video_id", "share_id")
    if not subject:
        return digest_id("feed", {"account": context.account_id, "value": value})
    actor = author_id if item in ACTOR_KEYED_ITEMS else ""
    moment = verb_moment(context, verb, value.get("created_time"))
    return event_id("feed", item, verb, subject, actor, moment)


def feed_time(context: EntryContext, verb: str, value: dict[str, Any]) -> datetime | None:
    """An addition happened at its `created_time`; an edit or removal when it was notified,
    since its `created_time` may be the original one."""
    created = meta_time(value.get("created_time")) if verb == "add" else None
    return created or context.time


def feed_text(kind: EventKind, value: dict[str, Any]) -> str:
    """A comment's or post's message; for a reaction, which one (like, love…)."""
    if kind == EventKind.REACTION:
        return plain_text(value.get("reaction_type"))
    return plain_text(value.get("message"))


def page_mention_event(context: EntryContext, value: dict[str, Any]) -> ParsedEvent:
    """The Page @mentioned in a post or a comment."""
    item = text_field(value, "item")
    verb = text_field(value, "verb")
    subject = first_id(value, "comment_id", "post_id")
    identity = (
        event_id("mention", item, verb, subject, verb_moment(context, verb, None))
        if subject
        else digest_id("mention", {"account": context.account_id, "value": value})
    )
    return ParsedEvent(
        EventKind.OTHER if verb in REMOVAL_VERBS else EventKind.MENTION,
        identity,
        context.time,
        author_id=id_text(value.get("sender_id")),
        author_name=plain_text(value.get("sender_name")),
        object_ids=context.account_ids(
            post_id=id_text(value.get("post_id")),
            comment_id=id_text(value.get("comment_id")),
        ),
    )


def verb_moment(context: EntryContext, verb: str, created_time: Any) -> str:
    """What tells one occurrence of a change from another. An addition happens once, so its
    creation time (when given) is enough and stays the same if Meta sends it again in another
    batch; an edit or a removal may happen many times, so the notification's time counts."""
    if verb == "add":
        return id_text(created_time)
    return id_text(context.time_as_sent)


def meta_time(value: Any) -> datetime | None:
    """`created_time` is epoch seconds in feed changes; an ISO string is read too."""
    return from_epoch_seconds(value) or from_iso(value)


def text_field(value: dict[str, Any], name: str) -> str:
    field = value.get(name)
    return field if isinstance(field, str) else ""


def first_id(value: dict[str, Any], *names: str) -> str:
    """The first of the named ids that is present."""
    for name in names:
        if found := id_text(value.get(name)):
            return found
    return ""


class FacebookWebhookPlatform(MetaWebhookPlatform):
    """Page webhooks, signed with the Facebook app's secret."""

    platform = "FACEBOOK"
    account_key = "page_id"
    change_parsers = MappingProxyType({"feed": feed_event, "mention": page_mention_event})
