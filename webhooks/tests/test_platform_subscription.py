"""Setting up an account's webhook subscribes it at the platform where the platform's API
allows it (Facebook pages, the Instagram account, YouTube channels at the WebSub hub), and
removing it unsubscribes; elsewhere set-up answers what to register in the developer console.
The platforms are mocked at HTTP only, answering as they document: {"success": true} for
subscribed_apps, an empty 202 for the hub."""

import hashlib
import hmac
import logging
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import redis
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import formats, timezone
from responses import matchers

from accounts.models import AccountStatus, AuditLog, SocialAccount, SocialPage
from accounts.platforms.tests.support import BASE_URLS, client_secret, load_fixture
from webhooks import platform_subscriptions, services, tasks
from webhooks.apis import WEBHOOK_REMOVED_HERE_ONLY
from webhooks.models import WebhookSubscription

FB = BASE_URLS["FACEBOOK"]["GRAPH_URL"]
IG = BASE_URLS["INSTAGRAM"]["GRAPH_URL"]
HUB = BASE_URLS["YOUTUBE"]["WEBSUB_HUB_URL"]
SUBSCRIBED = load_fixture("facebook", "subscribed_apps_success")

ACME, SUPPORT, LABS, GONE = "104619372293045", "112233445566778", "998877665544332", "555"
CHANNEL, SECOND_CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw", "UCBR8-60-B28hp2BmDPdntcQ"
FEED = "https://www.youtube.com/xml/feeds/videos.xml?channel_id="
TEN_DAYS = timedelta(seconds=864000)

pytestmark = pytest.mark.django_db


def page_token(page_id: str) -> str:
    return f"page-token-SECRET-{page_id}"


def signed_by(token: str) -> dict[str, str]:
    proof = hmac.new(client_secret("FACEBOOK").encode(), token.encode(), hashlib.sha256)
    return {"access_token": token, "appsecret_proof": proof.hexdigest()}


def page_call(page_id: str, **params: str) -> list:
    """Matches a Graph call on the page made with the page's own token."""
    return [matchers.query_param_matcher({**params, **signed_by(page_token(page_id))})]


def store_page(account, page_id: str, *, active: bool = True) -> SocialPage:
    return SocialPage.objects.create(
        social_account=account,
        platform_page_id=page_id,
        name=f"Page {page_id}",
        access_token=page_token(page_id) if active else None,
        is_active=active,
    )


def set_up(api, account, events: list[str], **extra):
    return api.post(
        f"/social/accounts/{account.pk}/webhook", {"events": events, **extra}, format="json"
    )


def receiver(account) -> str:
    return f"http://testserver/webhooks/{account.platform.lower()}/{account.pk}"


class Hub:
    """The WebSub hub: answers 202 with an empty body (or the status `while_asked` returns)
    and records each request's form."""

    def __init__(self, mock, *, while_asked=None):
        self.forms: list[dict[str, str]] = []
        self.while_asked = while_asked
        mock.add_callback("POST", HUB, callback=self.answer)

    def answer(self, request):
        form = {key: values[0] for key, values in parse_qs(request.body).items()}
        self.forms.append(form)
        status = self.while_asked(form) if self.while_asked else None
        return status or 202, {}, ""


def hub_verifies(account, mode: str, topic: str, lease_seconds: str = "864000"):
    """The hub's GET to the callback, as WebSub 5.3 has it."""
    query = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": "challenge-4711"}
    if mode == "subscribe":
        query["hub.lease_seconds"] = lease_seconds
    return Client().get(f"/webhooks/youtube/{account.pk}", query)


@pytest.fixture
def now():
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def facebook_account(account_factory, platform_settings):
    account = account_factory(platform="FACEBOOK")
    store_page(account, ACME)
    store_page(account, SUPPORT)
    store_page(account, GONE, active=False)
    return account


@pytest.fixture
def youtube_account(account_factory, platform_settings):
    account = account_factory(platform="YOUTUBE")
    store_page(account, CHANNEL)
    store_page(account, SECOND_CHANNEL)
    return account


# --- Facebook and Instagram ------------------------------------------------------------------


def test_facebook_set_up_subscribes_each_active_page_with_its_token(
    api, platforms, facebook_account
):
    for page_id in (ACME, SUPPORT):
        platforms.post(
            f"{FB}/{page_id}/subscribed_apps",
            match=page_call(page_id, subscribed_fields="messages,feed,mention"),
            json=SUBSCRIBED,
        )

    response = set_up(api, facebook_account, ["messages", "comments", "mentions", "posts"])

    assert response.status_code == 200
    assert response.json()["platformSubscription"] == {
        "method": "api",
        "subscribed": [ACME, SUPPORT],
        "leaseExpiresAt": None,
        "instructions": None,
    }
    assert len(platforms.calls) == 2  # the inactive page is not asked for
    subscription = WebhookSubscription.objects.get()
    assert subscription.subscribed_page_ids == [ACME, SUPPORT]
    assert (subscription.hub_secret, subscription.topics) == ("", [])


def test_instagram_set_up_subscribes_the_professional_account(
    api, platforms, account_factory, platform_settings
):
    account = account_factory(platform="INSTAGRAM")
    store_page(account, "17841405822304914")
    platforms.post(
        f"{IG}/me/subscribed_apps",
        match=[
            matchers.query_param_matcher(
                {"subscribed_fields": "comments,mentions", "access_token": account.access_token}
            )
        ],
        json=load_fixture("instagram", "subscribed_apps_success"),
    )

    response = set_up(api, account, ["comments", "mentions", "posts"])

    assert response.status_code == 200
    assert response.json()["platformSubscription"]["subscribed"] == ["17841405822304914"]
    assert WebhookSubscription.objects.get().subscribed_page_ids == ["17841405822304914"]


def test_events_the_platform_cannot_deliver_are_refused_before_any_call(
    api, platforms, account_factory, platform_settings
):
    account = account_factory(platform="INSTAGRAM")
    store_page(account, "17841405822304914")

    response = set_up(api, account, ["posts"])

    assert response.status_code == 400
    assert response.json()["message"] == [
        "events must include one of messages, comments, mentions, reactions: the others are "
        "not delivered by Instagram webhooks"
    ]
    assert len(platforms.calls) == 0
    assert not WebhookSubscription.objects.exists()


def test_a_failure_midway_stores_nothing_and_undoes_the_pages_before(
    api, platforms, facebook_account, caplog
):
    store_page(facebook_account, LABS)
    platforms.post(
        f"{FB}/{ACME}/subscribed_apps",
        match=page_call(ACME, subscribed_fields="feed"),
        json=SUBSCRIBED,
    )
    platforms.post(
        f"{FB}/{SUPPORT}/subscribed_apps",
        status=400,
        json=load_fixture("facebook", "page_rate_limited"),
    )
    undo = platforms.delete(f"{FB}/{ACME}/subscribed_apps", match=page_call(ACME), json=SUBSCRIBED)

    response = set_up(api, facebook_account, ["comments"])

    assert response.status_code == 502
    assert (
        response.json()["message"]
        == "Meta Graph API error 80001 (fbtrace_id AmFGcW_3hwDB7qFbl_QdebZ)"
    )
    assert undo.call_count == 1
    assert [call.request.method for call in platforms.calls] == ["POST", "POST", "DELETE"]
    assert not WebhookSubscription.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="webhook.").exists()
    assert page_token(ACME) not in caplog.text


def test_a_page_whose_answer_was_lost_is_undone_too(api, platforms, facebook_account):
    # Down after the retries: Meta may have made the subscription before it failed to answer.
    platforms.post(f"{FB}/{ACME}/subscribed_apps", json=SUBSCRIBED)
    platforms.post(f"{FB}/{SUPPORT}/subscribed_apps", status=503)
    for page_id in (ACME, SUPPORT):
        platforms.delete(
            f"{FB}/{page_id}/subscribed_apps", match=page_call(page_id), json=SUBSCRIBED
        )

    response = set_up(api, facebook_account, ["comments"])

    assert response.status_code == 502
    deleted = [call.request.url for call in platforms.calls if call.request.method == "DELETE"]
    assert [url.split("?")[0] for url in deleted] == [
        f"{FB}/{ACME}/subscribed_apps",
        f"{FB}/{SUPPORT}/subscribed_apps",
    ]
    assert not WebhookSubscription.objects.exists()


def test_a_dead_token_midway_sends_the_account_to_reauth(api, platforms, facebook_account):
    platforms.post(f"{FB}/{ACME}/subscribed_apps", json=SUBSCRIBED)
    platforms.post(
        f"{FB}/{SUPPORT}/subscribed_apps",
        status=400,
        json=load_fixture("facebook", "token_expired"),
    )
    platforms.delete(f"{FB}/{ACME}/subscribed_apps", json=SUBSCRIBED)

    response = set_up(api, facebook_account, ["comments"])

    assert response.status_code == 409
    assert SocialAccount.objects.get(pk=facebook_account.pk).status == AccountStatus.REAUTH_REQUIRED
    assert not WebhookSubscription.objects.exists()


def test_a_failed_replacement_puts_the_prior_subscription_back(api, platforms, facebook_account):
    for page_id in (ACME, SUPPORT):
        platforms.post(
            f"{FB}/{page_id}/subscribed_apps",
            match=page_call(page_id, subscribed_fields="feed"),
            json=SUBSCRIBED,
        )
    set_up(api, facebook_account, ["comments"], verifyToken="verify_token_123")
    platforms.post(
        f"{FB}/{ACME}/subscribed_apps",
        match=page_call(ACME, subscribed_fields="messages"),
        json=SUBSCRIBED,
    )
    platforms.post(
        f"{FB}/{SUPPORT}/subscribed_apps",
        match=page_call(SUPPORT, subscribed_fields="messages"),
        status=400,
        json=load_fixture("facebook", "page_rate_limited"),
    )

    response = set_up(api, facebook_account, ["messages"])

    assert response.status_code == 502
    # The page subscribed with the new fields gets its former fields back, not a removal.
    restored = platforms.calls[-1].request
    assert (restored.method, restored.params["subscribed_fields"]) == ("POST", "feed")
    assert len(platforms.calls) == 5
    subscription = WebhookSubscription.objects.get()
    assert (subscription.events, subscription.verify_token) == (["comments"], "verify_token_123")


def test_a_subscription_that_cannot_be_stored_is_undone_at_the_platform(
    platforms, facebook_account, admin_membership, monkeypatch
):
    for page_id in (ACME, SUPPORT):
        platforms.post(f"{FB}/{page_id}/subscribed_apps", json=SUBSCRIBED)
        platforms.delete(
            f"{FB}/{page_id}/subscribed_apps", match=page_call(page_id), json=SUBSCRIBED
        )

    def refuse(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_subscription_store", refuse)

    with pytest.raises(RuntimeError):
        services.webhook_subscription_set_up(
            organization=admin_membership.organization,
            account_id=facebook_account.pk,
            actor=services.SYSTEM,
            webhook_url=None,
            receiver_url=receiver,
            events=["comments"],
        )

    assert [call.request.method for call in platforms.calls] == ["POST"] * 2 + ["DELETE"] * 2


def test_removing_unsubscribes_each_subscribed_page(api, platforms, facebook_account):
    for page_id in (ACME, SUPPORT):
        platforms.post(f"{FB}/{page_id}/subscribed_apps", json=SUBSCRIBED)
        platforms.delete(
            f"{FB}/{page_id}/subscribed_apps", match=page_call(page_id), json=SUBSCRIBED
        )
    set_up(api, facebook_account, ["comments"])

    response = api.delete(f"/social/accounts/{facebook_account.pk}/webhook")

    assert response.json() == {"success": True, "message": "Webhook removed successfully"}
    assert not WebhookSubscription.objects.exists()
    removal = AuditLog.objects.get(action="webhook.remove")
    assert removal.target_id.startswith("webhook_")
    assert removal.details == {"platformUnsubscribed": True}


def test_removing_instagram_unsubscribes_the_account(
    api, platforms, account_factory, platform_settings
):
    account = account_factory(platform="INSTAGRAM")
    store_page(account, "17841405822304914")
    platforms.post(f"{IG}/me/subscribed_apps", json=SUBSCRIBED)
    platforms.delete(
        f"{IG}/me/subscribed_apps",
        match=[matchers.query_param_matcher({"access_token": account.access_token})],
        json=SUBSCRIBED,
    )
    set_up(api, account, ["comments"])

    response = api.delete(f"/social/accounts/{account.pk}/webhook")

    assert response.json()["message"] == "Webhook removed successfully"


def test_a_platform_that_cannot_unsubscribe_does_not_keep_the_webhook(
    api, platforms, facebook_account, caplog
):
    for page_id in (ACME, SUPPORT):
        platforms.post(f"{FB}/{page_id}/subscribed_apps", json=SUBSCRIBED)
    set_up(api, facebook_account, ["comments"])
    platforms.delete(f"{FB}/{ACME}/subscribed_apps", status=503)
    platforms.delete(f"{FB}/{SUPPORT}/subscribed_apps", json=SUBSCRIBED)
    caplog.set_level(logging.WARNING)

    response = api.delete(f"/social/accounts/{facebook_account.pk}/webhook")

    assert response.status_code == 200
    assert response.json()["message"] == WEBHOOK_REMOVED_HERE_ONLY
    assert not WebhookSubscription.objects.exists()
    assert f"Unsubscribing FACEBOOK page {ACME} of {facebook_account.pk} failed" in caplog.text
    assert page_token(ACME) not in caplog.text
    removal = AuditLog.objects.get(action="webhook.remove")
    assert removal.details == {"platformUnsubscribed": False}


# --- YouTube: WebSub --------------------------------------------------------------------------


def test_youtube_set_up_subscribes_each_channel_at_the_hub(api, platforms, youtube_account, now):
    hub = Hub(platforms)

    response = set_up(api, youtube_account, ["posts", "comments"])

    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    secret = subscription.hub_secret
    assert len(secret) >= 32
    assert hub.forms == [
        {
            "hub.callback": receiver(youtube_account),
            "hub.mode": "subscribe",
            "hub.topic": FEED + channel,
            "hub.lease_seconds": "864000",
            "hub.secret": secret,
        }
        for channel in (CHANNEL, SECOND_CHANNEL)
    ]
    assert subscription.topics == [FEED + CHANNEL, FEED + SECOND_CHANNEL]
    assert subscription.lease_expires_at == now + TEN_DAYS
    assert response.json()["platformSubscription"] == {
        "method": "api",
        "subscribed": [CHANNEL, SECOND_CHANNEL],
        "leaseExpiresAt": (now + TEN_DAYS).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "instructions": None,
    }
    assert secret not in response.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT hub_secret FROM webhooks_webhooksubscription")
        assert secret.encode() not in bytes(cursor.fetchone()[0])


def test_staff_see_what_was_subscribed_and_when_the_lease_ends(
    api, platforms, youtube_account, staff_client
):
    Hub(platforms)
    set_up(api, youtube_account, ["posts"])
    subscription = WebhookSubscription.objects.get()

    page = staff_client.get("/admin/webhooks/webhooksubscription/").content.decode()

    assert CHANNEL in page and SECOND_CHANNEL in page
    assert formats.date_format(subscription.lease_expires_at, "DATETIME_FORMAT") in page
    assert subscription.hub_secret not in page


def test_each_set_up_signs_with_a_new_secret(api, platforms, youtube_account):
    Hub(platforms)
    set_up(api, youtube_account, ["posts"])
    first = WebhookSubscription.objects.get().hub_secret

    set_up(api, youtube_account, ["posts"])

    assert WebhookSubscription.objects.get().hub_secret not in ("", first)


def test_the_hub_may_verify_before_the_subscription_is_stored(api, platforms, youtube_account):
    answers = []
    Hub(
        platforms,
        while_asked=lambda form: answers.append(
            hub_verifies(youtube_account, "subscribe", form["hub.topic"])
        ),
    )

    set_up(api, youtube_account, ["posts"])

    assert [(answer.status_code, answer.content) for answer in answers] == [
        (200, b"challenge-4711")
    ] * 2


def test_a_failed_replacement_resubscribes_the_prior_callback_with_its_secret(
    api, platforms, youtube_account
):
    Hub(platforms)
    set_up(api, youtube_account, ["posts"], webhookUrl="https://old.example.com/hook")
    prior_secret = WebhookSubscription.objects.get().hub_secret
    platforms.reset()
    answers = []

    def verify_then_refuse_the_second_channel(form):
        answers.append(hub_verifies(youtube_account, form["hub.mode"], form["hub.topic"]))
        if form["hub.topic"] == FEED + SECOND_CHANNEL:
            return 400
        return 202

    hub = Hub(platforms, while_asked=verify_then_refuse_the_second_channel)

    response = set_up(api, youtube_account, ["posts"], webhookUrl="https://new.example.com/hook")

    assert response.status_code == 502
    # The new callback is taken off the first channel, the old one subscribed again as it was.
    asked = [(form["hub.mode"], form["hub.topic"], form["hub.callback"]) for form in hub.forms]
    assert asked == [
        ("subscribe", FEED + CHANNEL, "https://new.example.com/hook"),
        ("subscribe", FEED + SECOND_CHANNEL, "https://new.example.com/hook"),
        ("unsubscribe", FEED + CHANNEL, "https://new.example.com/hook"),
        ("subscribe", FEED + CHANNEL, "https://old.example.com/hook"),
    ]
    assert hub.forms[-1]["hub.secret"] == prior_secret
    assert {answer.status_code for answer in answers} == {200}
    subscription = WebhookSubscription.objects.get()
    assert (subscription.webhook_url, subscription.hub_secret) == (
        "https://old.example.com/hook",
        prior_secret,
    )


def test_a_youtube_account_without_channels_has_no_lease(
    api, platforms, account_factory, platform_settings
):
    account = account_factory(platform="YOUTUBE")

    response = set_up(api, account, ["posts"])

    assert response.json()["platformSubscription"]["leaseExpiresAt"] is None
    assert WebhookSubscription.objects.get().lease_expires_at is None
    assert len(platforms.calls) == 0


def test_without_the_cache_the_stored_topics_are_still_confirmed(
    api, platforms, youtube_account, monkeypatch
):
    Hub(platforms)
    set_up(api, youtube_account, ["posts"])

    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")  # as redis-py raises it

    monkeypatch.setattr(platform_subscriptions.cache, "get", unreachable)

    answer = hub_verifies(youtube_account, "subscribe", FEED + CHANNEL)

    assert answer.status_code == 200


def test_the_hub_cannot_confirm_a_topic_nobody_asked_for(youtube_account):
    answer = hub_verifies(youtube_account, "subscribe", FEED + "UCsomeoneelse")

    assert answer.status_code == 403


def test_the_lease_the_hub_grants_is_the_one_kept(api, platforms, youtube_account, now):
    Hub(platforms)
    set_up(api, youtube_account, ["posts"])

    answer = hub_verifies(youtube_account, "subscribe", FEED + CHANNEL, lease_seconds="432000")

    assert answer.status_code == 200
    assert WebhookSubscription.objects.get().lease_expires_at == now + timedelta(days=5)


def test_removing_unsubscribes_each_channel_and_confirms_it_to_the_hub(
    api, platforms, youtube_account
):
    hub = Hub(platforms)
    set_up(api, youtube_account, ["posts"])

    response = api.delete(f"/social/accounts/{youtube_account.pk}/webhook")
    # The hub verifies the unsubscription after the subscription is gone.
    answer = hub_verifies(youtube_account, "unsubscribe", FEED + CHANNEL)

    assert response.json()["message"] == "Webhook removed successfully"
    assert [(form["hub.mode"], form["hub.topic"]) for form in hub.forms[2:]] == [
        ("unsubscribe", FEED + CHANNEL),
        ("unsubscribe", FEED + SECOND_CHANNEL),
    ]
    assert "hub.secret" not in hub.forms[2]
    assert (answer.status_code, answer.content) == (200, b"challenge-4711")


# --- Lease renewal ----------------------------------------------------------------------------


def websub_subscription(
    account_factory, channel: str, lease_expires_at, **account
) -> WebhookSubscription:
    owner = account_factory(platform="YOUTUBE", **account)
    store_page(owner, channel)
    return WebhookSubscription.objects.create(
        social_account=owner,
        webhook_url=receiver(owner),
        events=["posts"],
        verify_token="verify_token_123",
        hub_secret=f"hub-secret-SECRET-{channel}",
        topics=[FEED + channel],
        subscribed_page_ids=[channel],
        lease_expires_at=lease_expires_at,
    )


def test_the_schedule_renews_only_leases_ending_within_the_margin(
    platforms, account_factory, platform_settings, now
):
    due = websub_subscription(account_factory, "UCdue", now + timedelta(hours=12))
    later = websub_subscription(account_factory, "UClater", now + timedelta(days=3))
    websub_subscription(account_factory, "UCgone", now + timedelta(hours=1), disconnected_at=now)
    inactive = websub_subscription(account_factory, "UCoff", now + timedelta(hours=1))
    WebhookSubscription.objects.filter(pk=inactive.pk).update(is_active=False)
    hub = Hub(platforms)

    renewed = tasks.renew_websub_leases()

    assert renewed == 1
    assert hub.forms == [
        {
            "hub.callback": due.webhook_url,
            "hub.mode": "subscribe",
            "hub.topic": FEED + "UCdue",
            "hub.lease_seconds": "864000",
            "hub.secret": "hub-secret-SECRET-UCdue",
        }
    ]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.lease_expires_at == now + TEN_DAYS
    assert later.lease_expires_at == now + timedelta(days=3)


def test_a_lease_renewed_meanwhile_is_not_renewed_again(
    platforms, account_factory, platform_settings, now
):
    renewed = websub_subscription(account_factory, "UCdue", now + TEN_DAYS)

    outcome = services.webhook_subscription_renew_lease(subscription_id=renewed.pk, now=now)

    assert outcome is False
    assert len(platforms.calls) == 0


def test_a_lease_granted_while_renewing_is_kept(platforms, account_factory, platform_settings, now):
    due = websub_subscription(account_factory, "UCdue", now + timedelta(hours=12))

    def verify_granting_five_days(form):
        # The hub verifies before the renewal has stored anything.
        hub_verifies(due.social_account, "subscribe", form["hub.topic"], lease_seconds="432000")

    Hub(platforms, while_asked=verify_granting_five_days)

    assert tasks.renew_websub_lease(due.pk) == "renewed"

    due.refresh_from_db()
    assert due.lease_expires_at == now + timedelta(days=5)


def test_a_renewal_the_hub_could_not_take_is_retried(
    platforms, account_factory, platform_settings, now
):
    platform_settings.PLATFORM_HTTP_MAX_RETRIES = 0
    due = websub_subscription(account_factory, "UCdue", now + timedelta(hours=12))
    platforms.post(HUB, status=503)
    platforms.post(HUB, status=202)

    # apply() runs the retry in-process, as a worker would run it after the countdown.
    result = tasks.renew_websub_lease.apply(args=[due.pk], throw=False)

    assert result.get() == "renewed"
    due.refresh_from_db()
    assert due.lease_expires_at == now + TEN_DAYS


def test_a_refused_renewal_is_logged_and_left_to_the_next_run(
    platforms, account_factory, platform_settings, now, caplog
):
    due = websub_subscription(account_factory, "UCdue", now + timedelta(hours=12))
    platforms.post(HUB, status=400, body="Invalid value for hub.callback")

    assert tasks.renew_websub_lease(due.pk) == "refused"

    due.refresh_from_db()
    assert due.lease_expires_at == now + timedelta(hours=12)
    assert "hub-secret-SECRET-UCdue" not in caplog.text


def test_the_renewal_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["renew-websub-leases"]

    assert entry["task"] == tasks.renew_websub_leases.name


# --- Platforms whose console holds the subscription ------------------------------------------


@pytest.mark.parametrize(
    ("platform", "where"),
    [
        ("TWITTER", "webhook with the V2 Webhooks API (POST /2/webhooks"),
        ("LINKEDIN", "LinkedIn Developer Portal"),
        ("TIKTOK", "TikTok for Developers portal"),
    ],
)
def test_console_platforms_call_nothing_and_say_what_to_register(
    api, platforms, account_factory, platform, where
):
    account = account_factory(platform=platform)
    store_page(account, "urn-or-open-id")

    response = set_up(api, account, ["comments"])

    assert response.status_code == 200
    assert len(platforms.calls) == 0
    answer = response.json()["platformSubscription"]
    assert (answer["method"], answer["subscribed"], answer["leaseExpiresAt"]) == (
        "console",
        [],
        None,
    )
    assert receiver(account) in answer["instructions"]
    assert where in answer["instructions"]
    assert WebhookSubscription.objects.get().subscribed_page_ids == []
    assert api.delete(f"/social/accounts/{account.pk}/webhook").json()["message"] == (
        "Webhook removed successfully"
    )


class UnreachableCache:
    """The cache as it behaves while Redis cannot be reached."""

    def set(self, *args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    get = set


def test_youtube_set_up_and_the_hubs_verification_go_on_without_the_intent_cache(
    api, platforms, youtube_account, monkeypatch
):
    monkeypatch.setattr(platform_subscriptions, "cache", UnreachableCache())
    early_answers = []
    # The hub verifies before set-up has stored the topic: without the remembered intent
    # that one is not confirmed, and the hub tries again later (WebSub 5.3).
    Hub(
        platforms,
        while_asked=lambda form: early_answers.append(
            hub_verifies(youtube_account, "subscribe", form["hub.topic"]).status_code
        ),
    )

    response = set_up(api, youtube_account, ["posts"])
    verified_later = hub_verifies(youtube_account, "subscribe", FEED + CHANNEL)

    assert response.status_code == 200, response.content
    assert WebhookSubscription.objects.get().topics == [FEED + CHANNEL, FEED + SECOND_CHANNEL]
    assert all(status != 200 for status in early_answers)
    assert (verified_later.status_code, verified_later.content) == (200, b"challenge-4711")
