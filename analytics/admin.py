"""Staff views of synced data: sync runs, daily history and posts (read-only), and the
account admin extended with a sync action, a last-sync filter and links to its history."""

from functools import partial

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.admin import SocialAccountAdmin, run_for_each
from accounts.admin_scope import OrganizationScopedAdmin
from accounts.models import SocialAccount
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus, SyncType
from analytics.services import SyncOptions, sync_run_start

RECENT_RUNS_SHOWN = 5


class ReadOnlyAdmin(OrganizationScopedAdmin):
    """Synced data is written by syncs only."""

    organization_path = "social_account__organization"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "social_account",
        "sync_type",
        "status",
        "posts_synced",
        "followers_synced",
        "duration_seconds",
        "started_at",
        "error",
    ]
    list_filter = ["status", "sync_type", "social_account__platform"]
    search_fields = ["id", "social_account__id", "social_account__platform_user_name"]
    list_select_related = ["social_account"]
    date_hierarchy = "started_at"


@admin.register(DailyMetric)
class DailyMetricAdmin(ReadOnlyAdmin):
    list_display = ["social_account", "day", "followers", "engagement", "reach", "clicks", "posts"]
    list_filter = ["social_account__platform"]
    search_fields = ["social_account__id", "social_account__platform_user_name"]
    list_select_related = ["social_account"]
    date_hierarchy = "day"


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "social_account",
        "published_at",
        "likes",
        "comments",
        "shares",
        "views",
        "reach",
        "engagement",
    ]
    list_filter = ["social_account__platform"]
    search_fields = ["id", "platform_post_id", "social_account__id", "text"]
    list_select_related = ["social_account"]
    date_hierarchy = "published_at"


class LastSyncFilter(admin.SimpleListFilter):
    title = "last sync"
    parameter_name = "last_sync"

    def lookups(self, request, model_admin):
        return [("failed", "Failed"), ("succeeded", "Succeeded"), ("never", "Never synced")]

    def queryset(self, request, queryset):
        latest = SyncRun.objects.filter(social_account=OuterRef("pk")).order_by("-started_at")
        with_last = queryset.annotate(last_sync_status=Subquery(latest.values("status")[:1]))
        value = self.value()
        if value == "failed":
            return with_last.filter(last_sync_status=SyncStatus.FAILED)
        if value == "succeeded":
            return with_last.filter(last_sync_status=SyncStatus.SUCCEEDED)
        if value == "never":
            return with_last.filter(last_sync_status__isnull=True)
        return queryset


@admin.action(description="Sync the selected accounts now (incremental)")
def sync_accounts(modeladmin, request, queryset):
    start = partial(sync_run_start, options=SyncOptions(sync_type=SyncType.INCREMENTAL))
    run_for_each(modeladmin, request, queryset, start, "Started a sync of")


admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class SyncedSocialAccountAdmin(SocialAccountAdmin):
    actions = [*SocialAccountAdmin.actions, sync_accounts]
    list_filter = [*SocialAccountAdmin.list_filter, LastSyncFilter]
    readonly_fields = [*SocialAccountAdmin.readonly_fields, "synced_history", "recent_syncs"]

    @admin.display(description="Synced history")
    def synced_history(self, account: SocialAccount) -> str:
        links = [
            ("admin:analytics_syncrun_changelist", "Sync runs"),
            ("admin:analytics_dailymetric_changelist", "Daily history"),
            ("admin:analytics_post_changelist", "Posts"),
        ]
        return format_html_join(
            " · ",
            '<a href="{}?social_account__id__exact={}">{}</a>',
            ((reverse(name), account.pk, label) for name, label in links),
        )

    @admin.display(description="Recent syncs")
    def recent_syncs(self, account: SocialAccount) -> str:
        runs = SyncRun.objects.filter(social_account=account)[:RECENT_RUNS_SHOWN]
        if not runs:
            return "Never synced"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {} posts · {}</li>",
                (
                    (run.started_at, run.get_status_display(), run.posts_synced, run.error or "")
                    for run in runs
                ),
            ),
        )
