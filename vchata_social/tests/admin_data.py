"""One of everything the admin shows, for an organization, with secrets whose values the
tests know: the admin's pages are checked against them, and against other organizations."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import models
from django.utils import timezone

from accounts.admin_scope import VIEW_ALL_ORGANIZATIONS
from accounts.models import (
    AuditLog,
    Organization,
    SocialAccount,
    SocialPage,
    StaffOrganizationAccess,
)
from accounts.tests.factories import MembershipFactory, SocialAccountFactory, UserFactory
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus, SyncType
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationEndpoint,
    ReceiptStatus,
    SocialEvent,
    WebhookReceipt,
    WebhookRejection,
    WebhookSubscription,
)


@dataclass
class OrganizationData:
    organization: Organization
    account: SocialAccount
    secrets: list[str]
    objects: dict[type[models.Model], models.Model]


def seed_organization_data(organization: Organization, *, tag: str) -> OrganizationData:
    """Every model the admin lists, once, for `organization`; `tag` makes its secrets unique."""
    secrets = {name: f"{name}-{tag}-never-shown" for name in SECRET_NAMES}
    account = SocialAccountFactory(
        organization=organization,
        platform_user_name=f"{tag} page",
        access_token=secrets["access"],
        refresh_token=secrets["refresh"],
    )
    endpoint = NotificationEndpoint.objects.create(
        organization=organization,
        url=f"https://product.example/{tag}",
        event_types=["sync.failed"],
        secret=secrets["endpoint"],
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_id=f"evt-{tag}",
        event_type="sync.failed",
        body="{}",
        status=DeliveryStatus.DEAD,
    )
    receipt = WebhookReceipt.objects.create(
        social_account=account,
        platform=account.platform,
        event_key=f"key-{tag}",
        payload="{}",
        status=ReceiptStatus.DEAD,
    )
    objects = [
        organization,
        account,
        endpoint,
        delivery,
        receipt,
        MembershipFactory(organization=organization),
        SocialPage.objects.create(
            social_account=account,
            platform_page_id=f"page-{tag}",
            name=f"{tag} page",
            access_token=secrets["page"],
        ),
        AuditLog.objects.create(
            organization=organization,
            action="social_account.connect",
            target_type="SocialAccount",
            target_id=account.pk,
        ),
        SyncRun.objects.create(
            social_account=account,
            sync_type=SyncType.FULL,
            status=SyncStatus.FAILED,
            error="The platform is unavailable",
            finished_at=timezone.now(),
        ),
        DailyMetric.objects.create(
            social_account=account, day=timezone.now().date(), followers=1200, reach=300
        ),
        Post.objects.create(
            social_account=account,
            platform_post_id=f"post-{tag}",
            published_at=timezone.now() - timedelta(days=1),
        ),
        WebhookSubscription.objects.create(
            social_account=account,
            webhook_url=f"https://api.example.com/webhooks/facebook/{account.pk}",
            events=["comments"],
            verify_token=secrets["verify"],
            hub_secret=secrets["hub"],
        ),
        WebhookRejection.objects.create(social_account=account, reason="bad_signature"),
        SocialEvent.objects.create(
            organization=organization,
            social_account=account,
            receipt=receipt,
            platform=account.platform,
            kind="comment",
            platform_event_id=f"comment-{tag}",
        ),
        DeliveryAttempt.objects.create(delivery=delivery, status_code=503, latency_ms=40),
    ]
    return OrganizationData(
        organization=organization,
        account=account,
        secrets=list(secrets.values()),
        objects={type(obj): obj for obj in objects},
    )


SECRET_NAMES = ("access", "refresh", "page", "verify", "hub", "endpoint")


def limited_staff(*, organizations: list[Organization], username: str = "limited"):
    """A staff member holding every permission but "Can see every organization", who sees
    only `organizations`."""
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.exclude(codename=VIEW_ALL_ORGANIZATIONS.split(".")[1])
    )
    StaffOrganizationAccess.objects.bulk_create(
        StaffOrganizationAccess(user=user, organization=organization)
        for organization in organizations
    )
    return user
