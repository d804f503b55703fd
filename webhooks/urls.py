from django.urls import path

from webhooks import apis

social_urlpatterns = [
    path(
        "notification-endpoints",
        apis.NotificationEndpointsApi.as_view(),
        name="notification-endpoints",
    ),
    path(
        "notification-endpoints/<str:endpoint_id>",
        apis.NotificationEndpointApi.as_view(),
        name="notification-endpoint",
    ),
    path("events", apis.OrganizationEventsApi.as_view(), name="social-events"),
    path(
        "accounts/<str:account_id>/events",
        apis.SocialAccountEventsApi.as_view(),
        name="social-account-events",
    ),
    path(
        "accounts/<str:account_id>/webhook",
        apis.WebhookApi.as_view(),
        name="social-account-webhook",
    ),
    path(
        "accounts/<str:account_id>/webhook/verify",
        apis.WebhookVerifyApi.as_view(),
        name="social-account-webhook-verify",
    ),
]

receiver_urlpatterns = [
    path("<str:platform>/<str:account_id>", apis.receive, name="webhook-receiver"),
]
