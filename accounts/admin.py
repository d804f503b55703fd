"""Staff views over the same models. Tokens are never a field here: not shown, not editable."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin_scope import OrganizationScopedAdmin, sees_every_organization
from accounts.dashboard import ATTENTION_PARAMETER, CONNECTION_PARAMETER, dashboard_view
from accounts.models import (
    AuditLog,
    Membership,
    Organization,
    SocialAccount,
    SocialPage,
    StaffOrganizationAccess,
)
from accounts.selectors import (
    accounts_needing_attention,
    attention_reason_get,
    attention_reasons,
    reauth_warning_horizon,
)
from accounts.services import (
    Actor,
    TokenRefreshOutcome,
    TokenValidationOutcome,
    social_account_disconnect,
    social_account_refresh_token,
    social_account_update,
    social_account_validate_token,
)
from vchata_social.errors import ApplicationError
from vchata_social.requests import client_ip


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_path = "pk"
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline]

    def has_add_permission(self, request) -> bool:
        # A staff member limited to chosen organizations would not see one they created.
        return sees_every_organization(request.user) and super().has_add_permission(request)


class TokenExpiryFilter(admin.SimpleListFilter):
    title = "token expiry"
    parameter_name = "token_expiry"
    WINDOWS = {"1d": timedelta(days=1), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [
            ("expired", "Expired"),
            ("1d", "Within a day"),
            ("7d", "Within a week"),
            ("refresh_30d", "Refresh token dies within 30 days"),
            ("reauth_soon", "New login needed soon (data access or refresh token ending)"),
            ("never", "No expiry"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "expired":
            return queryset.filter(token_expires_at__lte=now)
        if value in self.WINDOWS:
            return queryset.filter(
                token_expires_at__gt=now, token_expires_at__lte=now + self.WINDOWS[value]
            )
        if value == "refresh_30d":
            return queryset.filter(refresh_token_expires_at__lte=now + timedelta(days=30))
        if value == "reauth_soon":
            return queryset.reauth_soon(before=reauth_warning_horizon())
        if value == "never":
            return queryset.filter(token_expires_at__isnull=True)
        return queryset


class ConnectionFilter(admin.SimpleListFilter):
    title = "connection"
    parameter_name = CONNECTION_PARAMETER

    def lookups(self, request, model_admin):
        return [("connected", "Connected"), ("disconnected", "Disconnected")]

    def queryset(self, request, queryset):
        if self.value() == "connected":
            return queryset.connected()
        if self.value() == "disconnected":
            return queryset.filter(disconnected_at__isnull=False)
        return queryset


class AttentionFilter(admin.SimpleListFilter):
    """The dashboard's "needing attention" links land here: each reason filters by the very
    condition the dashboard counts (accounts.selectors.attention_reasons)."""

    title = "needs attention"
    parameter_name = ATTENTION_PARAMETER

    def lookups(self, request, model_admin):
        return [(reason.key, reason.label) for reason in attention_reasons]

    def queryset(self, request, queryset):
        reason = attention_reason_get(self.value() or "")
        if reason is None:
            return queryset
        return accounts_needing_attention(accounts=queryset, reason=reason, now=timezone.now())


def _staff_actor(request) -> Actor:
    return Actor(user=request.user, ip_address=client_ip(request))


@dataclass(frozen=True)
class Done:
    """What a service did to one account, in words staff read with a count after them."""

    text: str
    level: int = messages.SUCCESS


def run_for_each(
    modeladmin, request, queryset, operation: Callable, report: Callable[[object], Done]
) -> None:
    """Run an account service per selected account; one failure does not stop the rest.
    Staff read one line per kind of outcome ("Token refreshed: 3 account(s).") and one per
    account the service refused, with its reason."""
    actor = _staff_actor(request)
    outcomes: Counter[Done] = Counter()
    failed = []
    for account_id in queryset.values_list("pk", flat=True):
        try:
            # Staff work across organizations.
            result = operation(organization=None, account_id=account_id, actor=actor)
        except ApplicationError as error:
            failed.append(f"{account_id}: {error.message}")
        else:
            outcomes[report(result)] += 1
    for done, count in outcomes.items():
        modeladmin.message_user(request, f"{done.text}: {count} account(s).", done.level)
    for failure in failed:
        modeladmin.message_user(request, failure, messages.ERROR)


def _refresh_report(outcome: TokenRefreshOutcome) -> Done:
    if outcome.refreshed:
        return Done("Token refreshed")
    return Done("Token already refreshed meanwhile by another request", messages.INFO)


def _validation_report(outcome: TokenValidationOutcome) -> Done:
    if outcome.validation.is_valid:
        return Done("Token valid")
    return Done("Token invalid, says the platform", messages.WARNING)


@admin.action(description="Refresh the tokens of the selected accounts", permissions=["act"])
def refresh_tokens(modeladmin, request, queryset):
    run_for_each(modeladmin, request, queryset, social_account_refresh_token, _refresh_report)


@admin.action(description="Validate the tokens of the selected accounts", permissions=["act"])
def validate_tokens(modeladmin, request, queryset):
    run_for_each(modeladmin, request, queryset, social_account_validate_token, _validation_report)


@admin.action(
    description="Disconnect the selected accounts (their tokens are erased)", permissions=["act"]
)
def disconnect_accounts(modeladmin, request, queryset):
    """Asks first, on a page listing the accounts, as Django's own delete action does."""
    if request.POST.get("confirmed") != "yes":
        return TemplateResponse(
            request,
            "admin/accounts/socialaccount/disconnect_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": "Disconnect these accounts?",
                "opts": modeladmin.model._meta,
                "accounts": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
    already = queryset.filter(disconnected_at__isnull=False).count()
    if already:
        modeladmin.message_user(
            request, f"Already disconnected, left alone: {already} account(s).", messages.INFO
        )
    run_for_each(
        modeladmin,
        request,
        queryset.connected(),
        social_account_disconnect,
        lambda account: Done("Disconnected, tokens erased"),
    )
    return None


class SocialPageInline(admin.TabularInline):
    """The pages behind the account, as the platform last listed them; read-only."""

    model = SocialPage
    extra = 0
    can_delete = False
    fields = ["platform_page_id", "name", "category", "url", "followers_count", "is_active"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*SocialPage.SECRET_FIELDS)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


# Panels shown under the account's change form, after its inlines (the daily history chart,
# the webhook events). The apps that draw them build on this one, which never imports them
# (DESIGN.md): each registers its panel from its own admin module, in app order.
AccountPanel = Callable[[HttpRequest, SocialAccount], SafeString]
account_page_panels: list[AccountPanel] = []
RECENT_AUDIT_ENTRIES_SHOWN = 10


def register_account_panel(panel: AccountPanel) -> None:
    if panel not in account_page_panels:
        account_page_panels.append(panel)


def shown_time(moment: datetime) -> str:
    """A moment as the admin shows its own, in the site's time zone."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def recent_audit_panel(request: HttpRequest, account: SocialAccount) -> SafeString:
    """The latest audit entries whose target is this account (never their details, which
    may name what changed)."""
    entries = AuditLog.objects.filter(
        organization_id=account.organization_id,
        target_type=SocialAccount.__name__,
        target_id=account.pk,
    ).select_related("actor")[:RECENT_AUDIT_ENTRIES_SHOWN]
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                shown_time(entry.created_at),
                entry.action,
                entry.actor or "—",
                entry.ip_address or "—",
            )
            for entry in entries
        ),
    )
    return format_html(
        '<div class="module" id="audit-entries"><table class="audit-entries">'
        "<caption>Latest audit entries</caption>"
        '<thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">By</th>'
        '<th scope="col">From</th></tr></thead><tbody>{}</tbody></table></div>',
        rows or format_html('<tr><td colspan="4">{}</td></tr>', "No audit entries yet"),
    )


@admin.register(SocialAccount)
class SocialAccountAdmin(OrganizationScopedAdmin):
    list_display = [
        "id",
        "platform",
        "platform_user_name",
        "organization",
        "status",
        "is_active",
        "token_expires_at",
        "refresh_token_expires_at",
        "last_sync_at",
        "disconnected_at",
    ]
    list_filter = [
        AttentionFilter,
        "status",
        ConnectionFilter,
        TokenExpiryFilter,
        "platform",
        "is_active",
        # Only organizations with accounts this staff member sees, never every name.
        ("organization", admin.RelatedOnlyFieldListFilter),
    ]
    actions = [refresh_tokens, validate_tokens, disconnect_accounts]
    inlines = [SocialPageInline]
    search_fields = ["id", "platform_user_id", "platform_user_name", "platform_user_email"]
    list_select_related = ["organization"]
    exclude = SocialAccount.SECRET_FIELDS
    readonly_fields = [
        "id",
        "organization",
        "platform",
        "platform_user_id",
        "status",
        "token_expires_at",
        "refresh_token_expires_at",
        "data_access_expires_at",
        "token_refreshed_at",
        "token_validated_at",
        "token_is_valid",
        "token_refresh_failures",
        "last_sync_at",
        "stats_total_posts",
        "stats_total_followers",
        "stats_total_engagement",
        "stats_last_post_date",
        "created_at",
        "updated_at",
        "disconnected_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).without_secrets()

    def has_add_permission(self, request) -> bool:
        # Accounts are connected through the API, with the platform's tokens.
        return False

    def get_urls(self):
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard),
            name=f"{self.opts.app_label}_{self.opts.model_name}_dashboard",
        )
        return [dashboard, *super().get_urls()]

    def dashboard(self, request):
        return dashboard_view(request, self)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Drawn by templates/admin/accounts/socialaccount/change_form.html.
        if obj is not None:
            panels = [*account_page_panels, recent_audit_panel]
            context["account_panels"] = [panel(request, obj) for panel in panels]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        """Through the service, as an API edit goes, so that the edit is audited. The form has
        already set its values on `obj`; the service compares them with the stored row."""
        stored = SocialAccount.objects.without_secrets().get(pk=obj.pk)
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        social_account_update(account=stored, actor=_staff_actor(request), changes=changes)


@admin.register(AuditLog)
class AuditLogAdmin(OrganizationScopedAdmin):
    list_display = ["created_at", "organization", "actor", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_id", "action", "actor__username"]
    list_select_related = ["organization", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StaffOrganizationAccessInline(admin.TabularInline):
    """The organizations a staff member without "Can see every organization" sees."""

    model = StaffOrganizationAccess
    fk_name = "user"
    extra = 0

    def _may_choose(self, request) -> bool:
        # Only someone who sees every organization may widen anyone's view (their own included).
        return sees_every_organization(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may_choose(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_choose(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_choose(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_choose(request)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, StaffOrganizationAccessInline]
