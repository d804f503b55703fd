from django.db import models

from accounts.models import Platform, SocialAccount
from vchata_social.fields import encrypted_text
from vchata_social.ids import PrefixedIdField


class EventKind(models.TextChoices):
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
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Webhook of {self.social_account_id}"

    def __repr__(self) -> str:
        return f"<WebhookSubscription {self.id} {self.social_account_id}>"


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "RECEIVED", "Received"
    PROCESSED = "PROCESSED", "Processed"
    FAILED = "FAILED", "Failed, to be retried"
    DEAD = "DEAD", "Dead-lettered"


class WebhookEvent(models.Model):
    """A delivery whose signature checked out, stored once: a platform delivering the same
    event again (they deliver at least once) finds it here and changes nothing."""

    id = PrefixedIdField(prefix="event")
    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="webhook_events"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    # The platform's own event id, or "sha256:<hex>" of the body when it sends none.
    event_key = models.CharField(max_length=255)
    payload = models.TextField()
    content_type = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account", "event_key"], name="webhook_event_stored_once"
            )
        ]
        indexes = [
            models.Index(fields=["social_account", "-received_at"], name="webhook_event_recent"),
            models.Index(fields=["status", "received_at"], name="webhook_event_status"),
        ]
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.platform} event {self.id}"


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
