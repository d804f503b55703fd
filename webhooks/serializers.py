"""Request and response shapes of the webhook endpoints (camelCase, as the spec writes them)."""

from rest_framework import serializers

from webhooks.models import EventKind, WebhookSubscription

EVENT_CHOICE_ERROR = "must be one of " + ", ".join(EventKind.values)


class WebhookSetUpSerializer(serializers.Serializer):
    webhookUrl = serializers.URLField(
        max_length=1000,
        required=False,
        help_text="Where the platform calls this service; by default this account's receiver, "
        "/webhooks/<platform>/<socialAccountId>",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(
            choices=EventKind.choices, error_messages={"invalid_choice": EVENT_CHOICE_ERROR}
        ),
        min_length=1,
        max_length=len(EventKind.values),
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
