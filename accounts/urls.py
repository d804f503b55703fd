from django.urls import path

from accounts import apis, auth_apis, oauth_apis

auth_urlpatterns = [
    path("token", auth_apis.TokenObtainApi.as_view(), name="auth-token"),
    path("token/refresh", auth_apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path(
        "switch-organization",
        auth_apis.SwitchOrganizationApi.as_view(),
        name="auth-switch-organization",
    ),
]

social_urlpatterns = [
    path("connect", apis.SocialConnectApi.as_view(), name="social-connect"),
    path(
        "oauth/<str:platform>/authorize",
        oauth_apis.OAuthAuthorizeApi.as_view(),
        name="social-oauth-authorize",
    ),
    path("oauth/<str:platform>/callback", oauth_apis.oauth_callback, name="social-oauth-callback"),
    path("accounts", apis.SocialAccountListApi.as_view(), name="social-account-list"),
    path(
        "accounts/<str:account_id>/refresh-token",
        apis.SocialAccountRefreshTokenApi.as_view(),
        name="social-account-refresh-token",
    ),
    path(
        "accounts/<str:account_id>/validate-token",
        apis.SocialAccountValidateTokenApi.as_view(),
        name="social-account-validate-token",
    ),
    path(
        "accounts/<str:account_id>/pages",
        apis.SocialAccountPagesApi.as_view(),
        name="social-account-pages",
    ),
    path(
        "accounts/<str:account_id>",
        apis.SocialAccountDetailApi.as_view(),
        name="social-account-detail",
    ),
]
