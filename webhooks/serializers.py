"""Request and response shapes of the webhook endpoints (camelCase, as the spec writes them)."""

from rest_framework import serializers

from webhooks.models import SocialEvent, SubscribedEvent, WebhookSubscription
from webhooks.platforms.base import EventKind

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


class EventFilterSerializer(serializers.Serializer):
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
    occurredAt = serializers.DateTimeField(source="occurred_at")
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
