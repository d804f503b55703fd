"""Subscribing an account at its platform, so that the platform calls the account's webhook;
and unsubscribing it. The services in webhooks.services call these, outside any transaction.

Where the platform's API allows it, set-up subscribes the account itself:

- Facebook: each active page stored for the account (by its pages call or a sync) subscribes
  the app to the page's webhook fields, with the page's own token.
- Instagram (Instagram Login): the professional account, the one page such an account has,
  subscribes the app the same way on graph.instagram.com, with the account's token.
- YouTube: each active channel's uploads feed is subscribed at the WebSub hub, signed with a
  secret of the subscription's own, for a lease that the schedule renews.
- X, LinkedIn, TikTok: the webhook is registered in the platform's developer console (X's
  Account Activity registration is a call made with the app's own credentials); nothing is
  called, and set-up answers what to register where.

A set-up that fails at one page undoes, best effort, what it did at the pages before: a page
the replaced subscription had subscribed is subscribed as it was, any other unsubscribed.
"""

import hashlib
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Platform, SocialAccount, SocialPage
from accounts.platforms.base import Credentials, PlatformPage
from accounts.platforms.errors import PlatformError, PlatformUnavailable
from accounts.platforms.facebook import FacebookClient
from accounts.platforms.instagram import InstagramClient
from accounts.platforms.youtube import YouTubeClient, channel_feed_topic
from accounts.services import Actor, platform_call
from analytics.services import platform_page_of
from vchata_social.errors import ApplicationError
from vchata_social.outages import CACHE_UNREACHABLE_ERRORS
from webhooks.models import SubscribedEvent, WebhookSubscription

logger = logging.getLogger(__name__)

API = "api"
CONSOLE = "console"
SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"
HUB_SECRET_BYTES = 32
# The hub verifies a request we sent with a GET to the callback, asynchronously, possibly
# before set-up has stored the topic (or after removal has deleted it): such a topic is taken
# for ours this long after we asked for it.
WEBSUB_INTENT_SECONDS = 3600


class EventsNotDelivered(ApplicationError):
    """None of the subscription's events is one the platform's webhooks deliver."""


@dataclass(frozen=True)
class SubscriptionPlan:
    """What a subscription asks of its platform."""

    callback_url: str
    events: tuple[str, ...]
    # Signs WebSub notifications (YouTube); empty elsewhere.
    hub_secret: str = ""

    def __repr__(self) -> str:  # the secret never reaches a log line through repr()
        return f"SubscriptionPlan(callback_url={self.callback_url!r}, events={self.events!r})"


@dataclass(frozen=True)
class PriorSubscription:
    """The subscription a set-up replaces: what to put back when the set-up fails."""

    plan: SubscriptionPlan
    page_ids: frozenset[str]


@dataclass(frozen=True)
class PlatformSubscription:
    """What set-up did at the platform, as answered to the client and stored on the row."""

    method: str
    # The platform ids of the pages, account or channels subscribed (method "api").
    subscribed: tuple[str, ...] = ()
    # The WebSub topics asked of the hub, and when its lease ends (YouTube).
    topics: tuple[str, ...] = ()
    lease_expires_at: datetime | None = None
    # What to register where (method "console").
    instructions: str | None = None


class Subscriber(ABC):
    """How one platform's subscription is made."""

    method = API
    # Our events the platform's webhooks deliver at all.
    delivered_events: frozenset[str] = frozenset()
    # Whether the platform signs with a secret we give it (WebSub's hub.secret).
    uses_secret = False

    def check_events(self, platform: str, events: Sequence[str]) -> None:
        if set(events) & self.delivered_events:
            return
        choices = ", ".join(
            event for event in SubscribedEvent.values if event in self.delivered_events
        )
        raise EventsNotDelivered(
            [
                f"events must include one of {choices}: the others are not delivered by "
                f"{Platform(platform).label} webhooks"
            ]
        )

    def pages_to_subscribe(self, account: SocialAccount) -> list[PlatformPage]:
        """The account's active pages, as the last pages call or sync stored them."""
        pages = SocialPage.objects.filter(social_account=account, is_active=True).order_by(
            "created_at", "id"
        )
        return [platform_page_of(page) for page in pages]

    @abstractmethod
    def subscribe(
        self, client, credentials: Credentials, page: PlatformPage, plan: SubscriptionPlan
    ) -> None: ...

    @abstractmethod
    def unsubscribe(
        self, client, credentials: Credentials, page: PlatformPage, plan: SubscriptionPlan
    ) -> None: ...

    def announce(self, account_id: str, mode: str, page: PlatformPage) -> None:
        """Called before each request to the platform: WebSub records what its hub will
        verify. Nothing to record elsewhere."""
        return

    def replaces(self, prior: SubscriptionPlan, plan: SubscriptionPlan) -> bool:
        """Whether subscribing a page with `prior` overwrites what `plan` subscribed there."""
        return True

    def outcome(self, page_ids: list[str], plan: SubscriptionPlan) -> PlatformSubscription:
        return PlatformSubscription(method=API, subscribed=tuple(page_ids))


class MetaSubscriber(Subscriber):
    """Facebook and Instagram: the platform's webhook fields follow the subscription's events."""

    fields_by_event: Mapping[str, tuple[str, ...]] = MappingProxyType({})

    @property
    def delivered_events(self) -> frozenset[str]:
        return frozenset(self.fields_by_event)

    def fields(self, events: Sequence[str]) -> list[str]:
        fields = (field for event in events for field in self.fields_by_event.get(event, ()))
        return list(dict.fromkeys(fields))


class FacebookPages(MetaSubscriber):
    # The Page webhook fields: comments, posts and reactions on them are `feed` changes,
    # @mentions `mention`, Messenger conversations `messages`.
    fields_by_event = MappingProxyType(
        {
            SubscribedEvent.MESSAGES: ("messages",),
            SubscribedEvent.COMMENTS: ("feed",),
            SubscribedEvent.POSTS: ("feed",),
            SubscribedEvent.REACTIONS: ("feed",),
            SubscribedEvent.MENTIONS: ("mention",),
        }
    )

    def subscribe(
        self,
        client: FacebookClient,
        credentials: Credentials,
        page: PlatformPage,
        plan: SubscriptionPlan,
    ) -> None:
        client.subscribe_page_to_app(credentials, page, self.fields(plan.events))

    def unsubscribe(
        self,
        client: FacebookClient,
        credentials: Credentials,
        page: PlatformPage,
        plan: SubscriptionPlan,
    ) -> None:
        client.unsubscribe_page_from_app(credentials, page)


class InstagramAccount(MetaSubscriber):
    # Instagram's webhook fields: reactions are those to direct messages; the account's own
    # new posts are not delivered by any field.
    fields_by_event = MappingProxyType(
        {
            SubscribedEvent.MESSAGES: ("messages",),
            SubscribedEvent.COMMENTS: ("comments",),
            SubscribedEvent.MENTIONS: ("mentions",),
            SubscribedEvent.REACTIONS: ("message_reactions",),
        }
    )

    def subscribe(
        self,
        client: InstagramClient,
        credentials: Credentials,
        page: PlatformPage,
        plan: SubscriptionPlan,
    ) -> None:
        # The token's user is the professional account: the page names nothing the call needs.
        client.subscribe_account_to_app(credentials, self.fields(plan.events))

    def unsubscribe(
        self,
        client: InstagramClient,
        credentials: Credentials,
        page: PlatformPage,
        plan: SubscriptionPlan,
    ) -> None:
        client.unsubscribe_account_from_app(credentials)


class YouTubeChannels(Subscriber):
    # The hub pushes a channel's new uploads and title or description edits: posts only.
    delivered_events = frozenset({SubscribedEvent.POSTS.value})
    uses_secret = True

    def subscribe(
        self,
        client: YouTubeClient,
        credentials: Credentials,
        page: PlatformPage,
        plan: SubscriptionPlan,
    ) -> None:
        client.websub_subscribe(
            credentials,
            channel_id=page.platform_page_id,
            callback_url=plan.callback_url,
            secret=plan.hub_secret,
            lease_seconds=settings.WEBSUB_LEASE_SECONDS,
        )

    def unsubscribe(
        self,
        client: YouTubeClient,
        credentials: Credentials,
        page: PlatformPage,
        plan: SubscriptionPlan,
    ) -> None:
        client.websub_unsubscribe(
            credentials, channel_id=page.platform_page_id, callback_url=plan.callback_url
        )

    def announce(self, account_id: str, mode: str, page: PlatformPage) -> None:
        websub_intent_record(account_id, mode, channel_feed_topic(page.platform_page_id))

    def replaces(self, prior: SubscriptionPlan, plan: SubscriptionPlan) -> bool:
        # A hub keeps one subscription per (callback, topic).
        return prior.callback_url == plan.callback_url

    def outcome(self, page_ids: list[str], plan: SubscriptionPlan) -> PlatformSubscription:
        if not page_ids:
            return PlatformSubscription(method=API)
        return PlatformSubscription(
            method=API,
            subscribed=tuple(page_ids),
            topics=tuple(channel_feed_topic(page_id) for page_id in page_ids),
            lease_expires_at=lease_end(timezone.now()),
        )


class DeveloperConsole(Subscriber):
    """A platform whose webhook is registered by hand: nothing is called."""

    method = CONSOLE
    delivered_events = frozenset(SubscribedEvent.values)

    def __init__(self, instructions: str):
        self.instructions = instructions

    def pages_to_subscribe(self, account: SocialAccount) -> list[PlatformPage]:
        return []

    def subscribe(self, client, credentials, page, plan) -> None:
        raise NotImplementedError("Subscribed in the platform's developer console")

    def unsubscribe(self, client, credentials, page, plan) -> None:
        raise NotImplementedError("Unsubscribed in the platform's developer console")

    def outcome(self, page_ids: list[str], plan: SubscriptionPlan) -> PlatformSubscription:
        return PlatformSubscription(
            method=CONSOLE, instructions=self.instructions.format(url=plan.callback_url)
        )


_SUBSCRIBERS: dict[str, Subscriber] = {
    Platform.FACEBOOK: FacebookPages(),
    Platform.INSTAGRAM: InstagramAccount(),
    Platform.YOUTUBE: YouTubeChannels(),
    Platform.TWITTER: DeveloperConsole(
        "Register {url} as the X app's webhook with the V2 Webhooks API (POST /2/webhooks, "
        "made with the app's own credentials, once the developer portal has granted Account "
        "Activity API access), then subscribe this account's user to it "
        "(POST /2/account_activity/webhooks/{{webhook_id}}/subscriptions/all)."
    ),
    Platform.LINKEDIN: DeveloperConsole(
        "Add {url} as the webhook URL of the app in the LinkedIn Developer Portal (the app's "
        "Webhooks tab), which validates it with a challengeCode request."
    ),
    Platform.TIKTOK: DeveloperConsole(
        "Set {url} as the webhook callback URL of the app in the TikTok for Developers "
        "portal (the app's Webhooks section)."
    ),
}


def subscriber_for(platform: str) -> Subscriber:
    return _SUBSCRIBERS[platform]


def subscription_plan(
    *, platform: str, callback_url: str, events: Sequence[str]
) -> SubscriptionPlan:
    """A new plan, with a new secret where the platform signs with one we give it."""
    uses_secret = subscriber_for(platform).uses_secret
    return SubscriptionPlan(
        callback_url=callback_url,
        events=tuple(events),
        hub_secret=secrets.token_urlsafe(HUB_SECRET_BYTES) if uses_secret else "",
    )


def plan_of(subscription: WebhookSubscription) -> SubscriptionPlan:
    return SubscriptionPlan(
        callback_url=subscription.webhook_url,
        events=tuple(subscription.events),
        hub_secret=subscription.hub_secret,
    )


def prior_of(subscription: WebhookSubscription | None) -> PriorSubscription | None:
    if subscription is None:
        return None
    return PriorSubscription(
        plan=plan_of(subscription), page_ids=frozenset(subscription.subscribed_page_ids)
    )


def lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.WEBSUB_LEASE_SECONDS)


# --- At the platform -----------------------------------------------------------------------


def platform_subscribe(
    *,
    account: SocialAccount,
    actor: Actor,
    plan: SubscriptionPlan,
    prior: PriorSubscription | None,
) -> PlatformSubscription:
    """Subscribe each of the account's pages; on the first refusal, undo the pages already
    subscribed and raise the platform's error (a dead token has marked the account for
    reconnection on the way, as every platform call does)."""
    subscriber = subscriber_for(account.platform)
    subscriber.check_events(account.platform, plan.events)
    pages = subscriber.pages_to_subscribe(account)
    subscribed: list[PlatformPage] = []
    for page in pages:
        try:
            _subscribe_page(account, actor, subscriber, page, plan)
        except PlatformError as error:
            undone = subscribed + _maybe_subscribed(page, error)
            _undo(account, actor, subscriber, undone, plan, prior)
            raise
        subscribed.append(page)
    return subscriber.outcome([page.platform_page_id for page in pages], plan)


def _maybe_subscribed(page: PlatformPage, error: PlatformError) -> list[PlatformPage]:
    """The page whose call failed, when the failure may hide a subscription the platform
    made: an answer lost (a timeout, a 5xx after the retries), not a refusal."""
    return [page] if type(error) is PlatformUnavailable else []


def platform_subscribe_undo(
    *,
    account: SocialAccount,
    actor: Actor,
    done: PlatformSubscription,
    plan: SubscriptionPlan,
    prior: PriorSubscription | None,
) -> None:
    """Undo a whole subscription the platform agreed to but that could not be stored."""
    subscriber = subscriber_for(account.platform)
    _undo(account, actor, subscriber, _pages_named(account, done.subscribed), plan, prior)


def platform_unsubscribe(*, subscription: WebhookSubscription, actor: Actor) -> bool:
    """Unsubscribe every page the subscription subscribed. False when the platform refused or
    could not be reached for one of them: its error is logged, and the others are still
    unsubscribed."""
    account = subscription.social_account
    subscriber = subscriber_for(account.platform)
    plan = plan_of(subscription)
    unsubscribed = True
    for page in _pages_named(account, subscription.subscribed_page_ids):
        try:
            _unsubscribe_page(account, actor, subscriber, page, plan)
        except PlatformError as error:
            unsubscribed = False
            _log_failure("Unsubscribing", account, page, error)
    return unsubscribed


def platform_renew(*, subscription: WebhookSubscription, actor: Actor) -> datetime:
    """Subscribe the subscription's pages again as they were (a WebSub hub then renews the
    lease); returns when the new lease ends. Raises the first platform error."""
    account = subscription.social_account
    subscriber = subscriber_for(account.platform)
    plan = plan_of(subscription)
    for page in _pages_named(account, subscription.subscribed_page_ids):
        _subscribe_page(account, actor, subscriber, page, plan)
    return lease_end(timezone.now())


def _subscribe_page(
    account: SocialAccount,
    actor: Actor,
    subscriber: Subscriber,
    page: PlatformPage,
    plan: SubscriptionPlan,
) -> None:
    subscriber.announce(account.pk, SUBSCRIBE, page)
    platform_call(
        account,
        actor,
        lambda client, credentials: subscriber.subscribe(client, credentials, page, plan),
    )


def _unsubscribe_page(
    account: SocialAccount,
    actor: Actor,
    subscriber: Subscriber,
    page: PlatformPage,
    plan: SubscriptionPlan,
) -> None:
    subscriber.announce(account.pk, UNSUBSCRIBE, page)
    platform_call(
        account,
        actor,
        lambda client, credentials: subscriber.unsubscribe(client, credentials, page, plan),
    )


def _undo(
    account: SocialAccount,
    actor: Actor,
    subscriber: Subscriber,
    pages: Sequence[PlatformPage],
    plan: SubscriptionPlan,
    prior: PriorSubscription | None,
) -> None:
    """Put each page back as it was before `plan` was subscribed there: subscribed as the
    prior subscription had it, else not subscribed. Best effort: a failure is logged."""
    for page in pages:
        restore = prior is not None and page.platform_page_id in prior.page_ids
        try:
            if not (restore and subscriber.replaces(prior.plan, plan)):
                _unsubscribe_page(account, actor, subscriber, page, plan)
            if restore:
                _subscribe_page(account, actor, subscriber, page, prior.plan)
        except PlatformError as error:
            _log_failure("Undoing the subscription of", account, page, error)


def _pages_named(account: SocialAccount, page_ids: Sequence[str]) -> list[PlatformPage]:
    """The pages of these ids as stored (a Facebook page keeps its token while active); a
    page no longer stored is named by its id alone."""
    stored = {
        page.platform_page_id: page
        for page in SocialPage.objects.filter(social_account=account, platform_page_id__in=page_ids)
    }
    return [
        platform_page_of(stored[page_id])
        if page_id in stored
        else PlatformPage(platform_page_id=page_id, name="")
        for page_id in page_ids
    ]


def _log_failure(
    doing: str, account: SocialAccount, page: PlatformPage, error: PlatformError
) -> None:
    # The class and our own ids only: a platform's message is not logged.
    logger.warning(
        "%s %s page %s of %s failed: %s",
        doing,
        account.platform,
        page.platform_page_id,
        account.pk,
        type(error).__name__,
    )


# --- WebSub intents -------------------------------------------------------------------------


def websub_intent_record(account_id: str, mode: str, topic: str) -> None:
    """Remember that we ask the hub to `mode` the account's callback to `topic`, so that its
    verification is confirmed even before set-up stores the topic."""
    try:
        cache.set(_intent_key(account_id, mode, topic), True, timeout=WEBSUB_INTENT_SECONDS)
    except CACHE_UNREACHABLE_ERRORS as error:
        # The request is still sent: the hub's verification then confirms stored topics only.
        logger.warning(
            "Cache unreachable; WebSub intent of %s not recorded: %s",
            account_id,
            type(error).__name__,
        )


def websub_intended(account_id: str, mode: str, topic: str) -> bool:
    """Whether we asked the hub to `mode` the account's callback to `topic` lately."""
    try:
        return bool(cache.get(_intent_key(account_id, mode, topic)))
    except CACHE_UNREACHABLE_ERRORS as error:
        # Without the cache only stored topics are confirmed, as before any request was sent.
        logger.warning(
            "Cache unreachable; WebSub intents of %s not read: %s", account_id, type(error).__name__
        )
        return False


def _intent_key(account_id: str, mode: str, topic: str) -> str:
    digest = hashlib.sha256(topic.encode()).hexdigest()
    return f"websub-intent:{account_id}:{mode}:{digest}"
