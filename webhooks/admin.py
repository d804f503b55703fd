"""Staff views of webhooks: subscriptions (never their secrets), received events, refused
deliveries, the product's endpoints and what was delivered to them, all read-only: they are
written by the platforms' deliveries, the API and the tasks. Actions call the services."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from accounts.admin import register_account_panel, shown_time
from accounts.admin_scope import OrganizationScopedAdmin
from accounts.dashboard import Figure, register_attention_figure
from accounts.models import SocialAccount
from accounts.selectors import register_attention_reason
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    NotificationEndpoint,
    SocialEvent,
    WebhookReceipt,
    WebhookRejection,
    WebhookSubscription,
)
from webhooks.selectors import WEBHOOK_DEAD_LETTERS, deliveries_failing
from webhooks.services import deliveries_retry, webhook_receipts_retry

RECENT_EVENTS_SHOWN = 10
EVENT_TEXT_SHOWN = 80


class ReadOnlyAdmin(OrganizationScopedAdmin):
    organization_path = "social_account__organization"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "social_account",
        "events",
        "subscribed_page_ids",
        "lease_expires_at",
        "is_active",
        "created_at",
        "updated_at",
    ]
    list_filter = ["is_active", "social_account__platform"]
    search_fields = ["id", "social_account__id"]
    list_select_related = ["social_account"]
    exclude = WebhookSubscription.SECRET_FIELDS
    # The webhook URL is always an absolute https address of this service.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*WebhookSubscription.SECRET_FIELDS)


def retry_selected(
    modeladmin, request, queryset, *, retry: Callable[[list[str]], int], done: str, why: str
) -> None:
    """Run a retry service on the selection; say how many it sent again (`done`, with
    {count}), and how many it left alone and `why`."""
    selected = list(queryset.values_list("pk", flat=True))
    retried = retry(selected)
    if retried:
        modeladmin.message_user(request, done.format(count=retried), messages.SUCCESS)
    if len(selected) > retried:
        modeladmin.message_user(
            request, f"Left alone: {len(selected) - retried} ({why}).", messages.WARNING
        )


@admin.action(
    description="Process the selected failed or dead-lettered receipts again", permissions=["act"]
)
def retry_receipts(modeladmin, request, queryset):
    retry_selected(
        modeladmin,
        request,
        queryset,
        retry=lambda ids: webhook_receipts_retry(receipt_ids=ids),
        done="Sent {count} receipt(s) to processing again.",
        why="only failed or dead-lettered receipts are processed again",
    )


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(ReadOnlyAdmin):
    actions = [retry_receipts]
    list_display = [
        "id",
        "social_account",
        "platform",
        "status",
        "attempts",
        "error",
        "received_at",
    ]
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


@admin.register(SocialEvent)
class SocialEventAdmin(ReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["id", "social_account", "platform", "kind", "author_name", "created_at"]
    list_filter = ["kind", "platform"]
    search_fields = ["id", "social_account__id", "platform_event_id", "text"]
    list_select_related = ["social_account"]
    date_hierarchy = "created_at"


@admin.register(NotificationEndpoint)
class NotificationEndpointAdmin(ReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["id", "organization", "url", "event_types", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["id", "organization__id", "url"]
    list_select_related = ["organization"]
    exclude = NotificationEndpoint.SECRET_FIELDS
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*NotificationEndpoint.SECRET_FIELDS)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Removed by the organization through the API, where it is audited.
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["attempted_at", "status_code", "latency_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description="Send the selected dead-lettered deliveries again", permissions=["act"])
def retry_deliveries(modeladmin, request, queryset):
    retry_selected(
        modeladmin,
        request,
        queryset,
        retry=lambda ids: deliveries_retry(delivery_ids=ids),
        done="Sent {count} delivery(ies) again.",
        why="only dead-lettered deliveries are sent again by hand; the others are on their way",
    )


class DeliveryOutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"
    FAILING = "failing"

    def lookups(self, request, model_admin):
        return [(self.FAILING, "Failing (to be retried, or dead-lettered)")]

    def queryset(self, request, queryset):
        if self.value() == self.FAILING:
            return deliveries_failing(queryset)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    organization_path = "endpoint__organization"
    actions = [retry_deliveries]
    inlines = [DeliveryAttemptInline]
    list_display = [
        "id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = [DeliveryOutcomeFilter, "status", "event_type"]
    search_fields = ["id", "event_id", "endpoint__id", "endpoint__url"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"


def recent_events_panel(request: HttpRequest, account: SocialAccount) -> SafeString:
    """The account's latest normalized webhook events, and links to all of them and to its
    receipts (where dead letters wait to be retried)."""
    events = SocialEvent.objects.filter(social_account=account).only(
        "created_at", "kind", "author_name", "text"
    )[:RECENT_EVENTS_SHOWN]
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                shown_time(event.created_at),
                event.kind,
                event.author_name or "—",
                Truncator(event.text).chars(EVENT_TEXT_SHOWN),
            )
            for event in events
        ),
    )
    by_account = f"?social_account__id__exact={account.pk}"
    return format_html(
        '<div class="module" id="webhook-events"><table class="webhook-events">'
        '<caption>Latest webhook events</caption><thead><tr><th scope="col">When</th>'
        '<th scope="col">Kind</th><th scope="col">Author</th><th scope="col">Text</th></tr>'
        '</thead><tbody>{}</tbody></table><p><a href="{}{}">All events</a> · '
        '<a href="{}{}">Webhook receipts</a></p></div>',
        rows or format_html('<tr><td colspan="4">{}</td></tr>', "No webhook events yet"),
        reverse("admin:webhooks_socialevent_changelist"),
        by_account,
        reverse("admin:webhooks_webhookreceipt_changelist"),
        by_account,
    )


register_account_panel(recent_events_panel)


def failing_deliveries_figure(request: HttpRequest) -> Figure | None:
    """The dashboard's count of notification deliveries failing, over what the delivery list
    shows staff, linked to that list filtered to them; nothing for staff who may not see it."""
    delivery_admin = admin.site.get_model_admin(Delivery)
    if not delivery_admin.has_view_permission(request):
        return None
    changelist = reverse("admin:webhooks_delivery_changelist")
    return Figure(
        "deliveries_failing",
        "Notification deliveries failing (retrying or dead-lettered)",
        deliveries_failing(delivery_admin.get_queryset(request)).count(),
        f"{changelist}?{DeliveryOutcomeFilter.parameter_name}={DeliveryOutcomeFilter.FAILING}",
    )


register_attention_reason(WEBHOOK_DEAD_LETTERS)
register_attention_figure(failing_deliveries_figure)
