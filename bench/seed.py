"""The data every scenario runs on, written through the services where one exists (so that
tokens are encrypted as in production) and in bulk where the numbers call for it."""

import hashlib
import hmac
import json
import secrets
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from accounts.models import Membership, Organization, Role, SocialAccount
from accounts.services import SYSTEM, social_account_connect
from analytics.models import DailyMetric
from bench.standin import PAGE_ID

PASSWORD = secrets.token_urlsafe(16)
PLATFORMS = ("FACEBOOK", "INSTAGRAM", "TIKTOK", "TWITTER", "LINKEDIN", "YOUTUBE")


def organization_with_admin(name: str) -> tuple[Organization, str]:
    """An organization and the username of an admin of it (password PASSWORD)."""
    organization = Organization.objects.create(name=name)
    username = f"admin-{organization.pk}"
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=Role.ADMIN)
    return organization, username


def connected_account(organization: Organization, platform_user_id: str) -> SocialAccount:
    return social_account_connect(
        organization=organization,
        actor=SYSTEM,
        platform="FACEBOOK",
        platform_user_id=platform_user_id,
        platform_user_name=f"Bench user {platform_user_id}",
        access_token=f"EAAB{secrets.token_urlsafe(150)}",
        expires_in=60 * 24 * 3600,
        permissions=["pages_show_list", "pages_read_engagement", "read_insights"],
    )


def accounts_with_stats(organization: Organization, count: int) -> list[SocialAccount]:
    """`count` connected accounts whose stats a sync has filled."""
    accounts = [connected_account(organization, str(n)) for n in range(count)]
    for n, account in enumerate(accounts):
        SocialAccount.objects.filter(pk=account.pk).update(
            stats_total_posts=100 + n,
            stats_total_followers=10_000 + 37 * n,
            stats_total_engagement=5_000 + 11 * n,
            stats_last_post_date=timezone.now() - timedelta(hours=n),
            last_sync_at=timezone.now() - timedelta(minutes=n),
        )
    return accounts


def meta_event(n: int) -> bytes:
    """A Page feed change (a new comment), as Meta delivers it; `n` makes it unique."""
    moment = int(timezone.now().timestamp())
    change = {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "post_id": f"{PAGE_ID}_1000000000001",
            "comment_id": f"1000000000001_{n}",
            "parent_id": f"{PAGE_ID}_1000000000001",
            "from": {"id": str(7_000_000 + n), "name": f"Commenter {n}"},
            "message": f"Comment number {n}",
            "created_time": moment,
        },
    }
    payload = {"object": "page", "entry": [{"id": PAGE_ID, "time": moment, "changes": [change]}]}
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_events(path: Path, count: int, app_secret: str, *, first: int = 0) -> None:
    """`count` distinct events numbered from `first`, one line each: the X-Hub-Signature-256
    value, a tab, the body."""
    with path.open("wb") as lines:
        for n in range(first, first + count):
            body = meta_event(n)
            signature = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
            lines.write(b"sha256=" + signature.encode() + b"\t" + body + b"\n")


def daily_history(account: SocialAccount, days: int) -> None:
    """A year of daily figures, as many syncs would have left them."""
    today = date.today()
    rows = [
        DailyMetric(
            social_account=account,
            day=today - timedelta(days=n),
            followers=4_200 - n,
            engagement=300 + n % 50,
            reach=9_000 + n % 300,
            clicks=40 + n % 9,
            posts=n % 40,
        )
        for n in range(days)
    ]
    DailyMetric.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["social_account", "day"],
        update_fields=["followers", "engagement", "reach", "clicks", "posts"],
    )


def many_accounts(template: SocialAccount, *, count: int, due_every: int) -> int:
    """`count` more accounts over every platform, in organizations of 1,000, copying the
    template's encrypted token; one in `due_every` expires within a minute (due on every
    platform), the rest in 60 days (due on none). Returns how many are due."""
    organizations = [Organization(name=f"Sweep {n}") for n in range(count // 1000 + 1)]
    Organization.objects.bulk_create(organizations)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_socialaccount (
                id, organization_id, platform, platform_user_id, platform_user_name,
                platform_user_email, permissions, is_active, status, access_token,
                token_expires_at, token_refresh_failures, stats_total_posts,
                stats_total_followers, stats_total_engagement, created_at, updated_at)
            SELECT 'social_sweep' || n, (%(organizations)s::text[])[n / 1000 + 1],
                (%(platforms)s::text[])[n %% 6 + 1], 'sweep-' || n, '', '', '[]', true, 'ACTIVE',
                template.access_token,
                CASE WHEN n %% %(due_every)s = 0 THEN now() + interval '1 minute'
                     ELSE now() + interval '60 days' END,
                0, 0, 0, 0, now(), now()
            FROM generate_series(0, %(last)s) AS n, (
                SELECT access_token FROM accounts_socialaccount WHERE id = %(template)s
            ) AS template
            """,
            {
                "organizations": [organization.pk for organization in organizations],
                "platforms": list(PLATFORMS),
                "due_every": due_every,
                "last": count - 1,
                "template": template.pk,
            },
        )
        cursor.execute("ANALYZE accounts_socialaccount")
    return len(range(0, count, due_every))
