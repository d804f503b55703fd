"""Request and response shapes of the webhook endpoints (camelCase, as the spec writes them)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from vchata_social.api import QueryParametersSerializer
from webhooks.models import (
    NotificationEndpoint,
    SocialEvent,
    SubscribedEvent,
    WebhookSubscription,
)
from webhooks.platforms.base import EventKind
from webhooks.services import DELIVERABLE_EVENT_TYPES

EVENT_CHOICE_ERROR = "must be one of " + ", ".join(SubscribedEvent.values)


class WebhookSetUpSerializer(serializers.Serializer):
    webhookUrl = serializers.URLField(
        max_length=1000,
        required=False,
        help_text="Where the platform calls this service; by default this account's receiver, "
        "/webhooks/<platform>/<socialAccountId>",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(
            choices=SubscribedEvent.choices,
            error_messages={"invalid_choice": EVENT_CHOICE_ERROR},
        ),
        min_length=1,
        max_length=len(SubscribedEvent.values),
    )
    verifyToken = serializers.CharField(
        min_length=8,
        max_length=200,
        required=False,
        help_text="Generated when absent; answered only by this call",
    )

    def validate_events(self, events: list[str]) -> list[str]:
        return list(dict.fromkeys(events))  # each once, in the order given


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as set up: the verify token is added by the set-up answer only."""

    socialAccountId = serializers.CharField(source="social_account_id")
    webhookUrl = serializers.URLField(source="webhook_url")
    events = serializers.ListField(child=serializers.CharField())
    verifyToken = serializers.SerializerMethodField()
    isActive = serializers.BooleanField(source="is_active")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "socialAccountId",
            "webhookUrl",
            "events",
            "verifyToken",
            "isActive",
            "createdAt",
        ]
        read_only_fields = fields

    def get_verifyToken(self, subscription: WebhookSubscription) -> str | None:
        return self.context.get("verify_token")


class PlatformSubscriptionSerializer(serializers.Serializer):
    """What set-up did at the platform itself, beside storing the webhook."""

    method = serializers.ChoiceField(
        choices=["api", "console"],
        help_text="api: this service subscribed the account at the platform (Facebook pages, "
        "the Instagram professional account, YouTube channels), as `subscribed` lists; "
        "console: the webhook is registered in the platform's developer console (X, "
        "LinkedIn, TikTok), as `instructions` say, and nothing was called",
    )
    subscribed = serializers.ListField(
        child=serializers.CharField(),
        help_text="The platform ids subscribed (method api): the active pages stored by the "
        "last pages call or sync; empty for console",
    )
    leaseExpiresAt = serializers.DateTimeField(
        source="lease_expires_at",
        allow_null=True,
        help_text="When the YouTube WebSub lease ends; renewed before then by the schedule. "
        "Null on the other platforms",
    )
    instructions = serializers.CharField(
        allow_null=True,
        help_text="Where in the developer console to register which callback URL (method "
        "console); null for api",
    )


# The hub.* query parameters of the verify call, named as Meta sends them (dotted names are
# no Python identifiers, so the class is built from a dict of its fields).
WebhookVerifySerializer = type(
    "WebhookVerifySerializer",
    (serializers.Serializer,),
    {
        "hub.mode": serializers.CharField(max_length=32, source="mode"),
        "hub.challenge": serializers.CharField(max_length=512, source="challenge"),
        "hub.verify_token": serializers.CharField(max_length=200, source="verify_token"),
    },
)


class EventFilterSerializer(QueryParametersSerializer):
    """Query parameters of the event lists."""

    kind = serializers.ChoiceField(
        choices=[kind.value for kind in EventKind],
        required=False,
        error_messages={
            "invalid_choice": "must be one of " + ", ".join(kind.value for kind in EventKind)
        },
    )
    since = serializers.DateTimeField(required=False, help_text="Events received from then on")
    cursor = serializers.CharField(required=False, max_length=200)
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=200,
        default=50,
        error_messages={"min_value": "must be at least 1", "max_value": "must be at most 200"},
    )


class SocialEventSerializer(serializers.ModelSerializer):
    socialAccountId = serializers.CharField(source="social_account_id")
    platformEventId = serializers.CharField(source="platform_event_id")
    occurredAt = serializers.DateTimeField(source="occurred_at", allow_null=True)
    author = serializers.SerializerMethodField()
    objectIds = serializers.DictField(child=serializers.CharField(), source="object_ids")
    receivedAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = SocialEvent
        fields = [
            "id",
            "socialAccountId",
            "platform",
            "kind",
            "platformEventId",
            "occurredAt",
            "author",
            "text",
            "objectIds",
            "receivedAt",
        ]
        read_only_fields = fields

    def get_author(self, event: SocialEvent) -> dict[str, str]:
        return {"id": event.author_id, "name": event.author_name}


EVENT_TYPE_ERROR = "must be one of " + ", ".join(DELIVERABLE_EVENT_TYPES)
HTTPS_REQUIRED = "must be an https URL"
PRIVATE_ADDRESS = "must be a public address"


class NotificationEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(
        max_length=1000, help_text="Where events are POSTed; https outside local development"
    )
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(
            choices=DELIVERABLE_EVENT_TYPES,
            error_messages={"invalid_choice": EVENT_TYPE_ERROR},
        ),
        min_length=1,
        max_length=len(DELIVERABLE_EVENT_TYPES),
        help_text="The event types to deliver: the normalized kinds and "
        "account.reauth_required, sync.completed, sync.failed",
    )
    description = serializers.CharField(max_length=200, required=False, default="")

    def validate_url(self, url: str) -> str:
        if not settings.NOTIFICATION_ENDPOINTS_REQUIRE_HTTPS:
            return url
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise serializers.ValidationError(HTTPS_REQUIRED)
        if _names_a_private_host(parts.hostname or ""):
            raise serializers.ValidationError(PRIVATE_ADDRESS)
        return url

    def validate_eventTypes(self, event_types: list[str]) -> list[str]:  # noqa: N802
        return list(dict.fromkeys(event_types))


def _names_a_private_host(hostname: str) -> bool:
    """Loopback, private and link-local addresses written in the URL, and localhost: this
    service's own network is no place to send an organization's events."""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return not address.is_global


class NotificationEndpointSerializer(serializers.ModelSerializer):
    """An endpoint; its signing secret is added by the creation answer only."""

    eventTypes = serializers.ListField(child=serializers.CharField(), source="event_types")
    isActive = serializers.BooleanField(source="is_active")
    createdAt = serializers.DateTimeField(source="created_at")
    secret = serializers.SerializerMethodField(
        help_text="The signing secret: answered once, by the creation call"
    )

    class Meta:
        model = NotificationEndpoint
        fields = ["id", "url", "eventTypes", "description", "isActive", "createdAt", "secret"]
        read_only_fields = fields

    def get_secret(self, endpoint: NotificationEndpoint) -> str | None:
        return self.context.get("secret")
