"""GET /social/metrics: integration and error metrics of the caller's organization."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import AccountStatus, AuditLog
from analytics.models import SyncRun, SyncStatus
from analytics.tests.conftest import NOW

LONG_AGO = datetime(2025, 9, 1, tzinfo=UTC)


def finished_run(account, seconds: float, status=SyncStatus.SUCCEEDED, error_status=None):
    run = SyncRun.objects.create(
        social_account=account,
        sync_type="incremental",
        status=status,
        error_status=error_status,
    )
    SyncRun.objects.filter(pk=run.pk).update(finished_at=NOW + timedelta(seconds=seconds))
    return run


def audited(account, action: str, count: int = 1):
    for _ in range(count):
        AuditLog.objects.create(
            organization_id=account.organization_id,
            action=action,
            target_type="SocialAccount",
            target_id=account.pk,
        )


@pytest.fixture
def activity(account_factory, other_organization):
    facebook = account_factory(platform="FACEBOOK")
    account_factory(platform="FACEBOOK", is_active=False)
    tiktok = account_factory(platform="TIKTOK", status=AccountStatus.REAUTH_REQUIRED)
    account_factory(platform="YOUTUBE", disconnected_at=NOW)
    finished_run(facebook, 10)
    finished_run(facebook, 20)
    finished_run(facebook, 3, SyncStatus.FAILED, error_status=502)
    finished_run(tiktok, 1, SyncStatus.FAILED, error_status=409)
    old = finished_run(facebook, 100)
    SyncRun.objects.filter(pk=old.pk).update(started_at=LONG_AGO, finished_at=LONG_AGO)
    audited(facebook, "social_account.token_refresh", 3)
    audited(facebook, "social_account.token_refresh_failed")
    audited(tiktok, "social_account.reauth_required")
    audited(facebook, "social_account.token_refresh")
    AuditLog.objects.filter(pk=AuditLog.objects.latest("id").pk).update(created_at=LONG_AGO)
    # Another organization's activity counts nowhere here.
    stranger = account_factory(platform="TWITTER", organization=other_organization)
    finished_run(stranger, 500, SyncStatus.FAILED, error_status=502)
    audited(stranger, "social_account.reauth_required", 5)


@pytest.mark.django_db
def test_metrics_of_the_organization(api, organization, activity, django_assert_max_num_queries):
    # Membership, accounts, runs, audit records, refused deliveries, failed receipts, failed
    # attempts to deliver to the organization's endpoints: one each, whatever their number.
    with django_assert_max_num_queries(7):
        response = api.get("/social/metrics")

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "metrics": {
            "organizationId": organization.pk,
            "dateRange": {"from": "2025-10-21", "to": "2025-11-19"},
            "integration": {
                "totalAccounts": 3,
                "activeAccounts": 1,
                "platformDistribution": {"FACEBOOK": 2, "TIKTOK": 1},
                "averageSyncTime": 15.0,
                "tokenRefreshRate": 60.0,  # 3 refreshed of 3 + 1 failed + 1 dead token
            },
            "errors": {
                "connectionFailures": 2,  # a refresh and a sync that found the platform down
                "tokenExpirations": 1,
                "syncFailures": 2,
                "webhookFailures": 0,
            },
        },
        "message": "Organization metrics retrieved successfully",
    }


@pytest.mark.django_db
def test_metrics_without_activity_say_so(api):
    metrics = api.get("/social/metrics?dateFrom=2025-11-01&dateTo=2025-11-10").json()["metrics"]

    assert metrics["dateRange"] == {"from": "2025-11-01", "to": "2025-11-10"}
    assert metrics["integration"] == {
        "totalAccounts": 0,
        "activeAccounts": 0,
        "platformDistribution": {},
        "averageSyncTime": None,
        "tokenRefreshRate": None,
    }


@pytest.mark.django_db
def test_a_reversed_range_is_400(api):
    response = api.get("/social/metrics?dateFrom=2025-11-10&dateTo=2025-11-01")

    assert response.status_code == 400
    assert response.json()["message"] == ["dateFrom must not be after dateTo"]
