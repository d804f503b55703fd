"""The account's webhook (set up, verify, remove; JWT, as every /social endpoint) and the
public receiver the platforms call (no JWT: each delivery proves itself by its signature)."""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from accounts.apis import actor_of
from accounts.models import Platform
from vchata_social.api import envelope, envelope_schema
from vchata_social.errors import ApplicationError, NotFound
from vchata_social.exceptions import error_response
from vchata_social.permissions import ManagesOrganization
from vchata_social.schema import error_responses
from webhooks import selectors, services
from webhooks.serializers import (
    EventFilterSerializer,
    NotificationEndpointCreateSerializer,
    NotificationEndpointSerializer,
    PlatformSubscriptionSerializer,
    SocialEventSerializer,
    WebhookSetUpSerializer,
    WebhookSubscriptionSerializer,
    WebhookVerifySerializer,
)

WEBHOOK_REMOVED_HERE_ONLY = (
    "Webhook removed; the platform could not be asked to stop, so it may keep calling the "
    "receiver (a YouTube subscription until its lease ends)"
)


class WebhookApi(APIView):
    @extend_schema(
        request=WebhookSetUpSerializer,
        responses={
            200: envelope_schema(
                "WebhookSetUp",
                webhook=WebhookSubscriptionSerializer(),
                platformSubscription=PlatformSubscriptionSerializer(),
            ),
            **error_responses(409, 502, 503),
        },
        summary="Set up (or replace) the account's webhook, subscribing at the platform where "
        "its API allows it",
    )
    def post(self, request, account_id: str):
        payload = WebhookSetUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        set_up = services.webhook_subscription_set_up(
            organization=request.auth.organization,
            account_id=account_id,
            actor=actor_of(request),
            webhook_url=data.get("webhookUrl"),
            receiver_url=lambda account: receiver_url(request, account),
            events=data["events"],
            verify_token=data.get("verifyToken"),
        )
        webhook = WebhookSubscriptionSerializer(
            set_up.subscription, context={"verify_token": set_up.verify_token}
        )
        return envelope(
            "Webhook setup successfully",
            webhook=webhook.data,
            platformSubscription=PlatformSubscriptionSerializer(set_up.platform_subscription).data,
        )

    @extend_schema(
        responses={200: envelope_schema("WebhookRemoved")},
        summary="Remove the account's webhook, unsubscribing at the platform",
    )
    def delete(self, request, account_id: str):
        removal = services.webhook_subscription_remove(
            organization=request.auth.organization, account_id=account_id, actor=actor_of(request)
        )
        if not removal.platform_unsubscribed:
            return envelope(WEBHOOK_REMOVED_HERE_ONLY)
        return envelope("Webhook removed successfully")


def receiver_url(request, account) -> str:
    """This service's public receiver for the account: WEBHOOK_PUBLIC_BASE_URL when set (the
    address the platforms reach), else the address this request came to."""
    path = reverse("webhook-receiver", args=[account.platform.lower(), account.pk])
    base = settings.WEBHOOK_PUBLIC_BASE_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)


class WebhookVerifyApi(APIView):
    @extend_schema(
        parameters=[WebhookVerifySerializer],
        responses={200: OpenApiResponse(str, description="The challenge, as plain text")},
        summary="Verify the webhook: echo hub.challenge when hub.verify_token matches",
    )
    def get(self, request, account_id: str):
        query = WebhookVerifySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        challenge = services.webhook_subscription_verify(
            organization=request.auth.organization,
            account_id=account_id,
            mode=data["mode"],
            verify_token=data["verify_token"],
            challenge=data["challenge"],
        )
        return HttpResponse(challenge, content_type="text/plain")


RECEIVER_PLATFORMS = frozenset(Platform.values)
# The receiver's two answers, written once: a burst of deliveries reads them thousands of times.
STORED_NOW_ANSWER = json.dumps({"success": True, "message": "Event received"}).encode()
STORED_BEFORE_ANSWER = json.dumps({"success": True, "message": "Event already received"}).encode()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receive(request, platform: str, account_id: str):
    """The platforms' one door: GET answers their handshake, POST takes a signed delivery."""
    platform = platform.upper()
    try:
        if platform not in RECEIVER_PLATFORMS:
            raise NotFound(services.RECEIVER_NOT_FOUND)
        if request.method == "GET":
            return services.webhook_handshake(
                platform=platform, account_id=account_id, query=request.GET
            )
        receipt = services.webhook_event_receive(
            platform=platform, account_id=account_id, body=request.body, headers=request.headers
        )
    except ApplicationError as error:
        return error_response(error.status_code, error.message)
    except (RequestDataTooBig, RawPostDataException):
        return error_response(413, "Request body too large")
    # Answered at once, so that the platform does not time out and deliver again.
    answer = STORED_NOW_ANSWER if receipt.stored_now else STORED_BEFORE_ANSWER
    return HttpResponse(answer, content_type="application/json")


EVENT_LIST = envelope_schema(
    "SocialEventList",
    events=SocialEventSerializer(many=True),
    nextCursor=serializers.CharField(allow_null=True, help_text="Pass as cursor for the next page"),
)


def _event_page_answer(request, account_id: str | None):
    filters = EventFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    page = selectors.social_event_page(
        organization=request.auth.organization, account_id=account_id, **filters.validated_data
    )
    return envelope(
        "Events retrieved successfully",
        events=SocialEventSerializer(page.events, many=True).data,
        nextCursor=page.next_cursor,
    )


class SocialAccountEventsApi(APIView):
    @extend_schema(
        parameters=[EventFilterSerializer],
        responses={200: EVENT_LIST},
        summary="The account's events, newest first (cursor pagination)",
    )
    def get(self, request, account_id: str):
        return _event_page_answer(request, account_id)


class OrganizationEventsApi(APIView):
    @extend_schema(
        parameters=[EventFilterSerializer],
        responses={200: EVENT_LIST},
        summary="The organization's events, newest first (cursor pagination)",
    )
    def get(self, request):
        return _event_page_answer(request, None)


class NotificationEndpointsApi(APIView):
    permission_classes = [ManagesOrganization]

    @extend_schema(
        responses={
            200: envelope_schema(
                "NotificationEndpointList", endpoints=NotificationEndpointSerializer(many=True)
            )
        },
        summary="The organization's notification endpoints",
    )
    def get(self, request):
        endpoints = selectors.notification_endpoint_list(organization=request.auth.organization)
        return envelope(
            "Notification endpoints retrieved successfully",
            endpoints=NotificationEndpointSerializer(endpoints, many=True).data,
        )

    @extend_schema(
        request=NotificationEndpointCreateSerializer,
        responses={
            201: envelope_schema(
                "NotificationEndpointCreated", endpoint=NotificationEndpointSerializer()
            ),
            **error_responses(409),
        },
        summary="Register an endpoint the organization's events are POSTed to, signed",
    )
    def post(self, request):
        payload = NotificationEndpointCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        created = services.notification_endpoint_create(
            organization=request.auth.organization,
            actor=actor_of(request),
            url=data["url"],
            event_types=data["eventTypes"],
            description=data["description"],
        )
        endpoint = NotificationEndpointSerializer(
            created.endpoint, context={"secret": created.secret}
        )
        return envelope(
            "Notification endpoint created successfully", status=201, endpoint=endpoint.data
        )


class NotificationEndpointApi(APIView):
    permission_classes = [ManagesOrganization]

    @extend_schema(
        responses={200: envelope_schema("NotificationEndpointRemoved")},
        summary="Remove a notification endpoint (its pending deliveries go with it)",
    )
    def delete(self, request, endpoint_id: str):
        services.notification_endpoint_delete(
            organization=request.auth.organization,
            endpoint_id=endpoint_id,
            actor=actor_of(request),
        )
        return envelope("Notification endpoint removed successfully")
