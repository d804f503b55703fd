"""Staff views over the same models. Tokens are never a field here: not shown, not editable."""

from django.contrib import admin

from accounts.models import AuditLog, Membership, Organization, SocialAccount


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "platform",
        "platform_user_name",
        "organization",
        "is_active",
        "token_expires_at",
        "last_sync_at",
        "disconnected_at",
    ]
    list_filter = ["platform", "is_active", "organization"]
    search_fields = ["id", "platform_user_id", "platform_user_name", "platform_user_email"]
    list_select_related = ["organization"]
    exclude = SocialAccount.SECRET_FIELDS
    readonly_fields = [
        "id",
        "organization",
        "platform",
        "platform_user_id",
        "token_expires_at",
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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "actor", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type", "organization"]
    search_fields = ["target_id", "action", "actor__username"]
    list_select_related = ["organization", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
