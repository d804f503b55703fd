"""Each platform's `parse`: documented payloads (fixtures/<platform>/, shaped as the platform's
pages show them) into the exact normalized events; batches into several events; unknown but
well-formed events into OTHER; and bodies that are not the platform's shape into ValueError,
whose message quotes nothing of the body.

Pure functions over bytes: no database, no settings, no network."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webhooks.platforms import get_webhook_platform
from webhooks.platforms.base import EventKind, ParsedEvent, WebhookPlatform
from webhooks.platforms.parsing import MAX_TEXT_LENGTH

FIXTURES = Path(__file__).parent / "fixtures"
# Written into malformed bodies: no error message may repeat it.
MARKER = "PAYLOAD-TEXT-7f3a"


def fixture(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


def parse(platform: str, body: bytes) -> list[ParsedEvent]:
    return get_webhook_platform(platform).parse(body)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class Digest:
    """Equal to a content-digest id with the given prefix: the id of an item that has none of
    its own. Its value is pinned by the stability test, not spelled out here."""

    def __init__(self, prefix: str) -> None:
        self.pattern = re.compile(re.escape(prefix) + r":sha256:[0-9a-f]{64}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.pattern.fullmatch(other) is not None

    def __repr__(self) -> str:
        return f"Digest({self.pattern.pattern!r})"


# --- Facebook -------------------------------------------------------------------------------

PAGE = "104619372293045"
POST = "104619372293045_1122334455667788"


def test_facebook_feed_batch_gives_a_comment_and_a_reaction():
    events = parse("FACEBOOK", fixture("facebook", "page_feed_comments.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="feed:comment:add:1122334455667788_2233445566778899:1763549998",
            occurred_at=utc(2025, 11, 19, 10, 59, 58),
            author_id="6543210987654321",
            author_name="Ada Lovelace",
            text="Très bien, love it!",
            object_ids={
                "page_id": PAGE,
                "post_id": POST,
                "comment_id": "1122334455667788_2233445566778899",
                "parent_id": POST,
            },
        ),
        ParsedEvent(
            kind=EventKind.REACTION,
            platform_event_id=f"feed:reaction:add:{POST}:7654321098765432:1763550001",
            occurred_at=utc(2025, 11, 19, 11, 0, 1),
            author_id="7654321098765432",
            author_name="Grace Hopper",
            text="love",
            object_ids={"page_id": PAGE, "post_id": POST, "parent_id": POST},
        ),
    ]


def test_facebook_status_update_is_a_post():
    events = parse("FACEBOOK", fixture("facebook", "page_feed_status_post.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id="feed:status:add:104619372293045_1133557799113355:1763553598",
            occurred_at=utc(2025, 11, 19, 11, 59, 58),
            author_id=PAGE,
            author_name="Acme Bakery",
            text="Our autumn opening hours are online.",
            object_ids={"page_id": PAGE, "post_id": "104619372293045_1133557799113355"},
        )
    ]


def test_facebook_edit_stays_a_comment_and_a_removal_is_kept_as_other():
    events = parse("FACEBOOK", fixture("facebook", "page_feed_edits_and_removals.json"))

    notified = utc(2025, 11, 19, 13, 0, 0)
    assert events == [
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="feed:comment:edited:1122334455667788_2233445566778899:1763557200",
            occurred_at=notified,
            author_id="6543210987654321",
            author_name="Ada Lovelace",
            text="Très bien, love it! (edited)",
            object_ids={
                "page_id": PAGE,
                "post_id": POST,
                "comment_id": "1122334455667788_2233445566778899",
                "parent_id": POST,
            },
        ),
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id="feed:comment:remove:1122334455667788_3344556677889900:1763557200",
            occurred_at=notified,
            author_id="7654321098765432",
            author_name="Grace Hopper",
            object_ids={
                "page_id": PAGE,
                "post_id": POST,
                "comment_id": "1122334455667788_3344556677889900",
                "parent_id": POST,
            },
        ),
    ]


def test_facebook_page_mention():
    events = parse("FACEBOOK", fixture("facebook", "page_mention.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.MENTION,
            platform_event_id="mention:post:add:998877665544332_1234567890123456",
            occurred_at=utc(2025, 11, 19, 14, 0, 0),
            author_id="998877665544332",
            author_name="Charles Babbage",
            object_ids={"page_id": PAGE, "post_id": "998877665544332_1234567890123456"},
        )
    ]


def test_facebook_messenger_batch_gives_a_message_a_reaction_and_a_receipt():
    events = parse("FACEBOOK", fixture("facebook", "messenger_messaging.json"))

    people = {"page_id": PAGE, "sender_id": "2468013579246801", "recipient_id": PAGE}
    assert events == [
        ParsedEvent(
            kind=EventKind.MESSAGE,
            platform_event_id="message:m_1457764197618:41d102a3e1ae206a38",
            occurred_at=utc(2025, 11, 19, 14, 59, 59, 871000),
            author_id="2468013579246801",
            text="hello, world!",
            object_ids={**people, "message_id": "m_1457764197618:41d102a3e1ae206a38"},
        ),
        ParsedEvent(
            kind=EventKind.REACTION,
            platform_event_id=(
                "reaction:m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
                ":2468013579246801:react:1763564400010"
            ),
            occurred_at=utc(2025, 11, 19, 15, 0, 0, 10000),
            author_id="2468013579246801",
            text="love",
            object_ids={**people, "message_id": "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"},
        ),
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id=Digest("messaging"),
            occurred_at=utc(2025, 11, 19, 15, 0, 0, 123000),
            author_id="2468013579246801",
            object_ids=people,
        ),
    ]


def test_facebook_permissions_disconnected_is_a_deauthorization():
    events = parse("FACEBOOK", fixture("facebook", "permissions_disconnected.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.DEAUTHORIZATION,
            platform_event_id="permissions:connected:disconnected:10210299214172187:1763568000",
            occurred_at=utc(2025, 11, 19, 16, 0, 0),
            author_id="10210299214172187",
            object_ids={"user_id": "10210299214172187"},
        )
    ]


def test_facebook_unknown_field_is_kept_as_other():
    events = parse("FACEBOOK", fixture("facebook", "page_ratings.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id=Digest("change:ratings"),
            occurred_at=utc(2025, 11, 19, 17, 0, 0),
            object_ids={"page_id": PAGE},
        )
    ]


def test_facebook_entry_in_an_unread_shape_is_kept_as_other():
    body = (
        b'{"object": "page", "entry": '
        b'[{"id": "1", "time": 1763550000, "changed_fields": ["connected"]}]}'
    )

    assert parse("FACEBOOK", body) == [
        ParsedEvent(EventKind.OTHER, Digest("entry"), utc(2025, 11, 19, 11, 0, 0))
    ]


def test_facebook_values_of_the_wrong_type_read_as_missing():
    body = b'{"object": "page", "entry": [{"id": 7, "changes": [{"field": "feed", "value": 3}]}]}'

    assert parse("FACEBOOK", body) == [
        ParsedEvent(EventKind.OTHER, Digest("feed"), None, object_ids={"page_id": "7"})
    ]


# --- Instagram ------------------------------------------------------------------------------

IG_ACCOUNT = "17841405822304914"


def test_instagram_comment():
    events = parse("INSTAGRAM", fixture("instagram", "comments.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="comment:17865799348089039",
            occurred_at=utc(2025, 11, 19, 11, 0, 0),
            author_id="232323232",
            author_name="ada.lovelace",
            text="Where can I buy this?",
            object_ids={
                "instagram_account_id": IG_ACCOUNT,
                "media_id": "18023345989012345",
                "comment_id": "17865799348089039",
            },
        )
    ]


def test_instagram_comment_as_the_examples_page_writes_it():
    """A JSON array around the notification, and `field`/`value` straight in the entry."""
    events = parse("INSTAGRAM", fixture("instagram", "comments_examples_page_shape.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="comment:17865799348089040",
            occurred_at=utc(2025, 11, 19, 21, 0, 0),
            author_id="343434343",
            author_name="grace.hopper",
            text="Hello from the live!",
            object_ids={
                "instagram_account_id": IG_ACCOUNT,
                "media_id": "18023345989012346",
                "comment_id": "17865799348089040",
            },
        )
    ]


def test_instagram_mentions_in_a_comment_and_in_a_caption():
    events = parse("INSTAGRAM", fixture("instagram", "mentions.json"))

    mentioned = utc(2025, 11, 19, 18, 0, 0)
    assert events == [
        ParsedEvent(
            kind=EventKind.MENTION,
            platform_event_id="mention:17894227972186120",
            occurred_at=mentioned,
            object_ids={
                "instagram_account_id": IG_ACCOUNT,
                "media_id": "17918195224117851",
                "comment_id": "17894227972186120",
            },
        ),
        ParsedEvent(
            kind=EventKind.MENTION,
            platform_event_id="mention:17918195224117852",
            occurred_at=mentioned,
            object_ids={"instagram_account_id": IG_ACCOUNT, "media_id": "17918195224117852"},
        ),
    ]


def test_instagram_messages_received_and_echoed():
    events = parse("INSTAGRAM", fixture("instagram", "messages.json"))

    customer = "1234567890123456"
    assert events == [
        ParsedEvent(
            kind=EventKind.MESSAGE,
            platform_event_id="message:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1",
            occurred_at=utc(2025, 11, 19, 19, 0, 0, 123000),
            author_id=customer,
            text="Do you ship to Lyon?",
            object_ids={
                "instagram_account_id": IG_ACCOUNT,
                "sender_id": customer,
                "recipient_id": IG_ACCOUNT,
                "message_id": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1",
            },
        ),
        ParsedEvent(
            kind=EventKind.MESSAGE,
            platform_event_id="message:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA2",
            occurred_at=utc(2025, 11, 19, 19, 0, 0, 456000),
            author_id=IG_ACCOUNT,
            text="We do, in two days.",
            object_ids={
                "instagram_account_id": IG_ACCOUNT,
                "sender_id": IG_ACCOUNT,
                "recipient_id": customer,
                "message_id": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA2",
            },
        ),
    ]


def test_instagram_story_insights_are_kept_as_other():
    events = parse("INSTAGRAM", fixture("instagram", "story_insights.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id=Digest("change:story_insights"),
            occurred_at=utc(2025, 11, 19, 20, 0, 0),
            object_ids={"instagram_account_id": IG_ACCOUNT},
        )
    ]


def test_instagram_fields_are_not_read_as_facebook_ones():
    """A Page parser does not know `comments`: the change is kept, as OTHER."""
    events = parse("FACEBOOK", fixture("instagram", "comments.json"))

    assert [event.kind for event in events] == [EventKind.OTHER]


# --- X --------------------------------------------------------------------------------------

X_USER = "2244994945"


def test_x_reply_to_the_user_is_a_comment():
    events = parse("TWITTER", fixture("twitter", "tweet_create_events.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="tweet_create_events:1990000000000000001",
            occurred_at=utc(2025, 11, 19, 11, 0, 0),
            author_id="6253282",
            author_name="Ada Lovelace",
            text="@TwitterDev when is the next release?",
            object_ids={"user_id": X_USER, "tweet_id": "1990000000000000001"},
        )
    ]


def test_x_batch_of_a_post_a_retweet_and_a_mention():
    events = parse("TWITTER", fixture("twitter", "tweet_create_events_batch.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id="tweet_create_events:1990000000000000002",
            occurred_at=utc(2025, 11, 19, 12, 0, 0),
            author_id=X_USER,
            author_name="Developers",
            text="Our November release is out: https://t.co/abc",
            object_ids={"user_id": X_USER, "tweet_id": "1990000000000000002"},
        ),
        ParsedEvent(
            kind=EventKind.REACTION,
            platform_event_id="tweet_create_events:1990000000000000003",
            occurred_at=utc(2025, 11, 19, 12, 5, 0),
            author_id="7654321",
            author_name="Grace Hopper",
            text="RT @TwitterDev: Our November release is out: https://t.co/abc",
            object_ids={
                "user_id": X_USER,
                "tweet_id": "1990000000000000003",
                "retweeted_tweet_id": "1990000000000000002",
            },
        ),
        ParsedEvent(
            kind=EventKind.MENTION,
            platform_event_id="tweet_create_events:1990000000000000004",
            occurred_at=utc(2025, 11, 19, 12, 10, 0),
            author_id="8765432",
            author_name="Charles Babbage",
            text="Worth a read, congrats @TwitterDev https://t.co/def",
            object_ids={"user_id": X_USER, "tweet_id": "1990000000000000004"},
        ),
    ]


def test_x_quote_of_the_users_post_is_a_mention_with_its_full_text():
    events = parse("TWITTER", fixture("twitter", "quote_tweet_extended.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.MENTION,
            platform_event_id="tweet_create_events:1990000000000000005",
            occurred_at=utc(2025, 11, 19, 12, 15, 0),
            author_id="9876543",
            author_name="Alan Turing",
            text=(
                "This is the long one everyone has been waiting for, and it deserves a longer "
                "look than a quick scroll: read the whole changelog before upgrading."
            ),
            object_ids={
                "user_id": X_USER,
                "tweet_id": "1990000000000000005",
                "quoted_tweet_id": "1990000000000000002",
            },
        )
    ]


def test_x_like_is_a_reaction():
    events = parse("TWITTER", fixture("twitter", "favorite_events.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.REACTION,
            platform_event_id="favorite_events:a7ba59eab0bfcba386f7acedac279542",
            occurred_at=utc(2025, 11, 19, 12, 20, 0, 140000),
            author_id="7654321",
            author_name="Grace Hopper",
            object_ids={
                "user_id": X_USER,
                "tweet_id": "1990000000000000002",
                "favorite_id": "a7ba59eab0bfcba386f7acedac279542",
            },
        )
    ]


def test_x_direct_message_with_its_senders_name():
    events = parse("TWITTER", fixture("twitter", "direct_message_events.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.MESSAGE,
            platform_event_id="direct_message_events:954491830116155396",
            occurred_at=utc(2018, 1, 19, 23, 12, 40, 557000),
            author_id="3001969357",
            author_name="Jordan Brinks",
            text="Hello World!",
            object_ids={
                "user_id": "4337869213",
                "message_id": "954491830116155396",
                "sender_id": "3001969357",
                "recipient_id": "4337869213",
            },
        )
    ]


def test_x_revoke_is_a_deauthorization():
    events = parse("TWITTER", fixture("twitter", "user_event_revoke.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.DEAUTHORIZATION,
            platform_event_id="user_event:revoke:63046977:2018-05-24T09:48:12+00:00",
            occurred_at=utc(2018, 5, 24, 9, 48, 12),
            author_id="63046977",
            object_ids={"user_id": "63046977", "app_id": "13090192"},
        )
    ]


def test_x_follow_and_delete_are_kept_as_other():
    follows = parse("TWITTER", fixture("twitter", "follow_events.json"))
    deletes = parse("TWITTER", fixture("twitter", "tweet_delete_events.json"))

    assert follows == [
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id=Digest("follow_events"),
            occurred_at=utc(2018, 2, 2, 16, 25, 49, 178000),
            author_id="7654321",
            author_name="Grace Hopper",
            object_ids={"user_id": X_USER},
        )
    ]
    assert deletes == [
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id="tweet_delete_events:1045405559317569537",
            occurred_at=utc(2015, 5, 21, 17, 9, 15, 593000),
            object_ids={"user_id": "930524282358325248", "tweet_id": "1045405559317569537"},
        )
    ]


def test_x_activity_array_added_later_is_kept_as_other():
    body = b'{"for_user_id": "2244994945", "bookmark_events": [{"id": "42"}]}'

    assert parse("TWITTER", body) == [
        ParsedEvent(EventKind.OTHER, "bookmark_events:42", object_ids={"user_id": X_USER})
    ]


# --- LinkedIn -------------------------------------------------------------------------------

ORGANIZATION = "urn:li:organization:2414183"
SHARE = "urn:li:share:7191818181818181818"


def test_linkedin_comment_notification():
    body = fixture("linkedin", "comment_notification.json")
    events = parse("LINKEDIN", body)

    assert events == [
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="notification:4406004",
            occurred_at=utc(2025, 11, 19, 11, 0, 0),
            author_id="urn:li:person:a1b2c3d4e5",
            text="Congratulations to the whole team!",
            object_ids={
                "organization": ORGANIZATION,
                "post_id": SHARE,
                "comment_id": (
                    "urn:li:comment:(urn:li:activity:7191818181818181818,7192929292929292929)"
                ),
            },
        )
    ]
    # The receiver's key for a single notification is the same id.
    assert get_webhook_platform("LINKEDIN").event_key(body) == events[0].platform_event_id


def test_linkedin_batch_of_a_like_and_a_mention():
    events = parse("LINKEDIN", fixture("linkedin", "batched_notifications.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.REACTION,
            platform_event_id="notification:4406005",
            occurred_at=utc(2025, 11, 19, 11, 0, 1),
            object_ids={"organization": ORGANIZATION, "post_id": SHARE},
        ),
        ParsedEvent(
            kind=EventKind.MENTION,
            platform_event_id="notification:4406006",
            occurred_at=utc(2025, 11, 19, 11, 0, 2),
            object_ids={
                "organization": ORGANIZATION,
                "post_id": "urn:li:share:7193030303030303030",
            },
        ),
    ]


def test_linkedin_share_admin_comment_and_comment_delete():
    events = parse("LINKEDIN", fixture("linkedin", "share_admin_comment_and_delete.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.REACTION,
            platform_event_id="notification:4406007",
            occurred_at=utc(2025, 11, 19, 11, 0, 3),
            author_id="urn:li:person:k1l2m3n4o5",
            text="Great place to work, apply!",
            object_ids={
                "organization": ORGANIZATION,
                "post_id": SHARE,
                "activity_id": "urn:li:share:7195050505050505050",
            },
        ),
        ParsedEvent(
            kind=EventKind.COMMENT,
            platform_event_id="notification:4406008",
            occurred_at=utc(2025, 11, 19, 11, 0, 4),
            author_id=ORGANIZATION,
            text="Thank you all!",
            object_ids={
                "organization": ORGANIZATION,
                "post_id": SHARE,
                "comment_id": (
                    "urn:li:comment:(urn:li:activity:7191818181818181818,7196060606060606060)"
                ),
            },
        ),
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id="notification:4406009",
            occurred_at=utc(2025, 11, 19, 11, 0, 5),
            object_ids={
                "organization": ORGANIZATION,
                "post_id": SHARE,
                "comment_id": (
                    "urn:li:comment:(urn:li:activity:7191818181818181818,7192929292929292929)"
                ),
            },
        ),
    ]


def test_linkedin_unknown_action_is_kept_as_other():
    events = parse("LINKEDIN", fixture("linkedin", "unknown_action.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id="notification:4406010",
            occurred_at=utc(2025, 11, 19, 11, 0, 6),
            object_ids={"organization": ORGANIZATION, "post_id": SHARE},
        )
    ]


# --- TikTok ---------------------------------------------------------------------------------

OPEN_ID = "act.example12345Example12345Example"
PUBLISH_ID = "v_pub_file~v2-1.7325148931122417666"
SHARE_ID = "video.6974245311675353080.VDCxrcMJ"


def test_tiktok_authorization_removed_is_a_deauthorization():
    events = parse("TIKTOK", fixture("tiktok", "authorization_removed.json"))

    assert events == [
        ParsedEvent(
            kind=EventKind.DEAUTHORIZATION,
            platform_event_id=f"authorization.removed:{OPEN_ID}:1615338610",
            occurred_at=utc(2021, 3, 10, 1, 10, 10),
            author_id=OPEN_ID,
            object_ids={"open_id": OPEN_ID},
        )
    ]


def test_tiktok_publish_complete_and_publicly_available_are_posts():
    complete = parse("TIKTOK", fixture("tiktok", "post_publish_complete.json"))
    public = parse("TIKTOK", fixture("tiktok", "post_publish_publicly_available.json"))

    assert complete == [
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id=f"post.publish.complete:{OPEN_ID}:1763550000:{PUBLISH_ID}",
            occurred_at=utc(2025, 11, 19, 11, 0, 0),
            author_id=OPEN_ID,
            object_ids={"open_id": OPEN_ID, "publish_id": PUBLISH_ID},
        )
    ]
    assert public == [
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id=(
                f"post.publish.publicly_available:{OPEN_ID}:1763550060:{PUBLISH_ID}"
            ),
            occurred_at=utc(2025, 11, 19, 11, 1, 0),
            author_id=OPEN_ID,
            object_ids={
                "open_id": OPEN_ID,
                "publish_id": PUBLISH_ID,
                "post_id": "7325149012786470186",
            },
        )
    ]


def test_tiktok_video_kit_events():
    published = parse("TIKTOK", fixture("tiktok", "video_publish_completed.json"))
    failed = parse("TIKTOK", fixture("tiktok", "video_upload_failed.json"))

    occurred = utc(2021, 3, 10, 1, 10, 10)
    ids = {"open_id": OPEN_ID, "share_id": SHARE_ID}
    assert published == [
        ParsedEvent(
            EventKind.POST,
            f"video.publish.completed:{OPEN_ID}:1615338610:{SHARE_ID}",
            occurred,
            author_id=OPEN_ID,
            object_ids=ids,
        )
    ]
    assert failed == [
        ParsedEvent(
            EventKind.OTHER,
            f"video.upload.failed:{OPEN_ID}:1615338610:{SHARE_ID}",
            occurred,
            author_id=OPEN_ID,
            object_ids=ids,
        )
    ]


def test_tiktok_unknown_event_is_kept_as_other():
    body = (
        b'{"client_key": "bwo2m45353a6k85", "event": "portability.download.ready", '
        b'"create_time": 1763550000, "user_openid": "act.example12345Example12345Example", '
        b'"content": "{\\"request_id\\": 7}"}'
    )

    assert parse("TIKTOK", body) == [
        ParsedEvent(
            EventKind.OTHER,
            f"portability.download.ready:{OPEN_ID}:1763550000",
            utc(2025, 11, 19, 11, 0, 0),
            author_id=OPEN_ID,
            object_ids={"open_id": OPEN_ID},
        )
    ]


# --- YouTube --------------------------------------------------------------------------------

CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"


def test_youtube_entry_is_a_post():
    events = parse("YOUTUBE", fixture("youtube", "video_updated.xml"))

    assert events == [
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id="video:dQw4w9WgXcQ:2025-11-19T11:00:24.552394234+00:00",
            occurred_at=utc(2025, 11, 19, 11, 0, 24, 552394),
            author_id=CHANNEL,
            author_name="Google for Developers",
            text="Release notes, November",
            object_ids={"video_id": "dQw4w9WgXcQ", "channel_id": CHANNEL},
        )
    ]


def test_youtube_feed_with_two_entries_gives_two_posts():
    events = parse("YOUTUBE", fixture("youtube", "two_entries.xml"))

    assert events == [
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id="video:M7lc1UVf-VE:2025-11-20T09:15:02.118273645+00:00",
            occurred_at=utc(2025, 11, 20, 9, 15, 2, 118273),
            author_id=CHANNEL,
            author_name="Google for Developers",
            text="Building with the Data API",
            object_ids={"video_id": "M7lc1UVf-VE", "channel_id": CHANNEL},
        ),
        ParsedEvent(
            kind=EventKind.POST,
            platform_event_id="video:dQw4w9WgXcQ:2025-11-20T09:14:40.5+00:00",
            occurred_at=utc(2025, 11, 20, 9, 14, 40, 500000),
            author_id=CHANNEL,
            author_name="Google for Developers",
            text="Release notes, November (corrected)",
            object_ids={"video_id": "dQw4w9WgXcQ", "channel_id": CHANNEL},
        ),
    ]


def test_youtube_deleted_entry_is_kept_as_other():
    events = parse("YOUTUBE", fixture("youtube", "deleted_entry.xml"))

    assert events == [
        ParsedEvent(
            kind=EventKind.OTHER,
            platform_event_id="deleted:yt:video:dQw4w9WgXcQ:2025-11-21T08:30:00.000000+00:00",
            occurred_at=utc(2025, 11, 21, 8, 30, 0),
            author_id=CHANNEL,
            author_name="Google for Developers",
            object_ids={"video_id": "dQw4w9WgXcQ", "channel_id": CHANNEL},
        )
    ]


def test_youtube_entry_without_a_video_id_is_kept_as_other():
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>No id</title>'
        b"<updated>2025-11-20T09:00:00+00:00</updated></entry></feed>"
    )

    assert parse("YOUTUBE", body) == [
        ParsedEvent(EventKind.OTHER, Digest("entry"), utc(2025, 11, 20, 9, 0, 0))
    ]


def test_youtube_feed_without_entries_has_no_events():
    body = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>YouTube video feed</title></feed>'

    assert parse("YOUTUBE", body) == []


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE feed [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol3;</title></feed>'
)
EXTERNAL_ENTITY = (
    b'<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&secret;</title></entry></feed>'
)
UTF16_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE feed [<!ENTITY x "y">]>'
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>'
).encode("utf-16")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BILLION_LAUGHS, id="entity-expansion"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(UTF16_DOCTYPE, id="doctype-in-utf-16"),
        pytest.param(b'<!DOCTYPE feed><feed xmlns="http://www.w3.org/2005/Atom"/>', id="doctype"),
    ],
)
def test_youtube_refuses_any_document_type_declaration(body):
    with pytest.raises(ValueError, match="document type"):
        parse("YOUTUBE", body)


# --- Every platform -------------------------------------------------------------------------

MALFORMED = [
    ("FACEBOOK", f"not json {MARKER}".encode()),
    ("FACEBOOK", f'{{"object": "page", "entry": [{{"id": "{MARKER}"'.encode()),
    ("FACEBOOK", f'{{"object": "page", "{MARKER}": []}}'.encode()),
    ("FACEBOOK", f'{{"entry": [], "note": "{MARKER}"}}'.encode()),
    ("FACEBOOK", f'["{MARKER}"]'.encode()),
    ("FACEBOOK", b"[]"),
    ("INSTAGRAM", f'{{"object": "instagram", "entry": "{MARKER}"}}'.encode()),
    ("INSTAGRAM", f'"{MARKER}"'.encode()),
    ("TWITTER", f'{{"tweet_create_events": [{{"text": "{MARKER}"}}]}}'.encode()),
    ("TWITTER", f'[{{"for_user_id": "{MARKER}"}}]'.encode()),
    ("TWITTER", b"\xff\xfe not utf-8"),
    ("LINKEDIN", f'{{"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "{MARKER}": 1}}'.encode()),
    ("LINKEDIN", f'{{"notifications": {{"notificationId": "{MARKER}"}}}}'.encode()),
    ("LINKEDIN", b""),
    ("TIKTOK", f'{{"client_key": "{MARKER}", "create_time": 1}}'.encode()),
    ("TIKTOK", f'{{"event": "post.publish.complete", "content": "{{{MARKER}"}}'.encode()),
    ("TIKTOK", f'{{"event": "post.publish.complete", "content": ["{MARKER}"]}}'.encode()),
    ("YOUTUBE", f"<feed><entry>{MARKER}".encode()),
    ("YOUTUBE", f"<rss><channel>{MARKER}</channel></rss>".encode()),
    ("YOUTUBE", f'{{"feed": "{MARKER}"}}'.encode()),
    ("YOUTUBE", f'<?xml version="1.0" encoding="{MARKER}"?><feed/>'.encode()),
]


@pytest.mark.parametrize(("platform", "body"), MALFORMED)
def test_a_body_not_in_the_documented_shape_is_refused_without_quoting_it(platform, body):
    with pytest.raises(ValueError) as refused:
        parse(platform, body)

    message = str(refused.value)
    assert MARKER not in message
    assert len(message) < 80


STABILITY = [
    ("FACEBOOK", "facebook", "messenger_messaging.json"),
    ("FACEBOOK", "facebook", "page_ratings.json"),
    ("INSTAGRAM", "instagram", "story_insights.json"),
    ("TWITTER", "twitter", "follow_events.json"),
    ("LINKEDIN", "linkedin", "batched_notifications.json"),
    ("TIKTOK", "tiktok", "post_publish_complete.json"),
    ("YOUTUBE", "youtube", "two_entries.xml"),
]


@pytest.mark.parametrize(("platform", "folder", "name"), STABILITY)
def test_the_same_delivery_gives_the_same_events_every_time(platform, folder, name):
    body = fixture(folder, name)

    first = parse(platform, body)
    again = parse(platform, body)

    assert [event.platform_event_id for event in first] == [
        event.platform_event_id for event in again
    ]
    assert first == again


def test_digest_ids_do_not_depend_on_key_order_or_spacing():
    compact = (
        b'{"object":"page","entry":[{"id":"1",'
        b'"changes":[{"field":"ratings","value":{"a":1,"b":2}}]}]}'
    )
    spaced = (
        b'{"entry": [{"changes": [{"value": {"b": 2, "a": 1}, "field": "ratings"}], '
        b'"id": "1"}], "object": "page"}'
    )

    assert parse("FACEBOOK", compact) == parse("FACEBOOK", spaced)


def test_long_text_is_capped():
    comment = "x" * (MAX_TEXT_LENGTH + 500)
    body = (
        '{"object": "instagram", "entry": [{"id": "1", "time": 1763550000, "changes": ['
        f'{{"field": "comments", "value": {{"id": "9", "text": "{comment}"}}}}]}}]}}'
    ).encode()

    (event,) = parse("INSTAGRAM", body)

    assert event.text == "x" * MAX_TEXT_LENGTH


def test_text_and_ids_are_storable_in_postgresql():
    """JSON may escape a NUL or a lone surrogate, which text and jsonb columns refuse."""
    body = (
        b'{"object": "instagram", "entry": [{"id": "17841405822304914\\u0000", "changes": ['
        b'{"field": "comments", "value": {"id": "9", "text": "hi\\u0000 \\ud800there", '
        b'"from": {"id": "5", "username": "ada\\u0000"}}}]}]}'
    )

    (event,) = parse("INSTAGRAM", body)

    assert event.text == "hi ?there"
    assert event.author_name == "ada"
    assert event.object_ids["instagram_account_id"] == IG_ACCOUNT


def test_an_overlong_id_is_replaced_by_a_digest():
    long_id = "9" * 300
    body = f'{{"for_user_id": "1", "tweet_delete_events": [{{"status": {{"id": "{long_id}"}}}}]}}'

    (event,) = parse("TWITTER", body.encode())

    assert event.platform_event_id == Digest("tweet_delete_events")
    assert event.object_ids["tweet_id"] == long_id


def test_every_time_is_timezone_aware_utc():
    deliveries = [
        ("FACEBOOK", fixture("facebook", "page_feed_comments.json")),
        ("FACEBOOK", fixture("facebook", "messenger_messaging.json")),
        ("TWITTER", fixture("twitter", "tweet_create_events.json")),
        ("TWITTER", fixture("twitter", "user_event_revoke.json")),
        ("LINKEDIN", fixture("linkedin", "comment_notification.json")),
        ("TIKTOK", fixture("tiktok", "authorization_removed.json")),
        ("YOUTUBE", fixture("youtube", "video_updated.xml")),
    ]

    for platform, body in deliveries:
        for event in parse(platform, body):
            assert event.occurred_at is not None
            assert event.occurred_at.utcoffset().total_seconds() == 0


def test_parse_is_abstract():
    class Incomplete(WebhookPlatform):
        platform = "INCOMPLETE"

        def answer_handshake(self, query, secrets):
            return None

        def signature_valid(self, body, headers, secrets):
            return False

    with pytest.raises(TypeError, match="parse"):
        Incomplete()
