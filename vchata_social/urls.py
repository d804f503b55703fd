from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import auth_urlpatterns, social_urlpatterns
from analytics.urls import social_urlpatterns as analytics_urlpatterns
from vchata_social.health import healthz
from webhooks.urls import receiver_urlpatterns
from webhooks.urls import social_urlpatterns as webhook_urlpatterns

urlpatterns = [
    path("auth/", include(auth_urlpatterns)),
    path("social/", include(social_urlpatterns)),
    path("social/", include(analytics_urlpatterns)),
    path("social/", include(webhook_urlpatterns)),
    path("webhooks/", include(receiver_urlpatterns)),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(settings.ADMIN_URL_PATH, admin.site.urls),
]

handler400 = "vchata_social.exceptions.bad_request_view"
handler403 = "vchata_social.exceptions.permission_denied_view"
handler404 = "vchata_social.exceptions.not_found_view"
handler500 = "vchata_social.exceptions.server_error_view"
