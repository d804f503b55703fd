"""The beat entry and the refresh task: which accounts are due, and what each outcome does."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts import tasks
from accounts.models import AccountStatus, SocialAccount
from accounts.platforms.tests.support import REFRESH_CALLS, load_fixture
from accounts.selectors import social_accounts_due_for_refresh


def in_(**delta):
    return timezone.now() + timedelta(**delta)


# The accounts of `accounts_by_expiry` the schedule must pick, and only those.
DUE = ("twitter_due", "linkedin_due", "expired", "other_org_due")


@pytest.fixture
def accounts_by_expiry(account_factory, other_organization):
    """Each platform's lead decides: X (20 min) is due at 10 minutes, not at 3 hours; YouTube
    (15 min) is not due at 30 minutes but is at 5; LinkedIn (7 days) is due at 5 days, not at
    30. Expired is always due; no expiry, re-auth and disconnected never are."""
    return {
        "twitter_due": account_factory(platform="TWITTER", token_expires_at=in_(minutes=10)),
        "twitter_later": account_factory(platform="TWITTER", token_expires_at=in_(hours=3)),
        "youtube_later": account_factory(platform="YOUTUBE", token_expires_at=in_(minutes=30)),
        "linkedin_due": account_factory(platform="LINKEDIN", token_expires_at=in_(days=5)),
        "linkedin_later": account_factory(platform="LINKEDIN", token_expires_at=in_(days=30)),
        "expired": account_factory(platform="TIKTOK", token_expires_at=in_(minutes=-1)),
        "never_expires": account_factory(platform="FACEBOOK", token_expires_at=None),
        "reauth": account_factory(
            platform="TWITTER",
            token_expires_at=in_(minutes=1),
            status=AccountStatus.REAUTH_REQUIRED,
        ),
        "disconnected": account_factory(
            platform="TWITTER", token_expires_at=in_(minutes=1), disconnected_at=timezone.now()
        ),
        "other_org_due": account_factory(
            platform="YOUTUBE", token_expires_at=in_(minutes=5), organization=other_organization
        ),
    }


@pytest.mark.django_db
def test_only_due_accounts_are_selected(accounts_by_expiry, django_assert_num_queries):
    with django_assert_num_queries(1):
        due = set(social_accounts_due_for_refresh().values_list("pk", flat=True))
    assert due == {accounts_by_expiry[name].pk for name in DUE}


@pytest.mark.django_db
def test_the_due_query_can_use_its_partial_index(accounts_by_expiry, organization):
    # Enough accounts not due that the planner's choice does not hang on the statistics of a
    # handful of rows (which other tests' rolled-back rows sway).
    SocialAccount.objects.bulk_create(
        SocialAccount(
            organization=organization,
            platform="FACEBOOK",
            platform_user_id=f"later-{n}",
            access_token="token",
            token_expires_at=in_(days=60),
        )
        for n in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_socialaccount")
        # Tiny tables are scanned whatever the indexes; forbid that to see the plan for a big one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = social_accounts_due_for_refresh().explain()
    assert "social_account_refresh_due" in plan


@pytest.mark.django_db
def test_the_beat_entry_enqueues_one_refresh_per_due_account(
    accounts_by_expiry, platforms, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(tasks.refresh_social_account_token, "delay", enqueued.append)

    assert tasks.enqueue_due_token_refreshes() == len(DUE)

    assert sorted(enqueued) == sorted(accounts_by_expiry[name].pk for name in DUE)


@pytest.mark.django_db
def test_the_refresh_task_refreshes_a_due_token(platforms, account_factory):
    account = account_factory(platform="TIKTOK", token_expires_at=in_(minutes=5))
    platforms.post(REFRESH_CALLS["TIKTOK"][1], json=load_fixture("tiktok", "refresh_success"))

    result = tasks.refresh_social_account_token.delay(account.pk)

    assert result.get() == "refreshed"
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.token_expires_at > in_(hours=23)


@pytest.mark.django_db
def test_the_refresh_task_leaves_a_token_that_is_no_longer_due(platforms, account_factory):
    account = account_factory(platform="TIKTOK", token_expires_at=in_(days=1))
    assert tasks.refresh_social_account_token.delay(account.pk).get() == "not_needed"


@pytest.mark.django_db
def test_the_refresh_task_retries_transient_failures_then_succeeds(
    platforms, account_factory, settings
):
    settings.PLATFORM_HTTP_MAX_RETRIES = 0
    account = account_factory(platform="TIKTOK", token_expires_at=in_(minutes=5))
    url = REFRESH_CALLS["TIKTOK"][1]
    platforms.post(url, status=502)
    platforms.post(url, json=load_fixture("tiktok", "refresh_success"))

    # apply() runs the retry in-process, as a worker would run it after the countdown.
    result = tasks.refresh_social_account_token.apply(args=[account.pk], throw=False)

    assert result.get() == "refreshed"

    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.status == AccountStatus.ACTIVE
    assert stored.token_refresh_failures == 0


@pytest.mark.django_db
def test_the_refresh_task_records_reauth_and_does_not_retry(platforms, account_factory):
    account = account_factory(platform="TIKTOK", token_expires_at=in_(minutes=5))
    platforms.post(
        REFRESH_CALLS["TIKTOK"][1], status=400, json=load_fixture("tiktok", "invalid_grant")
    )

    assert tasks.refresh_social_account_token.delay(account.pk).get() == "reauth_required"

    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.REAUTH_REQUIRED
    assert account.pk not in set(social_accounts_due_for_refresh().values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_refresh_task_of_a_deleted_account_ends_quietly():
    assert tasks.refresh_social_account_token.delay("social_gone").get() == "gone"
