"""The staff dashboard: accounts by platform and status, the accounts needing attention with
links to the account list filtered to them, the sections the apps built on this one register
(success rates, dead letters), and the beat schedule's last runs.

Everything is counted over the querysets the admin itself shows staff (each model admin's
get_queryset), so the dashboard never counts what its links would not list. A fixed number of
queries, whatever the number of accounts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import AccountStatus, Platform, SocialAccount
from accounts.selectors import (
    PlatformCounts,
    attention_counts,
    attention_reasons,
    scheduled_tasks,
    social_account_counts_by_platform,
)

ATTENTION_PARAMETER = "attention"
CONNECTION_PARAMETER = "connection"


@dataclass(frozen=True)
class Figure:
    """A count staff may follow to the list of what it counts."""

    key: str
    label: str
    count: int
    url: str


# Sections drawn by the apps built on this one, given the request and the accounts staff may
# see; and figures needing attention that are not accounts (failing notification deliveries),
# None for staff who may not see what they count.
DashboardSection = Callable[[HttpRequest, QuerySet[SocialAccount]], SafeString]
dashboard_sections: list[DashboardSection] = []
AttentionFigure = Callable[[HttpRequest], Figure | None]
attention_figures: list[AttentionFigure] = []


def register_dashboard_section(section: DashboardSection) -> None:
    if section not in dashboard_sections:
        dashboard_sections.append(section)


def register_attention_figure(figure: AttentionFigure) -> None:
    if figure not in attention_figures:
        attention_figures.append(figure)


def account_list_url(**filters: str) -> str:
    return f"{reverse('admin:accounts_socialaccount_changelist')}?{urlencode(filters)}"


def dashboard_view(request: HttpRequest, account_admin: ModelAdmin) -> TemplateResponse:
    if not account_admin.has_view_permission(request):
        raise PermissionDenied
    accounts = account_admin.get_queryset(request)
    now = timezone.now()
    context = {
        **account_admin.admin_site.each_context(request),
        "title": "Dashboard",
        "platform_rows": [
            _platform_row(counts) for counts in social_account_counts_by_platform(accounts=accounts)
        ],
        "attention": _attention(request, accounts, now),
        "sections": [section(request, accounts) for section in dashboard_sections],
        "scheduled_tasks": scheduled_tasks(now=now),
        "now": now,
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


def _platform_row(counts: PlatformCounts) -> dict:
    platform = counts.platform
    connected = {"platform__exact": platform, CONNECTION_PARAMETER: "connected"}
    return {
        "platform": platform,
        "label": Platform(platform).label,
        "cells": [
            Figure(
                "active",
                "Active",
                counts.active,
                account_list_url(**connected, status__exact=AccountStatus.ACTIVE),
            ),
            Figure(
                "reauth_required",
                "Re-authorization required",
                counts.reauth_required,
                account_list_url(**connected, status__exact=AccountStatus.REAUTH_REQUIRED),
            ),
            Figure(
                "disconnected",
                "Disconnected",
                counts.disconnected,
                account_list_url(
                    platform__exact=platform, **{CONNECTION_PARAMETER: "disconnected"}
                ),
            ),
        ],
    }


def _attention(
    request: HttpRequest, accounts: QuerySet[SocialAccount], now: datetime
) -> list[Figure]:
    counts = attention_counts(accounts=accounts, now=now)
    return [
        Figure(
            reason.key,
            reason.label,
            counts[reason.key],
            account_list_url(**{ATTENTION_PARAMETER: reason.key}),
        )
        for reason in attention_reasons
    ] + [shown for figure in attention_figures if (shown := figure(request)) is not None]
