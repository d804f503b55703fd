from django.db import models

from accounts.models import Organization, Platform, SocialAccount
from vchata_social.fields import encrypted_text
from vchata_social.ids import PrefixedIdField


class SubscribedEvent(models.TextChoices):
    """What a subscription asks to hear about (the spec's `events`)."""

    MESSAGES = "messages", "Messages"
    COMMENTS = "comments", "Comments"
    MENTIONS = "mentions", "Mentions"
    POSTS = "posts", "Posts"
    REACTIONS = "reactions", "Reactions"


class WebhookSubscription(models.Model):
    """An account's webhook: where the platform calls us, for which events, and the secrets
    its handshake and signatures are checked with. One per account; setting it up again
    replaces it."""

    SECRET_FIELDS = ("verify_token", "hub_secret")

    id = PrefixedIdField(prefix="webhook")
    social_account = models.OneToOneField(
        SocialAccount, on_delete=models.CASCADE, related_name="webhook_subscription"
    )
    webhook_url = models.URLField(max_length=1000)
    events = models.JSONField(default=list)
    # Answers Meta's GET handshake (hub.verify_token); shown once, when set up.
    verify_token = encrypted_text()
    # Signs YouTube's WebSub notifications (hub.secret), one per subscription.
    hub_secret = encrypted_text(blank=True, default="")
    # The WebSub topics asked of the hub (YouTube), the only ones its handshake may name.
    topics = models.JSONField(default=list, blank=True)
    # What set-up subscribed at the platform itself: Facebook page ids, the Instagram
    # professional account, YouTube channel ids; empty where a developer console holds it.
    subscribed_page_ids = models.JSONField(default=list, blank=True)
    # When the WebSub hub stops pushing (YouTube); renewed before then by the schedule.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Webhook of {self.social_account_id}"

    def __repr__(self) -> str:
        return f"<WebhookSubscription {self.id} {self.social_account_id}>"


class ReceiptStatus(models.TextChoices):
    RECEIVED = "RECEIVED", "Received"
    PROCESSED = "PROCESSED", "Processed"
    FAILED = "FAILED", "Failed, to be retried"
    DEAD = "DEAD", "Dead-lettered"


class WebhookReceipt(models.Model):
    """A delivery whose signature checked out, stored once: a platform delivering the same
    event again (they deliver at least once) finds it here and changes nothing. Processing
    turns it into SocialEvents; a receipt that keeps failing is dead-lettered, never lost."""

    id = PrefixedIdField(prefix="receipt")
    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="webhook_receipts"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    # The platform's own event id, or "sha256:<hex>" of the body when it sends none.
    event_key = models.CharField(max_length=255)
    payload = models.TextField()
    content_type = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=ReceiptStatus.choices, default=ReceiptStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account", "event_key"], name="webhook_receipt_stored_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="webhook_receipt_status"),
        ]
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.platform} receipt {self.id}"


class SocialEvent(models.Model):
    """One normalized event of an account: what happened (a comment, a message…), who did
    it, when, and the platform ids it concerns. Parsing the same delivery again finds it."""

    id = PrefixedIdField(prefix="event")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="social_events"
    )
    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="social_events"
    )
    receipt = models.ForeignKey(
        WebhookReceipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    kind = models.CharField(max_length=32)
    platform_event_id = models.CharField(max_length=255)
    occurred_at = models.DateTimeField(null=True, blank=True)
    author_id = models.CharField(max_length=255, blank=True)
    author_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    object_ids = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account", "kind", "platform_event_id"],
                name="social_event_recorded_once",
            )
        ]
        indexes = [
            models.Index(fields=["social_account", "-created_at", "-id"], name="event_account"),
            models.Index(fields=["organization", "-created_at", "-id"], name="event_organization"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class WebhookRejection(models.Model):
    """A delivery refused for its signature (or a handshake refused): nothing of it is kept
    but when and why, which the webhook failure metrics count."""

    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="webhook_rejections"
    )
    reason = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.reason} for {self.social_account_id}"


class SyncRequest(models.Model):
    """An account whose events call for a sync (a new post, a comment). One row an account,
    so a burst of events asks for one sync, which the schedule starts within a minute."""

    social_account = models.OneToOneField(
        SocialAccount, on_delete=models.CASCADE, related_name="sync_request"
    )
    requested_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Sync requested for {self.social_account_id}"


class NotificationEndpoint(models.Model):
    """Where an organization's product wants to hear about events: each event of a kind it
    asked for is POSTed there, signed with the endpoint's secret (shown once, at creation)."""

    SECRET_FIELDS = ("secret",)

    id = PrefixedIdField(prefix="endpoint")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notification_endpoints"
    )
    url = models.URLField(max_length=1000)
    event_types = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    secret = encrypted_text()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.organization_id})"

    def __repr__(self) -> str:
        return f"<NotificationEndpoint {self.id} {self.url}>"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting to be sent"
    SENDING = "SENDING", "Being sent"
    RETRYING = "RETRYING", "Failed, to be retried"
    DELIVERED = "DELIVERED", "Delivered"
    DEAD = "DEAD", "Dead-lettered"


class Delivery(models.Model):
    """One event on its way to one endpoint. The body is fixed when the event happens, so
    every attempt sends the same bytes; each attempt is signed anew with its own time."""

    id = PrefixedIdField(prefix="delivery")
    endpoint = models.ForeignKey(
        NotificationEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a worker took it to send; one left SENDING long after was lost with its worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: the endpoint's answer (or why there was none) and its time."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} in {self.latency_ms} ms"
