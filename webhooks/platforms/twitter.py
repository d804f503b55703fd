"""X (Twitter) Account Activity webhooks.

Both checks use the app's consumer secret (the OAuth 1.0a API key secret,
SOCIAL_TWITTER_CONSUMER_SECRET), not the OAuth 2.0 client secret that refreshes tokens. Without
it nothing is answered or accepted: an empty HMAC key is one anyone can sign with.

Documentation followed:
- The challenge-response check: a GET with `crc_token`, answered 200 with JSON
  `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}`, sent at
  registration and about hourly; and the `x-twitter-webhooks-signature` header on every POST,
  `sha256=` and the base64 HMAC-SHA256 of the payload body with the consumer secret:
  https://docs.x.com/x-api/webhooks/quickstart
  https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks
- Payloads (`for_user_id` and one array per kind of activity, `tweet_create_events`,
  `favorite_events`, …, with no id of the delivery itself; `tweet_create_events` carries the
  user's posts, retweets, replies, @mentions and quote tweets, by or to the user;
  `favorite_events` items have an `id`, `timestamp_ms`, `favorited_status` and `user`;
  `user_event` holds a `revoke` {`date_time`, `target.app_id`, `source.user_id`} when the user
  removes the app, and `tweet_delete_events`, follows, blocks, mutes, typing and read
  receipts come as their own arrays):
  https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/account-activity-data-objects
- Direct message events (`type: message_create`, `id`, `created_timestamp` in milliseconds,
  `message_create.sender_id`, `.target.recipient_id`, `.message_data.text`), with the
  delivery's `users` map giving each user's name:
  https://developer.x.com/content/developer-twitter/en/docs/direct-messages/sending-and-receiving/guides/message-create-object
- The Tweet object (`id_str`, `text`, `extended_tweet.full_text` when `truncated`, `user`,
  `in_reply_to_user_id_str`, `in_reply_to_status_id_str`, `entities.user_mentions[].id_str`,
  `retweeted_status`, `quoted_status`, `created_at`, `timestamp_ms`):
  https://developer.x.com/en/docs/x-api/v1/data-dictionary/object-model/tweet

How activities become events, the subscribed user being `for_user_id`:
- a post whose author is the user → POST (their tweets, replies and retweets alike);
- someone else's retweet of the user's post → REACTION;
- someone else's reply to the user (`in_reply_to_user_id_str`) → COMMENT;
- someone else's post @mentioning the user (`entities.user_mentions`), or quoting one of the
  user's posts → MENTION;
- any other post the subscription delivers → OTHER;
- a like (`favorite_events`) → REACTION; a direct message (`message_create`) → MESSAGE;
- `user_event.revoke` → DEAUTHORIZATION;
- deletes, follows, blocks, mutes, typing, read receipts and any other array → OTHER.
Ids are the activity's array name and the platform's id (the tweet's, the like's, the
message's); an item without one is identified by a digest of its content.
"""

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.http import HttpResponse, JsonResponse, QueryDict

from webhooks.platforms.base import (
    EventKind,
    ParsedEvent,
    WebhookPlatform,
    WebhookSecrets,
    hmac_sha256,
    same,
)
from webhooks.platforms.parsing import (
    as_dict,
    as_list,
    digest_id,
    event_id,
    from_epoch_milliseconds,
    from_iso,
    id_text,
    known_ids,
    load_json_object,
    plain_text,
)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def consumer_secret() -> str:
    return settings.SOCIAL_TWITTER_CONSUMER_SECRET


def signed(secret: str, message: bytes) -> str:
    """X's form of a signature: "sha256=" and the base64 HMAC-SHA256."""
    return "sha256=" + base64.b64encode(hmac_sha256(secret, message).digest()).decode()


class TwitterWebhookPlatform(WebhookPlatform):
    platform = "TWITTER"

    def answer_handshake(self, query: QueryDict, secrets: WebhookSecrets) -> HttpResponse | None:
        crc_token = query.get("crc_token", "")
        secret = consumer_secret()
        if not crc_token or not secret:
            return None
        return JsonResponse({"response_token": signed(secret, crc_token.encode())})

    def signature_valid(
        self, body: bytes, headers: Mapping[str, str], secrets: WebhookSecrets
    ) -> bool:
        secret = consumer_secret()
        return bool(secret) and same(signed(secret, body), headers.get(SIGNATURE_HEADER))

    def parse(self, body: bytes) -> list[ParsedEvent]:
        payload = load_json_object(body)
        user_id = id_text(payload.get("for_user_id"))
        if not user_id and "user_event" not in payload:
            raise ValueError("The body is not an Account Activity payload")
        events = [user_event(as_dict(payload.get("user_event")))] if "user_event" in payload else []
        activity = Activity(user_id=user_id, users=as_dict(payload.get("users")))
        for name, items in payload.items():
            if name.endswith("_events") and isinstance(items, list):
                events.extend(activity.event(name, as_dict(item)) for item in items)
        return events


# X's own time format in `created_at`, e.g. "Wed Nov 19 11:00:00 +0000 2025".
CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"


class Activity:
    """Reads the items of one delivery's activity arrays for the subscribed user; `users` is
    the delivery's map of user ids to users, which direct message deliveries carry."""

    def __init__(self, *, user_id: str, users: dict[str, Any]) -> None:
        self.user_id = user_id
        self.users = users

    def event(self, name: str, item: dict[str, Any]) -> ParsedEvent:
        reader = ACTIVITY_READERS.get(name)
        return reader(self, name, item) if reader else other_activity_event(self, name, item)

    def tweet_event(self, name: str, tweet: dict[str, Any]) -> ParsedEvent:
        author = as_dict(tweet.get("user"))
        author_id = user_id_of(author)
        tweet_id = id_text(tweet.get("id_str")) or id_text(tweet.get("id"))
        return ParsedEvent(
            self.tweet_kind(tweet, author_id),
            event_id(name, tweet_id) if tweet_id else digest_id(name, tweet),
            tweet_time(tweet),
            author_id=author_id,
            author_name=user_name(author),
            text=tweet_text(tweet),
            object_ids=known_ids(
                user_id=self.user_id,
                tweet_id=tweet_id,
                in_reply_to_tweet_id=id_text(tweet.get("in_reply_to_status_id_str")),
                retweeted_tweet_id=nested_tweet_id(tweet, "retweeted_status"),
                quoted_tweet_id=nested_tweet_id(tweet, "quoted_status"),
            ),
        )

    def tweet_kind(self, tweet: dict[str, Any], author_id: str) -> EventKind:
        if not self.user_id:
            # Without the subscribed user, whose post this is cannot be told.
            return EventKind.OTHER
        if author_id == self.user_id:
            return EventKind.POST
        # Before mentions: a retweet's entities repeat the "RT @user" of the original.
        if nested_author_id(tweet, "retweeted_status") == self.user_id:
            return EventKind.REACTION
        if id_text(tweet.get("in_reply_to_user_id_str")) == self.user_id:
            return EventKind.COMMENT
        if self.user_id in mentioned_user_ids(tweet):
            return EventKind.MENTION
        if nested_author_id(tweet, "quoted_status") == self.user_id:
            return EventKind.MENTION
        return EventKind.OTHER

    def favorite_event(self, name: str, favorite: dict[str, Any]) -> ParsedEvent:
        liker = as_dict(favorite.get("user"))
        favorite_id = id_text(favorite.get("id"))
        return ParsedEvent(
            EventKind.REACTION,
            event_id(name, favorite_id) if favorite_id else digest_id(name, favorite),
            from_epoch_milliseconds(favorite.get("timestamp_ms"))
            or x_time(favorite.get("created_at")),
            author_id=user_id_of(liker),
            author_name=user_name(liker),
            object_ids=known_ids(
                user_id=self.user_id,
                tweet_id=nested_tweet_id(favorite, "favorited_status"),
                favorite_id=favorite_id,
            ),
        )

    def direct_message_event(self, name: str, message: dict[str, Any]) -> ParsedEvent:
        created = as_dict(message.get("message_create"))
        sender_id = id_text(created.get("sender_id"))
        message_id = id_text(message.get("id"))
        is_message = message.get("type") == "message_create"
        return ParsedEvent(
            EventKind.MESSAGE if is_message else EventKind.OTHER,
            event_id(name, message_id) if message_id else digest_id(name, message),
            from_epoch_milliseconds(message.get("created_timestamp")),
            author_id=sender_id,
            author_name=user_name(as_dict(self.users.get(sender_id))),
            text=plain_text(as_dict(created.get("message_data")).get("text")),
            object_ids=known_ids(
                user_id=self.user_id,
                message_id=message_id,
                sender_id=sender_id,
                recipient_id=id_text(as_dict(created.get("target")).get("recipient_id")),
            ),
        )


def other_activity_event(activity: Activity, name: str, item: dict[str, Any]) -> ParsedEvent:
    """Deletes, follows, blocks, mutes, typing, read receipts and arrays X adds later: kept,
    under the platform's id where the item has one."""
    status = as_dict(item.get("status"))
    own_id = id_text(item.get("id")) or id_text(status.get("id"))
    # `source` is the user performing a follow, block or mute.
    source = as_dict(item.get("source"))
    return ParsedEvent(
        EventKind.OTHER,
        event_id(name, own_id) if own_id else digest_id(name, item),
        from_epoch_milliseconds(item.get("timestamp_ms"))
        or from_epoch_milliseconds(item.get("created_timestamp")),
        author_id=user_id_of(source),
        author_name=user_name(source),
        object_ids=known_ids(user_id=activity.user_id, tweet_id=id_text(status.get("id"))),
    )


ActivityReader = Callable[[Activity, str, dict[str, Any]], ParsedEvent]
ACTIVITY_READERS: Mapping[str, ActivityReader] = MappingProxyType(
    {
        "tweet_create_events": Activity.tweet_event,
        "favorite_events": Activity.favorite_event,
        "direct_message_events": Activity.direct_message_event,
    }
)


def user_event(event: dict[str, Any]) -> ParsedEvent:
    """`user_event`: a `revoke` when the user removed the app (the subscription is gone)."""
    revoke = as_dict(event.get("revoke"))
    if not revoke:
        return ParsedEvent(EventKind.OTHER, digest_id("user_event", event))
    user_id = id_text(as_dict(revoke.get("source")).get("user_id"))
    when = revoke.get("date_time")
    return ParsedEvent(
        EventKind.DEAUTHORIZATION,
        event_id("user_event:revoke", user_id, id_text(when)),
        from_iso(when),
        author_id=user_id,
        object_ids=known_ids(
            user_id=user_id, app_id=id_text(as_dict(revoke.get("target")).get("app_id"))
        ),
    )


def tweet_text(tweet: dict[str, Any]) -> str:
    """The whole text: a long tweet is `truncated` and its full text is in `extended_tweet`."""
    extended = as_dict(tweet.get("extended_tweet"))
    return (
        plain_text(extended.get("full_text"))
        or plain_text(tweet.get("full_text"))
        or plain_text(tweet.get("text"))
    )


def tweet_time(tweet: dict[str, Any]) -> datetime | None:
    return from_epoch_milliseconds(tweet.get("timestamp_ms")) or x_time(tweet.get("created_at"))


def x_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, CREATED_AT_FORMAT).astimezone(UTC)
    except ValueError:
        return None


def user_name(user: dict[str, Any]) -> str:
    return plain_text(user.get("name")) or plain_text(user.get("screen_name"))


def mentioned_user_ids(tweet: dict[str, Any]) -> set[str]:
    mentions = as_list(as_dict(tweet.get("entities")).get("user_mentions"))
    return {id_text(as_dict(mention).get("id_str")) for mention in mentions} - {""}


def nested_tweet_id(item: dict[str, Any], name: str) -> str:
    nested = as_dict(item.get(name))
    return id_text(nested.get("id_str")) or id_text(nested.get("id"))


def nested_author_id(tweet: dict[str, Any], name: str) -> str:
    return user_id_of(as_dict(as_dict(tweet.get(name)).get("user")))


def user_id_of(user: dict[str, Any]) -> str:
    # `id_str` first: `id` is a 64-bit number that JavaScript clients cannot hold exactly.
    return id_text(user.get("id_str")) or id_text(user.get("id"))
