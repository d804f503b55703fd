"""Webhooks: the subscription an account's platform calls, the handshakes, and the receipt of
signed deliveries, each stored exactly once."""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict

from accounts.models import Organization, SocialAccount
from accounts.services import Actor, audit_log_record, usable_account
from vchata_social.errors import ApplicationError, NotFound
from webhooks.models import WebhookEvent, WebhookRejection, WebhookSubscription
from webhooks.platforms import get_webhook_platform
from webhooks.platforms.base import WebhookSecrets

RECEIVER_NOT_FOUND = "Webhook endpoint not found"
VERIFY_TOKEN_BYTES = 24


class SignatureInvalid(ApplicationError):
    status_code = 401
    default_message = "Webhook signature missing or invalid"


class HandshakeRefused(ApplicationError):
    status_code = 403
    default_message = "Webhook verification failed"


@dataclass(frozen=True)
class SubscriptionSetUp:
    subscription: WebhookSubscription
    # The plain verify token, answered once, at set-up.
    verify_token: str


@transaction.atomic
def webhook_subscription_set_up(
    *,
    organization: Organization,
    account_id: str,
    actor: Actor,
    webhook_url: str | None,
    receiver_url: Callable[[SocialAccount], str],
    events: list[str],
    verify_token: str | None = None,
) -> SubscriptionSetUp:
    """Create or replace the account's subscription; a verify token is generated when none
    is given, and the webhook URL defaults to `receiver_url(account)`."""
    account = usable_account(organization=organization, account_id=account_id)
    token = verify_token or secrets.token_urlsafe(VERIFY_TOKEN_BYTES)
    webhook_url = webhook_url or receiver_url(account)
    subscription, created = WebhookSubscription.objects.update_or_create(
        social_account=account,
        defaults={
            "webhook_url": webhook_url,
            "events": events,
            "verify_token": token,
            "is_active": True,
        },
    )
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action="webhook.set_up" if created else "webhook.replace",
        target=subscription,
        details={"events": events},
    )
    return SubscriptionSetUp(subscription=subscription, verify_token=token)


@transaction.atomic
def webhook_subscription_remove(*, organization: Organization, account_id: str, actor: Actor):
    subscription = _subscription_of(organization, account_id)
    subscription.delete()
    audit_log_record(
        organization_id=subscription.social_account.organization_id,
        actor=actor,
        action="webhook.remove",
        target=subscription,
    )


def webhook_subscription_verify(
    *, organization: Organization, account_id: str, mode: str, verify_token: str, challenge: str
) -> str:
    """The challenge to echo when the verify token is the subscription's (the spec's verify
    call, which answers as the Meta handshake does)."""
    subscription = _subscription_of(organization, account_id)
    secrets_ = WebhookSecrets(verify_token=subscription.verify_token)
    query = QueryDict(mutable=True)
    query.update({"hub.mode": mode, "hub.verify_token": verify_token, "hub.challenge": challenge})
    if get_webhook_platform("FACEBOOK").answer_handshake(query, secrets_) is None:
        raise HandshakeRefused()
    return challenge


def _subscription_of(organization: Organization, account_id: str) -> WebhookSubscription:
    try:
        return WebhookSubscription.objects.select_related("social_account").get(
            social_account__in=SocialAccount.objects.for_organization(organization),
            social_account_id=account_id,
        )
    except WebhookSubscription.DoesNotExist:
        raise NotFound("Webhook not found") from None


# --- The public receiver ------------------------------------------------------------------


def webhook_handshake(*, platform: str, account_id: str, query: QueryDict) -> HttpResponse:
    """The platform's GET challenge, answered for one of our accounts on that platform."""
    account = _receiving_account(platform, account_id)
    answer = get_webhook_platform(platform).answer_handshake(query, _secrets_of(account))
    if answer is None:
        WebhookRejection.objects.create(social_account=account, reason="handshake_refused")
        raise HandshakeRefused()
    return answer


@dataclass(frozen=True)
class Receipt:
    event: WebhookEvent
    # False when the platform delivered an event that was already stored.
    stored_now: bool


def webhook_event_receive(
    *, platform: str, account_id: str, body: bytes, headers: Mapping[str, str]
) -> Receipt:
    """Check the delivery's signature over the raw body, then store it once. The platform
    is answered right after: nothing here calls a platform or processes the event."""
    account = _receiving_account(platform, account_id)
    checks = get_webhook_platform(platform)
    if not checks.signature_valid(body, headers, _secrets_of(account)):
        WebhookRejection.objects.create(social_account=account, reason="signature_invalid")
        raise SignatureInvalid()
    key = checks.event_key(body) or "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                social_account=account,
                platform=platform,
                event_key=key,
                payload=body.decode("utf-8", errors="replace"),
                content_type=headers.get("Content-Type", "")[:255],
            )
    except IntegrityError:
        # Delivered again (platforms deliver at least once): the first one stands.
        stored = WebhookEvent.objects.get(social_account=account, event_key=key)
        return Receipt(event=stored, stored_now=False)
    return Receipt(event=event, stored_now=True)


def _receiving_account(platform: str, account_id: str) -> SocialAccount:
    """A connected account of that platform; anything else is the same 404."""
    try:
        return SocialAccount.objects.connected().get(pk=account_id, platform=platform)
    except SocialAccount.DoesNotExist:
        raise NotFound(RECEIVER_NOT_FOUND) from None


def _secrets_of(account: SocialAccount) -> WebhookSecrets:
    subscription = WebhookSubscription.objects.filter(social_account=account, is_active=True)
    found = subscription.first()
    if found is None:
        return WebhookSecrets()
    return WebhookSecrets(
        verify_token=found.verify_token,
        subscription_secret=found.hub_secret,
        topics=tuple(found.topics),
    )
