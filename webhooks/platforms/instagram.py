"""Instagram webhooks: Meta's handshake, signature and notification envelope
(webhooks.platforms.facebook), signed with the Instagram app's secret, with Instagram's own
change fields.

An app on Instagram Login has an Instagram app id and secret of its own (App Dashboard >
Instagram > API setup with Instagram login), and that secret, SOCIAL_PLATFORMS["INSTAGRAM"]
["CLIENT_SECRET"], is the one its notifications are checked with; the Facebook app's secret
does not verify them.

Documentation followed:
- Creating the endpoint: the same verification request and `X-Hub-Signature-256` as every
  Meta webhook ("your app's App Secret"):
  https://developers.facebook.com/docs/instagram-platform/webhooks
  https://developers.facebook.com/documentation/instagram-platform/webhooks/setup
- Notification payloads (`object: "instagram"`, `entry[]` with `id` — the professional
  account — and `time`, then `changes[]` or `messaging[]`); `comments` and `live_comments`
  values (`id`, `from {id, username}`, `text`, `media {id, media_product_type}`,
  `parent_id`); messaging items (`sender`, `recipient`, `timestamp`, `message {mid, text,
  is_echo, is_deleted}`, `reaction`, `read`, `postback`…). The page writes its examples inside
  a JSON array and, for comments, with `field`/`value` straight in the entry; both are read:
  https://developers.facebook.com/documentation/instagram-platform/webhooks/examples
- The Instagram object's fields (`comments`, `live_comments`, `mentions` with `media_id` and
  `comment_id`, `story_insights`, the messaging fields…):
  https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/mentions
- Instagram messaging webhooks (`messages`, echoes with `is_echo`, `message_reactions`,
  `messaging_seen`, `messaging_postbacks`…):
  https://developers.facebook.com/documentation/business-messaging/instagram-messaging/webhooks

How notifications become events: `comments`/`live_comments` → COMMENT; `mentions` → MENTION;
messages → MESSAGE, reactions → REACTION (as for Messenger); `story_insights` and anything
else → OTHER. Instagram sends no edit or removal verbs for comments, so a comment's id alone
identifies its event.
"""

from types import MappingProxyType
from typing import Any

from webhooks.platforms.base import EventKind, ParsedEvent
from webhooks.platforms.facebook import EntryContext, MetaWebhookPlatform, first_id
from webhooks.platforms.parsing import as_dict, digest_id, event_id, id_text, plain_text


def comment_event(context: EntryContext, value: dict[str, Any]) -> ParsedEvent:
    """A comment (or a live comment) on the account's media."""
    comment_id = id_text(value.get("id"))
    author = as_dict(value.get("from"))
    return ParsedEvent(
        EventKind.COMMENT,
        event_id("comment", comment_id) if comment_id else digest_id("comment", value),
        # The value carries no time of its own; the entry's is when Meta sent it.
        context.time,
        author_id=id_text(author.get("id")),
        author_name=plain_text(author.get("username")),
        text=plain_text(value.get("text")),
        object_ids=context.account_ids(
            media_id=id_text(as_dict(value.get("media")).get("id")),
            comment_id=comment_id,
            parent_id=id_text(value.get("parent_id")),
        ),
    )


def mention_event(context: EntryContext, value: dict[str, Any]) -> ParsedEvent:
    """The account @mentioned in a caption (`media_id` only) or a comment (`comment_id` too)."""
    subject = first_id(value, "comment_id", "media_id")
    return ParsedEvent(
        EventKind.MENTION,
        event_id("mention", subject) if subject else digest_id("mention", value),
        context.time,
        object_ids=context.account_ids(
            media_id=id_text(value.get("media_id")),
            comment_id=id_text(value.get("comment_id")),
        ),
    )


class InstagramWebhookPlatform(MetaWebhookPlatform):
    """Instagram webhooks, signed with the Instagram app's secret."""

    platform = "INSTAGRAM"
    account_key = "instagram_account_id"
    change_parsers = MappingProxyType(
        {"comments": comment_event, "live_comments": comment_event, "mentions": mention_event}
    )
