"""Sync, stats and metrics: thin views that validate, call one service or selector, and
answer in the envelope."""

import time

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from accounts.apis import actor_of
from accounts.authentication import AccountStatsJWTAuthentication, OrganizationJWTScheme
from accounts.selectors import social_account_get
from analytics import selectors, services, stats_cache
from analytics.models import SyncRun, SyncStatus
from analytics.serializers import (
    AccountStatsSerializer,
    DateRangeSerializer,
    OrganizationMetricsSerializer,
    SyncRequestSerializer,
    SyncResultSerializer,
    SyncRunSerializer,
)
from vchata_social.api import envelope, envelope_schema
from vchata_social.errors import ApplicationError
from vchata_social.renderers import EnvelopeJSONRenderer
from vchata_social.schema import error_responses

# How often a waiting sync request looks at its run.
POLL_SECONDS = 0.25

SYNC_STARTED = envelope_schema(
    "SyncStarted",
    syncRun=SyncRunSerializer(),
    statusUrl=serializers.CharField(help_text="Poll this URL for the run's progress"),
)
DATE_RANGE_PARAMETERS = [
    OpenApiParameter(
        "dateFrom", OpenApiTypes.DATE, description="YYYY-MM-DD; default 29 days before dateTo"
    ),
    OpenApiParameter("dateTo", OpenApiTypes.DATE, description="YYYY-MM-DD; default today (UTC)"),
]


class SyncFailed(ApplicationError):
    """A run that ended in failure, answered with the status its error maps to."""

    def __init__(self, run: SyncRun):
        super().__init__(run.error)
        self.status_code = run.error_status or 500


class SocialAccountSyncApi(APIView):
    @extend_schema(
        request=SyncRequestSerializer,
        responses={
            200: envelope_schema("SyncFinished", syncResult=SyncResultSerializer()),
            202: OpenApiResponse(SYNC_STARTED, description="Still running, or already was"),
            **error_responses(409, 502, 503),
        },
        summary="Sync the account's pages, posts, followers and engagement",
    )
    def post(self, request, account_id: str):
        payload = SyncRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        start = services.sync_run_start(
            organization=request.auth.organization,
            account_id=account_id,
            actor=actor_of(request),
            options=payload.to_options(),
        )
        if start.already_running:
            return _started(request, start.run, "A sync of this account is already running")
        run = _wait_for(start.run)
        if run.status == SyncStatus.RUNNING:
            return _started(request, run, "Sync started; follow statusUrl for its progress")
        if run.status == SyncStatus.FAILED:
            raise SyncFailed(run)
        return envelope(
            "Account data synced successfully", syncResult=SyncResultSerializer(run).data
        )


def _wait_for(run: SyncRun) -> SyncRun:
    """The run once it has finished, or as it stands after SYNC_WAIT_SECONDS."""
    deadline = time.monotonic() + settings.SYNC_WAIT_SECONDS
    while True:
        run.refresh_from_db()
        if run.status != SyncStatus.RUNNING or time.monotonic() >= deadline:
            return run
        time.sleep(POLL_SECONDS)


def _started(request, run: SyncRun, message: str):
    status_url = f"/social/accounts/{run.social_account_id}/sync-runs/{run.pk}"
    return envelope(
        message,
        status=202,
        syncRun=SyncRunSerializer(run).data,
        statusUrl=request.build_absolute_uri(status_url),
    )


class SyncRunDetailApi(APIView):
    @extend_schema(
        responses={200: envelope_schema("SyncRunDetail", syncRun=SyncRunSerializer())},
        summary="One sync run of the account, with its counts so far",
    )
    def get(self, request, account_id: str, sync_id: str):
        run = selectors.sync_run_get(
            organization=request.auth.organization, account_id=account_id, sync_id=sync_id
        )
        return envelope("Sync run retrieved successfully", syncRun=SyncRunSerializer(run).data)


class SocialAccountStatsApi(APIView):
    # A busy read: the membership and the account's stats version are read in one small
    # query, and the answer is cached as the bytes it is sent as.
    authentication_classes = [AccountStatsJWTAuthentication]

    @extend_schema(
        parameters=DATE_RANGE_PARAMETERS,
        responses={200: envelope_schema("AccountStatsRetrieved", stats=AccountStatsSerializer())},
        summary="The account's analytics over a date range (cached; dropped on sync)",
        auth=[{OrganizationJWTScheme.name: []}],
    )
    def get(self, request, account_id: str):
        dates = DateRangeSerializer(data=request.query_params)
        dates.is_valid(raise_exception=True)
        period = dates.validated_data["period"]
        organization_id = request.auth.organization_id
        body = stats_cache.cached_stats(
            request.auth,
            account_id,
            period.start,
            period.end,
            lambda: _stats_body(organization_id, account_id, period),
        )
        return HttpResponse(body, content_type="application/json")


def _stats_body(organization_id: str, account_id: str, period) -> bytes:
    """The answer's bytes, as the envelope's Response would render them; another
    organization's account is not found (and nothing is cached)."""
    account = social_account_get(organization=organization_id, account_id=account_id)
    stats = AccountStatsSerializer(selectors.account_stats(account=account, period=period)).data
    answer = {"success": True, "stats": stats, "message": STATS_MESSAGE}
    return EnvelopeJSONRenderer().render(answer)


STATS_MESSAGE = "Account statistics retrieved successfully"


class OrganizationMetricsApi(APIView):
    @extend_schema(
        parameters=DATE_RANGE_PARAMETERS,
        responses={
            200: envelope_schema(
                "OrganizationMetricsRetrieved", metrics=OrganizationMetricsSerializer()
            )
        },
        summary="Integration and error metrics of the organization's accounts",
    )
    def get(self, request):
        dates = DateRangeSerializer(data=request.query_params)
        dates.is_valid(raise_exception=True)
        metrics = selectors.organization_metrics(
            organization=request.auth.organization, period=dates.validated_data["period"]
        )
        return envelope(
            "Organization metrics retrieved successfully",
            metrics=OrganizationMetricsSerializer(metrics).data,
        )
