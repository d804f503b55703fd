"""Staff views of webhooks: subscriptions (never their secrets), received events and refused
deliveries, all read-only: they are written by the platforms' deliveries and the API."""

from django.contrib import admin
from django.db import models

from webhooks.models import WebhookEvent, WebhookRejection, WebhookSubscription


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "social_account", "events", "is_active", "created_at", "updated_at"]
    list_filter = ["is_active", "social_account__platform"]
    search_fields = ["id", "social_account__id"]
    list_select_related = ["social_account"]
    exclude = WebhookSubscription.SECRET_FIELDS
    # The webhook URL is always an absolute https address of this service.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*WebhookSubscription.SECRET_FIELDS)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "social_account", "platform", "status", "attempts", "received_at"]
    list_filter = ["status", "platform"]
    search_fields = ["id", "social_account__id", "event_key"]
    list_select_related = ["social_account"]
    date_hierarchy = "received_at"


@admin.register(WebhookRejection)
class WebhookRejectionAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "social_account", "reason"]
    list_filter = ["reason"]
    search_fields = ["social_account__id"]
    list_select_related = ["social_account"]
    date_hierarchy = "received_at"
