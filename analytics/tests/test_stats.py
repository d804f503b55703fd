"""Account stats: every figure against values worked out by hand on a fixture of four weeks."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import membership_access_with_stats_version
from accounts.tests.clients import client_for
from analytics import stats_cache
from analytics.models import DailyMetric, Post

TODAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
STATS = "/social/accounts/{}/stats?dateFrom=2026-11-01&dateTo=2026-11-14"
MISSING_DAY = date(2026, 11, 5)


@pytest.fixture(autouse=True)
def _today():
    """Before every other fixture, so that the API's tokens are issued at this time too."""
    with time_machine.travel(TODAY, tick=False):
        yield


def day_row(account, day: date, *, followers, engagement, reach, clicks):
    return DailyMetric(
        social_account=account,
        day=day,
        followers=followers,
        engagement=engagement,
        reach=reach,
        clicks=clicks,
    )


def post(account, platform_post_id: str, published_at: datetime, engagement: int, reach: int):
    return Post.objects.create(
        social_account=account,
        platform_post_id=platform_post_id,
        published_at=published_at,
        likes=engagement,
        engagement=engagement,
        reach=reach,
    )


@pytest.fixture
def history(account_factory):
    """Oct 18-31 (the previous period): engagement 10, reach 100, clicks 2 a day, followers
    1000 → 1013. Nov 1-14 but the 5th: engagement 15, reach 120, clicks 3 a day, followers
    1013 + day of the month."""
    account = account_factory(platform="TIKTOK", stats_total_followers=1027)
    rows = []
    for offset in range(14):
        day = date(2026, 10, 18) + timedelta(days=offset)
        rows.append(
            day_row(account, day, followers=1000 + offset, engagement=10, reach=100, clicks=2)
        )
    for offset in range(14):
        day = date(2026, 11, 1) + timedelta(days=offset)
        if day != MISSING_DAY:
            rows.append(
                day_row(account, day, followers=1014 + offset, engagement=15, reach=120, clicks=3)
            )
    DailyMetric.objects.bulk_create(rows)
    post(account, "early", datetime(2026, 11, 2, 9, tzinfo=UTC), engagement=50, reach=500)
    post(account, "tied-older", datetime(2026, 11, 3, 9, tzinfo=UTC), engagement=80, reach=700)
    post(account, "tied-newer", datetime(2026, 11, 9, 9, tzinfo=UTC), engagement=80, reach=900)
    post(account, "before", datetime(2026, 10, 30, 9, tzinfo=UTC), engagement=999, reach=1)
    return account


@pytest.mark.django_db
def test_stats_match_the_hand_computed_figures(api, history):
    response = api.get(STATS.format(history.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Account statistics retrieved successfully"
    stats = body["stats"]
    top = Post.objects.get(platform_post_id="tied-newer")
    assert {key: stats[key] for key in stats if key != "trends"} == {
        "socialAccountId": history.pk,
        "platform": "TIKTOK",
        "dateRange": {"from": "2026-11-01", "to": "2026-11-14"},
        "overview": {
            "totalPosts": 3,
            "totalFollowers": 1027,
            "totalEngagement": 13 * 15,
            "totalReach": 13 * 120,
            "totalClicks": 13 * 3,
        },
        "engagement": {
            "averageEngagementRate": 12.5,  # 195 / 1560
            "averageClickThroughRate": 2.5,  # 39 / 1560
            "topEngagingPost": {"id": top.pk, "engagement": 80, "reach": 900},
        },
        "growth": {
            "followerGrowth": 14,  # 1027 at the end, 1013 on the eve
            "engagementGrowth": 39.3,  # (195 - 140) / 140
            "reachGrowth": 11.4,  # (1560 - 1400) / 1400
        },
    }
    assert len(stats["trends"]) == 14
    assert stats["trends"][0] == {
        "date": "2026-11-01",
        "followers": 1014,
        "engagement": 15,
        "reach": 120,
    }
    # A day without history carries the followers on and counts nothing.
    assert stats["trends"][4] == {
        "date": "2026-11-05",
        "followers": 1017,
        "engagement": 0,
        "reach": 0,
    }
    assert stats["trends"][-1]["followers"] == 1027


@pytest.mark.django_db
def test_an_account_without_history_has_zeros_and_no_growth(api, account_factory):
    account = account_factory(stats_total_followers=40)

    stats = api.get(STATS.format(account.pk)).json()["stats"]

    assert stats["overview"] == {
        "totalPosts": 0,
        "totalFollowers": 40,
        "totalEngagement": 0,
        "totalReach": 0,
        "totalClicks": 0,
    }
    assert stats["engagement"] == {
        "averageEngagementRate": 0.0,
        "averageClickThroughRate": 0.0,
        "topEngagingPost": None,
    }
    assert stats["growth"] == {"followerGrowth": 0, "engagementGrowth": None, "reachGrowth": None}
    assert [day["followers"] for day in stats["trends"]] == [None] * 14


@pytest.mark.django_db
def test_missing_dates_default_to_the_last_30_days(api, history):
    stats = api.get(f"/social/accounts/{history.pk}/stats").json()["stats"]

    assert stats["dateRange"] == {"from": "2026-10-22", "to": "2026-11-20"}
    assert len(stats["trends"]) == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dateFrom=2026-11-10&dateTo=2026-11-01", "dateFrom must not be after dateTo"),
        ("dateFrom=2024-01-01&dateTo=2026-11-01", "the date range may span at most 366 days"),
        (
            "dateFrom=yesterday",
            "dateFrom date has wrong format. Use one of these formats instead: YYYY-MM-DD",
        ),
    ],
)
def test_bad_ranges_are_400_naming_the_problem(api, history, query, message):
    response = api.get(f"/social/accounts/{history.pk}/stats?{query}")

    assert response.status_code == 400
    assert response.json()["message"] == [message]


@pytest.mark.django_db
def test_stats_cost_a_bounded_number_of_queries(api, history, django_assert_max_num_queries):
    # Membership, account, daily history, followers before, post count, top post.
    with django_assert_max_num_queries(6):
        assert api.get(STATS.format(history.pk)).status_code == 200


@pytest.mark.django_db
def test_a_cached_answer_does_not_read_every_account_of_the_organization(
    api, history, account_factory
):
    """The version of the organization's accounts, which the account list caches by, reads
    each of their rows: the stats, cached by their account's own version, never ask for it."""
    for _ in range(5):
        account_factory(organization=history.organization)
    api.get(STATS.format(history.pk))  # now cached

    with CaptureQueriesContext(connection) as queries:
        assert api.get(STATS.format(history.pk)).status_code == 200

    [query] = queries
    assert "string_agg" not in query["sql"]
    assert "account.id = " in query["sql"]


@pytest.mark.django_db
def test_a_cached_answer_is_served_until_the_account_syncs(
    api, history, django_assert_max_num_queries
):
    first = api.get(STATS.format(history.pk)).json()
    DailyMetric.objects.filter(social_account=history).update(engagement=1000)

    with django_assert_max_num_queries(1):  # the membership only
        assert api.get(STATS.format(history.pk)).json() == first

    stats_cache.invalidate(history.pk)
    fresh = api.get(STATS.format(history.pk)).json()["stats"]
    assert fresh["overview"]["totalEngagement"] == 13 * 1000


@pytest.mark.django_db
def test_another_organizations_account_has_no_stats(
    history, other_organization, membership_with_role
):
    outsider = client_for(membership_with_role(org=other_organization))

    response = outsider.get(STATS.format(history.pk))

    assert response.status_code == 404
    assert response.json()["message"] == "Social account not found"


@pytest.mark.django_db
def test_a_cached_answer_is_the_same_bytes_as_a_computed_one(api, history):
    computed = api.get(STATS.format(history.pk))
    cached = api.get(STATS.format(history.pk))

    assert computed.status_code == cached.status_code == 200
    assert cached["Content-Type"] == "application/json"
    assert cached.content == computed.content
    assert computed.json()["message"] == "Account statistics retrieved successfully"


def stats_access(membership, account_id):
    return membership_access_with_stats_version(
        user_id=membership.user_id,
        organization_id=membership.organization_id,
        account_id=account_id,
    )


@pytest.mark.django_db
def test_an_answer_computed_while_a_sync_ended_is_not_served_after_it(history, admin_membership):
    def computed_as_a_sync_ends():
        stats_cache.invalidate(history.pk)  # the sync commits while the answer is computed
        return b"before the sync"

    november = ("2026-11-01", "2026-11-14")
    before = stats_access(admin_membership, history.pk)
    stats_cache.cached_stats(before, history.pk, *november, computed_as_a_sync_ends)
    after = stats_access(admin_membership, history.pk)
    answer = stats_cache.cached_stats(after, history.pk, *november, lambda: b"after the sync")

    assert answer == b"after the sync"


@pytest.mark.django_db
def test_invalidating_bumps_the_version_every_process_reads(history, admin_membership):
    before = stats_access(admin_membership, history.pk).stats_version

    stats_cache.invalidate(history.pk)

    assert stats_access(admin_membership, history.pk).stats_version == before + 1


@pytest.mark.django_db
def test_a_disconnected_account_has_no_stats_even_cached(
    api, history, django_capture_on_commit_callbacks
):
    assert api.get(STATS.format(history.pk)).status_code == 200  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/social/accounts/{history.pk}").status_code == 200

    assert api.get(STATS.format(history.pk)).status_code == 404


@pytest.mark.django_db
def test_a_deleted_account_has_no_stats_even_cached(api, history):
    url = STATS.format(history.pk)
    assert api.get(url).status_code == 200  # now cached

    history.delete()

    assert api.get(url).status_code == 404


@pytest.mark.django_db
def test_another_organization_is_not_served_an_answer_cached_for_the_owner(
    api, history, other_organization, membership_with_role
):
    assert api.get(STATS.format(history.pk)).status_code == 200  # cached for the owner
    outsider = client_for(membership_with_role(org=other_organization))

    assert outsider.get(STATS.format(history.pk)).status_code == 404


@pytest.mark.django_db
def test_an_unknown_account_has_no_version_and_no_stats(api, admin_membership):
    access = stats_access(admin_membership, "social_nosuchaccount00")

    assert access.role == admin_membership.role
    assert access.stats_version is None
    assert api.get(STATS.format("social_nosuchaccount00")).status_code == 404
