"""Request and response shapes of the sync, stats and metrics endpoints (camelCase)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from analytics.models import SyncRun, SyncType
from analytics.selectors import DateRange
from analytics.services import SyncOptions
from vchata_social.api import QueryParametersSerializer

DEFAULT_RANGE_DAYS = 30


class SyncRequestSerializer(serializers.Serializer):
    syncType = serializers.ChoiceField(
        choices=SyncType.choices,
        default=SyncType.INCREMENTAL,
        error_messages={"invalid_choice": "must be one of " + ", ".join(SyncType.values)},
        help_text="incremental (the default) reads only what is new since the last "
        "successful sync; full reads everything again",
    )
    includePosts = serializers.BooleanField(default=True)
    includeFollowers = serializers.BooleanField(default=True)
    includeEngagement = serializers.BooleanField(default=True)

    def to_options(self) -> SyncOptions:
        data = self.validated_data
        return SyncOptions(
            sync_type=data["syncType"],
            include_posts=data["includePosts"],
            include_followers=data["includeFollowers"],
            include_engagement=data["includeEngagement"],
        )


class SyncResultSerializer(serializers.ModelSerializer):
    """A finished run, as the spec's syncResult."""

    syncType = serializers.CharField(source="sync_type")
    postsSynced = serializers.IntegerField(source="posts_synced")
    followersSynced = serializers.IntegerField(source="followers_synced")
    engagementSynced = serializers.IntegerField(source="engagement_synced")
    syncDuration = serializers.FloatField(source="duration_seconds", allow_null=True)
    lastSyncAt = serializers.DateTimeField(source="finished_at")

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "syncType",
            "postsSynced",
            "followersSynced",
            "engagementSynced",
            "syncDuration",
            "lastSyncAt",
        ]
        read_only_fields = fields


class SyncRunSerializer(serializers.ModelSerializer):
    """A run at any stage: its counts grow while it is RUNNING."""

    socialAccountId = serializers.CharField(source="social_account_id")
    syncType = serializers.CharField(source="sync_type")
    postsSynced = serializers.IntegerField(source="posts_synced")
    followersSynced = serializers.IntegerField(source="followers_synced")
    engagementSynced = serializers.IntegerField(source="engagement_synced")
    syncDuration = serializers.FloatField(source="duration_seconds", allow_null=True)
    startedAt = serializers.DateTimeField(source="started_at")
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)
    error = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "socialAccountId",
            "syncType",
            "status",
            "postsSynced",
            "followersSynced",
            "engagementSynced",
            "syncDuration",
            "startedAt",
            "finishedAt",
            "error",
        ]
        read_only_fields = fields

    def get_error(self, run: SyncRun) -> str | None:
        return run.error or None


class DateRangeSerializer(QueryParametersSerializer):
    """`dateFrom` and `dateTo` (YYYY-MM-DD, both included); the last 30 days by default."""

    dateFrom = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    dateTo = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])

    def validate(self, attrs):
        today = timezone.now().date()
        end = attrs.get("dateTo") or today
        start = attrs.get("dateFrom") or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            raise serializers.ValidationError("dateFrom must not be after dateTo")
        longest = settings.STATS_MAX_RANGE_DAYS
        if (end - start).days + 1 > longest:
            raise serializers.ValidationError(f"the date range may span at most {longest} days")
        return {"period": DateRange(start, end)}


# `from` is a Python keyword, so this serializer is built from a dict of its fields.
DateRangeOutSerializer = type(
    "DateRangeOutSerializer",
    (serializers.Serializer,),
    {"from": serializers.DateField(source="start"), "to": serializers.DateField(source="end")},
)


class TopPostSerializer(serializers.Serializer):
    id = serializers.CharField()
    engagement = serializers.IntegerField()
    reach = serializers.IntegerField()


class TrendDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    followers = serializers.IntegerField(allow_null=True)
    engagement = serializers.IntegerField()
    reach = serializers.IntegerField()


class OverviewSerializer(serializers.Serializer):
    totalPosts = serializers.IntegerField(source="total_posts")
    totalFollowers = serializers.IntegerField(source="total_followers")
    totalEngagement = serializers.IntegerField(source="total_engagement")
    totalReach = serializers.IntegerField(source="total_reach")
    totalClicks = serializers.IntegerField(source="total_clicks")


class EngagementSerializer(serializers.Serializer):
    averageEngagementRate = serializers.FloatField(source="average_engagement_rate")
    averageClickThroughRate = serializers.FloatField(source="average_click_through_rate")
    topEngagingPost = TopPostSerializer(source="top_engaging_post", allow_null=True)


class GrowthSerializer(serializers.Serializer):
    followerGrowth = serializers.IntegerField(source="follower_growth")
    engagementGrowth = serializers.FloatField(source="engagement_growth", allow_null=True)
    reachGrowth = serializers.FloatField(source="reach_growth", allow_null=True)


class AccountStatsSerializer(serializers.Serializer):
    socialAccountId = serializers.CharField(source="social_account_id")
    platform = serializers.CharField()
    dateRange = DateRangeOutSerializer(source="date_range")
    overview = OverviewSerializer(source="*")
    engagement = EngagementSerializer(source="*")
    growth = GrowthSerializer(source="*")
    trends = TrendDaySerializer(many=True)


class IntegrationMetricsSerializer(serializers.Serializer):
    totalAccounts = serializers.IntegerField(source="total_accounts")
    activeAccounts = serializers.IntegerField(source="active_accounts")
    platformDistribution = serializers.DictField(
        child=serializers.IntegerField(), source="platform_distribution"
    )
    averageSyncTime = serializers.FloatField(source="average_sync_time", allow_null=True)
    tokenRefreshRate = serializers.FloatField(source="token_refresh_rate", allow_null=True)


class ErrorMetricsSerializer(serializers.Serializer):
    connectionFailures = serializers.IntegerField(source="connection_failures")
    tokenExpirations = serializers.IntegerField(source="token_expirations")
    syncFailures = serializers.IntegerField(source="sync_failures")
    webhookFailures = serializers.IntegerField(source="webhook_failures")


class OrganizationMetricsSerializer(serializers.Serializer):
    organizationId = serializers.CharField(source="organization_id")
    dateRange = DateRangeOutSerializer(source="date_range")
    integration = IntegrationMetricsSerializer(source="*")
    errors = ErrorMetricsSerializer(source="*")
