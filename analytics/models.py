from django.db import models
from django.db.models import Q

from accounts.models import SocialAccount, SocialPage
from vchata_social.ids import PrefixedIdField


class SyncType(models.TextChoices):
    FULL = "full", "Full"
    # Only what is new since the last successful sync (everything, when there was none).
    INCREMENTAL = "incremental", "Incremental"


class SyncStatus(models.TextChoices):
    RUNNING = "RUNNING", "Running"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"


class SyncRun(models.Model):
    """One sync of one account. Its counts grow while it runs, so that a caller polling it
    sees progress; at most one run of an account is RUNNING (a constraint, not a hope)."""

    id = PrefixedIdField(prefix="sync")
    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="sync_runs"
    )
    sync_type = models.CharField(max_length=16, choices=SyncType.choices)
    include_posts = models.BooleanField(default=True)
    include_followers = models.BooleanField(default=True)
    include_engagement = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    posts_synced = models.PositiveIntegerField(default=0)
    followers_synced = models.PositiveBigIntegerField(default=0)
    engagement_synced = models.PositiveBigIntegerField(default=0)
    # Where posts were asked from: the start of the last successful run (incremental only).
    since = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    # Set by the one worker that carries the run out, and refreshed as it goes (a heartbeat):
    # a task delivered twice finds it taken, unless that worker was lost.
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What went wrong, as the client may see it, and the HTTP status it maps to.
    error = models.TextField(blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account"],
                condition=Q(status="RUNNING"),
                name="sync_run_one_running_per_account",
            )
        ]
        indexes = [
            models.Index(fields=["social_account", "-started_at"], name="sync_run_account_recent"),
            models.Index(fields=["status", "started_at"], name="sync_run_status_started"),
        ]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.sync_type} sync {self.id} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class Post(models.Model):
    """A published post with its metrics as of the last sync that saw it. Upserted by
    (account, platform post id): syncing twice updates, never duplicates."""

    id = PrefixedIdField(prefix="post")
    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="posts"
    )
    page = models.ForeignKey(
        SocialPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    platform_post_id = models.CharField(max_length=255)
    published_at = models.DateTimeField()
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    likes = models.PositiveBigIntegerField(default=0)
    comments = models.PositiveBigIntegerField(default=0)
    shares = models.PositiveBigIntegerField(default=0)
    views = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    # likes + comments + shares, stored so that ranking and sums stay in the database.
    engagement = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account", "platform_post_id"], name="post_unique_per_account"
            )
        ]
        indexes = [
            models.Index(fields=["social_account", "published_at"], name="post_account_published"),
        ]
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.platform_post_id


class DailyMetric(models.Model):
    """One day of one account: followers at the end of the day, and that day's engagement,
    reach, clicks and posts published. Kept for METRICS_RETENTION_DAYS, so trends and growth
    outlive the platforms' own insight windows."""

    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="daily_metrics"
    )
    day = models.DateField()
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    engagement = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account", "day"], name="daily_metric_unique_per_account_day"
            )
        ]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.social_account_id} {self.day}"
