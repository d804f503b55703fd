"""Sync through the API, against TikTok's documented answers served at the HTTP boundary."""

import copy
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AccountStatus, AuditLog, SocialAccount, SocialPage
from accounts.platforms.tests.support import load_fixture
from accounts.services import SYSTEM
from accounts.tests.clients import client_for
from analytics.models import DailyMetric, Post, SyncRun, SyncStatus
from analytics.services import _UPSERT_POSTS, SyncOptions, sync_run_execute, sync_run_start
from analytics.tests.conftest import NOW, USER_INFO, VIDEO_LIST

# Transactional: a sync is handed to its worker when the starting transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

VIDEOS = {  # id: (published, likes + comments + shares, views)
    "7573412280349654302": (datetime(2025, 11, 18, 15, 30, tzinfo=UTC), 1204 + 87 + 45, 18342),
    "7573102947561236766": (datetime(2025, 11, 17, 18, 5, 12, tzinfo=UTC), 633 + 21 + 12, 9051),
}


def sync(api, account, **body):
    return api.post(f"/social/accounts/{account.pk}/sync", body, format="json")


def test_a_full_sync_stores_pages_posts_history_and_the_summary(
    api, tiktok_account, tiktok_profile_and_videos
):
    tiktok_profile_and_videos()

    response = sync(api, tiktok_account, syncType="full")

    assert response.status_code == 200, response.json()
    body = response.json()
    run = SyncRun.objects.get()
    engagement = sum(Post.objects.values_list("engagement", flat=True))
    assert body == {
        "success": True,
        "syncResult": {
            "id": run.pk,
            "syncType": "full",
            "postsSynced": 3,
            "followersSynced": 5120,
            "engagementSynced": engagement,
            "syncDuration": 0.0,
            "lastSyncAt": "2025-11-19T12:00:00Z",
        },
        "message": "Account data synced successfully",
    }
    newest = Post.objects.get(platform_post_id="7573412280349654302")
    assert (newest.published_at, newest.engagement, newest.views, newest.reach) == (
        *VIDEOS["7573412280349654302"][:2],
        18342,
        18342,
    )
    page = SocialPage.objects.get()
    assert (page.platform_page_id, page.followers_count, page.last_post_date) == (
        "723f24d7-e717-40f8-a2b6-cb8464cd23b4",
        5120,
        newest.published_at,
    )
    listed = api.get("/social/accounts").json()["socialAccounts"][0]
    assert listed["lastSyncAt"] == "2025-11-19T12:00:00Z"
    assert listed["stats"] == {
        "totalPosts": 3,
        "totalFollowers": 5120,
        "totalEngagement": engagement,
        "lastPostDate": "2025-11-18T15:30:00Z",
    }


def test_a_sync_writes_one_history_row_a_day(
    api, tiktok_account, tiktok_profile_and_videos, settings
):
    settings.SYNC_HISTORY_DAYS = 7
    tiktok_profile_and_videos()

    sync(api, tiktok_account, syncType="full")

    rows = {row.day: row for row in DailyMetric.objects.filter(social_account=tiktok_account)}
    assert sorted(rows) == [date(2025, 11, 13) + timedelta(days=n) for n in range(7)]
    # TikTok reports no daily figures: a day adds up the videos published on it.
    published_18th, engagement_18th, views_18th = VIDEOS["7573412280349654302"]
    assert (rows[date(2025, 11, 18)].posts, rows[date(2025, 11, 18)].engagement) == (
        1,
        engagement_18th,
    )
    assert rows[date(2025, 11, 18)].reach == views_18th
    assert rows[date(2025, 11, 16)].posts == 0
    # Followers are known for today only: the platform gave no daily totals.
    assert rows[date(2025, 11, 19)].followers == 5120
    assert rows[date(2025, 11, 18)].followers is None


def test_running_the_same_sync_again_updates_metrics_and_never_duplicates(
    api, tiktok_account, tiktok_profile_and_videos
):
    tiktok_profile_and_videos()
    sync(api, tiktok_account, syncType="full")
    tiktok_profile_and_videos(v7573412280349654302=5000)

    response = sync(api, tiktok_account, syncType="full")

    assert response.status_code == 200
    assert Post.objects.count() == 3
    assert SocialPage.objects.count() == 1
    assert Post.objects.get(platform_post_id="7573412280349654302").likes == 5000
    assert DailyMetric.objects.filter(social_account=tiktok_account).count() == 90


def test_an_incremental_sync_asks_only_for_what_is_new(
    api, tiktok_account, tiktok_profile_and_videos, platforms
):
    tiktok_profile_and_videos()
    sync(api, tiktok_account, syncType="full")
    # TikTok lists newest first with no "since": reading stops at the first video older
    # than the last successful sync, so the second page is never asked for.
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(VIDEO_LIST, json=load_fixture("tiktok", "video_list_first"))
    calls_before = len(platforms.calls)

    response = sync(api, tiktok_account, syncType="incremental")

    assert response.status_code == 200
    assert response.json()["syncResult"]["postsSynced"] == 0
    assert len(platforms.calls) - calls_before == 2
    assert SyncRun.objects.get(sync_type="incremental").since == NOW


def test_a_failure_midway_fails_the_run_and_marks_nothing_synced(
    api, tiktok_account, platforms, settings
):
    settings.SYNC_BATCH_SIZE = 2  # the first page's two videos are one written batch
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(VIDEO_LIST, json=load_fixture("tiktok", "video_list_first"))
    platforms.post(VIDEO_LIST, status=503)

    response = sync(api, tiktok_account, syncType="full")

    assert response.status_code == 502
    assert response.json() == {
        "success": False,
        "statusCode": 502,
        "message": "Social media platform temporarily unavailable",
        "error": "Bad Gateway",
    }
    run = SyncRun.objects.get()
    assert (run.status, run.error, run.error_status) == (
        SyncStatus.FAILED,
        "Social media platform temporarily unavailable",
        502,
    )
    account = SocialAccount.objects.get(pk=tiktok_account.pk)
    assert (account.last_sync_at, account.stats_total_posts) == (None, 0)
    assert not DailyMetric.objects.exists()
    # The first page's videos were really read and stay; the next incremental sync starts
    # where the last successful one did, so nothing is skipped.
    assert Post.objects.count() == 2
    assert run.posts_synced == 2


def test_a_token_the_platform_rejects_sends_the_account_to_reauth(api, tiktok_account, platforms):
    platforms.get(USER_INFO, status=401, json=load_fixture("tiktok", "access_token_invalid"))

    response = sync(api, tiktok_account)

    assert response.status_code == 409
    assert SocialAccount.objects.get(pk=tiktok_account.pk).status == AccountStatus.REAUTH_REQUIRED
    assert AuditLog.objects.filter(action="social_account.reauth_required").count() == 1


def test_an_account_waiting_for_reconnection_is_refused(api, tiktok_account, platforms):
    SocialAccount.objects.filter(pk=tiktok_account.pk).update(status=AccountStatus.REAUTH_REQUIRED)

    response = sync(api, tiktok_account)

    assert response.status_code == 409
    assert response.json()["message"] == (
        "The platform rejected the account's token; reconnect the account"
    )
    assert not SyncRun.objects.exists()


def test_a_second_sync_answers_with_the_running_one(api, tiktok_account):
    running = SyncRun.objects.create(social_account=tiktok_account, sync_type="full")

    response = sync(api, tiktok_account, syncType="full")

    assert response.status_code == 202
    body = response.json()
    assert body["message"] == "A sync of this account is already running"
    assert body["syncRun"]["id"] == running.pk
    assert SyncRun.objects.count() == 1


def test_a_run_whose_worker_was_lost_does_not_block_the_next_sync(
    api, tiktok_account, tiktok_profile_and_videos, settings
):
    lost = SyncRun.objects.create(social_account=tiktok_account, sync_type="full")
    SyncRun.objects.filter(pk=lost.pk).update(
        started_at=NOW - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS + 1)
    )
    tiktok_profile_and_videos()

    assert sync(api, tiktok_account, syncType="full").status_code == 200
    lost.refresh_from_db()
    assert (lost.status, lost.error) == (
        SyncStatus.FAILED,
        "The sync stopped without finishing (its worker was lost)",
    )


def test_two_syncs_started_at_once_make_one_run(tiktok_account):
    barrier = threading.Barrier(4)
    starts = []

    def start():
        barrier.wait()
        try:
            starts.append(
                sync_run_start(
                    organization=None,
                    account_id=tiktok_account.pk,
                    actor=SYSTEM,
                    options=SyncOptions(),
                    enqueue=False,
                )
            )
        finally:
            close_old_connections()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert SyncRun.objects.count() == 1
    assert sorted(start.already_running for start in starts) == [False, True, True, True]
    assert {start.run.pk for start in starts} == {SyncRun.objects.get().pk}


def test_a_sync_still_running_answers_202_and_is_polled_to_its_end(
    api, tiktok_account, tiktok_profile_and_videos, settings
):
    settings.SYNC_WAIT_SECONDS = 0
    # No worker has taken the task yet: it waits in the (real Redis) queue.
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = sync(api, tiktok_account, syncType="full")

    assert response.status_code == 202
    body = response.json()
    run = SyncRun.objects.get()
    assert body["message"] == "Sync started; follow statusUrl for its progress"
    assert (
        body["statusUrl"]
        == f"http://testserver/social/accounts/{tiktok_account.pk}/sync-runs/{run.pk}"
    )
    assert body["syncRun"]["status"] == "RUNNING"
    status_url = body["statusUrl"].removeprefix("http://testserver")
    assert api.get(status_url).json()["syncRun"]["postsSynced"] == 0

    tiktok_profile_and_videos()
    from analytics.tasks import run_sync

    assert run_sync.apply(args=[run.pk]).get() == "SUCCEEDED"
    polled = api.get(status_url).json()["syncRun"]
    assert (polled["status"], polled["postsSynced"], polled["error"]) == ("SUCCEEDED", 3, None)


def test_posts_are_written_one_upsert_per_batch(
    api, tiktok_account, tiktok_profile_and_videos, settings
):
    settings.SYNC_BATCH_SIZE = 2
    tiktok_profile_and_videos()

    with CaptureQueriesContext(connection) as queries:
        sync(api, tiktok_account, syncType="full")

    statements = [" ".join(q["sql"].split()) for q in queries]
    post_writes = [sql for sql in statements if sql.startswith("INSERT INTO analytics_post")]
    # Two pages of videos (2 + 1): one batch of 2 from the first page, one of 1 from the second.
    assert len(post_writes) == 2
    assert all("ON CONFLICT" in sql for sql in post_writes)


def test_a_post_synced_again_takes_every_figure_and_keeps_its_id_and_creation(
    api, tiktok_account, platforms
):
    def answer_videos(first: dict) -> None:
        last = load_fixture("tiktok", "video_list_last")
        platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
        platforms.post(VIDEO_LIST, json=first)
        platforms.post(VIDEO_LIST, json=last)

    answer_videos(load_fixture("tiktok", "video_list_first"))
    sync(api, tiktok_account, syncType="full")
    Post.objects.update(updated_at=NOW - timedelta(days=1))  # time stands still here
    before = Post.objects.get(platform_post_id="7573412280349654302")
    edited = copy.deepcopy(load_fixture("tiktok", "video_list_first"))
    video = edited["data"]["videos"][0]
    video.update(
        video_description="Edited",
        create_time=video["create_time"] - 60,
        share_url="https://www.tiktok.com/@acmestudio/video/7573412280349654302?v=2",
        view_count=20000,
        like_count=1300,
        comment_count=90,
        share_count=50,
    )
    answer_videos(edited)

    sync(api, tiktok_account, syncType="full")

    after = Post.objects.get(platform_post_id="7573412280349654302")
    assert (after.pk, after.created_at, after.page_id) == (
        before.pk,
        before.created_at,
        before.page_id,
    )
    assert after.updated_at == NOW
    assert (after.text, after.url, after.published_at) == (
        "Edited",
        video["share_url"],
        before.published_at - timedelta(seconds=60),
    )
    figures = ("likes", "comments", "shares", "views", "reach", "clicks", "engagement")
    assert [getattr(after, name) for name in figures] == [1300, 90, 50, 20000, 20000, 0, 1440]
    assert Post.objects.count() == 3


def test_the_post_upsert_writes_every_column_of_a_post():
    sql = " ".join(_UPSERT_POSTS.split())
    written = sql.split("(", 1)[1].split(")", 1)[0]
    assert [column.strip() for column in written.split(",")] == [
        field.column for field in Post._meta.concrete_fields
    ]


def test_a_url_longer_than_the_column_is_cut_and_a_text_of_any_length_kept(
    api, tiktok_account, platforms
):
    answer = copy.deepcopy(load_fixture("tiktok", "video_list_first"))
    answer["data"]["has_more"] = False
    answer["data"]["videos"][0].update(
        share_url="https://www.tiktok.com/" + "a" * 1200, video_description="é" * 5000
    )
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(VIDEO_LIST, json=answer)

    sync(api, tiktok_account, syncType="full")

    post = Post.objects.get(platform_post_id="7573412280349654302")
    assert post.url == ("https://www.tiktok.com/" + "a" * 1200)[:1000]
    assert post.text == "é" * 5000


@pytest.mark.parametrize(
    "path",
    ["/social/accounts/{}/sync", "/social/accounts/{}/pages", "/social/accounts/{}/stats"],
)
def test_another_organizations_account_answers_404(
    tiktok_account, other_organization, membership_with_role, path
):
    outsider = client_for(membership_with_role(org=other_organization))
    url = path.format(tiktok_account.pk)

    response = outsider.post(url, {}, format="json") if url.endswith("sync") else outsider.get(url)

    assert response.status_code == 404
    assert response.json()["message"] == "Social account not found"


def test_another_organizations_sync_run_answers_404(
    tiktok_account, other_organization, membership_with_role
):
    run = SyncRun.objects.create(social_account=tiktok_account, sync_type="full")
    outsider = client_for(membership_with_role(org=other_organization))

    response = outsider.get(f"/social/accounts/{tiktok_account.pk}/sync-runs/{run.pk}")

    assert response.status_code == 404
    assert response.json()["message"] == "Sync run not found"


def test_a_viewer_cannot_start_a_sync(tiktok_account, membership_with_role):
    viewer = client_for(membership_with_role("viewer"))

    response = sync(viewer, tiktok_account)

    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_an_unknown_sync_type_is_400(api, tiktok_account):
    response = sync(api, tiktok_account, syncType="partial")

    assert response.status_code == 400
    assert response.json()["message"] == ["syncType must be one of full, incremental"]


def test_a_run_delivered_twice_is_carried_out_once(tiktok_account, platforms):
    run = SyncRun.objects.create(social_account=tiktok_account, sync_type="full")
    SyncRun.objects.filter(pk=run.pk).update(claimed_at=NOW)  # a first delivery has it

    again = sync_run_execute(run_id=run.pk)

    assert again.status == SyncStatus.RUNNING
    assert len(platforms.calls) == 0


def test_a_sync_drops_the_accounts_cached_stats(api, tiktok_account, tiktok_profile_and_videos):
    stats_url = f"/social/accounts/{tiktok_account.pk}/stats"
    assert api.get(stats_url).json()["stats"]["overview"]["totalPosts"] == 0  # now cached
    tiktok_profile_and_videos()

    sync(api, tiktok_account, syncType="full")

    assert api.get(stats_url).json()["stats"]["overview"]["totalPosts"] == 3


def test_a_post_listed_twice_in_one_batch_is_written_once(api, tiktok_account, platforms, settings):
    # The second page repeats the first (a post published meanwhile shifted the paging).
    first = load_fixture("tiktok", "video_list_first")
    repeated = {**first, "data": {**first["data"], "has_more": False}}
    platforms.get(USER_INFO, json=load_fixture("tiktok", "user_info_page"))
    platforms.post(VIDEO_LIST, json=first)
    platforms.post(VIDEO_LIST, json=repeated)

    response = sync(api, tiktok_account, syncType="full")

    assert response.status_code == 200
    assert response.json()["syncResult"]["postsSynced"] == 2
    assert Post.objects.count() == 2


def test_a_sync_shows_in_the_account_list_at_once(api, tiktok_account, tiktok_profile_and_videos):
    def listed_stats():
        return api.get("/social/accounts").json()["socialAccounts"][0]["stats"]

    assert listed_stats()["totalPosts"] == 0
    assert listed_stats()["totalPosts"] == 0  # now from the cache
    tiktok_profile_and_videos()

    sync(api, tiktok_account, syncType="full")

    assert listed_stats()["totalPosts"] == 3
