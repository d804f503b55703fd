"""The browser connect flow: the authorize call a front end makes (JWT, admin or owner), and
the public callback the platform sends the browser back to."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from accounts import oauth
from accounts.oauth_serializers import OAuthAuthorizeSerializer
from vchata_social.api import envelope, envelope_schema
from vchata_social.errors import ApplicationError
from vchata_social.exceptions import error_response
from vchata_social.requests import client_ip
from vchata_social.schema import error_responses


def callback_url(request, platform: str) -> str:
    """The redirect URI registered with the platform: the same at the start and at the
    callback, as the token endpoints require."""
    path = reverse("social-oauth-callback", kwargs={"platform": platform.lower()})
    base = settings.OAUTH_CALLBACK_BASE_URL
    return base + path if base else request.build_absolute_uri(path)


class OAuthAuthorizeApi(APIView):
    @extend_schema(
        request=OAuthAuthorizeSerializer,
        responses={
            200: envelope_schema(
                "OAuthAuthorizationStarted", authorizationUrl=serializers.URLField()
            ),
            **error_responses(404, 502),
        },
        summary="Start connecting (or reconnecting) an account in the browser: the platform's "
        "authorization URL to send the user to",
    )
    def post(self, request, platform: str):
        platform = oauth.platform_from_slug(platform)
        payload = OAuthAuthorizeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        url = oauth.oauth_flow_start(
            organization=request.auth.organization,
            user=request.user,
            platform=platform,
            callback_url=callback_url(request, platform),
            redirect_to=payload.validated_data.get("redirectTo"),
            extra_scopes=payload.validated_data.get("scopes"),
        )
        return envelope("Authorization URL created", authorizationUrl=url)


FLOW_NOT_FOUND = "This connect flow is unknown, expired or already used; start it again"


@require_GET
def oauth_callback(request, platform: str):
    """Where the platform sends the browser back, with `code` and `state` (or `error`). It
    ends on a front-end page: never with a token, a code or a stack trace in the URL."""
    try:
        target = _complete(request, oauth.platform_from_slug(platform))
    except ApplicationError as error:
        return error_response(error.status_code, error.message)
    if target is None:
        return error_response(400, FLOW_NOT_FOUND)
    response = HttpResponseRedirect(target)
    # The answer closes a login: nothing of it may be cached or passed on as a referrer.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _complete(request, platform: str) -> str | None:
    query = request.GET
    return oauth.oauth_flow_complete(
        platform=platform,
        params=oauth.CallbackParams(
            code=query.get("code", ""),
            state=query.get("state", ""),
            error=query.get("error", ""),
            error_description=query.get("error_description", ""),
        ),
        callback_url=callback_url(request, platform),
        ip_address=client_ip(request),
    )
