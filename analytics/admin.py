"""Staff views of synced data: sync runs, daily history and posts (read-only), and the
account admin extended with a sync action, a last-sync filter and links to its history."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin import Done, SocialAccountAdmin, register_account_panel, run_for_each
from accounts.admin_scope import OrganizationScopedAdmin
from accounts.dashboard import register_dashboard_section
from accounts.models import SocialAccount
from accounts.selectors import register_attention_reason
from analytics.charts import Series, daily_table, has_values, line_chart_svg
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus, SyncType
from analytics.selectors import (
    LAST_SYNC_FAILED,
    DateRange,
    HistoryDay,
    account_daily_history,
    last_sync_status,
    success_rates,
)
from analytics.services import SyncOptions, SyncStart, sync_run_start

RECENT_RUNS_SHOWN = 5
# The account page's history range: ?history_days=N, N from 1 to STATS_MAX_RANGE_DAYS.
HISTORY_DAYS_PARAMETER = "history_days"
DEFAULT_HISTORY_DAYS = 90
HISTORY_DAYS_OFFERED = (7, 30, 90, 365)


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
        with_last = queryset.annotate(last_sync_status=last_sync_status())
        value = self.value()
        if value == "failed":
            return with_last.filter(last_sync_status=SyncStatus.FAILED)
        if value == "succeeded":
            return with_last.filter(last_sync_status=SyncStatus.SUCCEEDED)
        if value == "never":
            return with_last.filter(last_sync_status__isnull=True)
        return queryset


@admin.action(description="Sync the selected accounts now (incremental)", permissions=["act"])
def sync_accounts(modeladmin, request, queryset):
    start = partial(sync_run_start, options=SyncOptions(sync_type=SyncType.INCREMENTAL))
    run_for_each(modeladmin, request, queryset, start, _sync_report)


def _sync_report(start: SyncStart) -> Done:
    if start.already_running:
        return Done("A sync was already running, left to finish", messages.INFO)
    return Done("Sync started")


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


def history_days_asked(request: HttpRequest) -> tuple[int, str | None]:
    """The number of days ?history_days= asks for, or the default and why the value asked
    for was refused (it is not repeated: the page never echoes what it cannot use)."""
    longest = settings.STATS_MAX_RANGE_DAYS
    default = min(DEFAULT_HISTORY_DAYS, longest)
    asked = request.GET.get(HISTORY_DAYS_PARAMETER)
    if asked is None:
        return default, None
    if asked.isascii() and asked.isdigit() and 1 <= int(asked) <= longest:
        return int(asked), None
    refusal = (
        f"The history range is a whole number of days from 1 to {longest}; "
        f"showing the last {default} days."
    )
    return default, refusal


def _history_range_links(request: HttpRequest, shown: int) -> SafeString:
    """The ranges offered, each keeping the page's other query parameters."""
    links = []
    for days in HISTORY_DAYS_OFFERED:
        if days > settings.STATS_MAX_RANGE_DAYS:
            continue
        if days == shown:
            links.append(format_html('<strong aria-current="true">{} days</strong>', days))
            continue
        query = request.GET.copy()
        query[HISTORY_DAYS_PARAMETER] = str(days)
        links.append(format_html('<a href="?{}">{} days</a>', query.urlencode(), days))
    return format_html(
        '<p class="history-ranges">Range: {}</p>',
        format_html_join(" · ", "{}", ((link,) for link in links)),
    )


def _history_series(history: list[HistoryDay]) -> list[Series]:
    return [
        Series("Followers", [day.followers for day in history]),
        Series("Engagement", [day.engagement for day in history]),
        Series("Reach", [day.reach for day in history]),
    ]


def daily_history_panel(request: HttpRequest, account: SocialAccount) -> SafeString:
    """The account's daily followers, engagement and reach as a chart drawn here (inline SVG:
    no script, no external file, nothing a strict Content-Security-Policy refuses), and the
    same numbers in a table."""
    days, refusal = history_days_asked(request)
    today = timezone.now().date()
    period = DateRange(today - timedelta(days=days - 1), today)
    history = account_daily_history(account=account, period=period)
    series = _history_series(history)
    dates = [day.day for day in history]
    title = f"Daily history of {account}, last {days} days"
    table = (
        format_html(
            "<details><summary>The numbers, day by day</summary>{}</details>",
            daily_table(caption=title, days=dates, series=series),
        )
        if has_values(series)
        else ""
    )
    return format_html(
        '<div class="module" id="daily-history"><h2>Daily history, last {} days</h2>{}{}{}{}</div>',
        days,
        format_html('<p class="errornote">{}</p>', refusal) if refusal else "",
        _history_range_links(request, days),
        line_chart_svg(title=title, days=dates, series=series),
        table,
    )


register_account_panel(daily_history_panel)


def success_rates_section(request: HttpRequest, accounts) -> SafeString:
    """The dashboard's refresh and sync success rates, over the accounts staff may see."""
    context = {
        "rates": success_rates(accounts=accounts, now=timezone.now()),
        "failed_syncs_url": reverse("admin:analytics_syncrun_changelist")
        + f"?status__exact={SyncStatus.FAILED}",
    }
    return render_to_string("admin/dashboard/success_rates.html", context, request=request)


register_attention_reason(LAST_SYNC_FAILED)
register_dashboard_section(success_rates_section)
