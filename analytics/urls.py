from django.urls import path

from analytics import apis

social_urlpatterns = [
    path("metrics", apis.OrganizationMetricsApi.as_view(), name="social-metrics"),
    path(
        "accounts/<str:account_id>/sync",
        apis.SocialAccountSyncApi.as_view(),
        name="social-account-sync",
    ),
    path(
        "accounts/<str:account_id>/sync-runs/<str:sync_id>",
        apis.SyncRunDetailApi.as_view(),
        name="social-account-sync-run",
    ),
    path(
        "accounts/<str:account_id>/stats",
        apis.SocialAccountStatsApi.as_view(),
        name="social-account-stats",
    ),
]
