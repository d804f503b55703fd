"""The accounts API: thin views that validate, call one service or selector, and answer
in the envelope."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import OrganizationAccessJWTAuthentication, OrganizationJWTScheme
from accounts.list_cache import account_list_answer
from accounts.oauth_serializers import ReconnectableSocialAccountSerializer
from accounts.serializers import (
    AccountTokenRefreshSerializer,
    SocialAccountChangesSerializer,
    SocialAccountConnectSerializer,
    SocialAccountFilterSerializer,
    SocialAccountSerializer,
    SocialAccountUpdateSerializer,
    SocialAccountWithStatsSerializer,
    SocialPageSerializer,
    TokenInfoSerializer,
    TokenValidationSerializer,
)
from vchata_social.api import envelope, envelope_schema
from vchata_social.pagination import EnvelopeLimitOffsetPagination
from vchata_social.requests import client_ip
from vchata_social.schema import error_responses


def actor_of(request) -> services.Actor:
    return services.Actor(user=request.user, ip_address=client_ip(request))


class SocialConnectApi(APIView):
    @extend_schema(
        request=SocialAccountConnectSerializer,
        responses={
            201: envelope_schema("SocialAccountConnected", socialAccount=SocialAccountSerializer()),
            **error_responses(409),
        },
        summary="Connect a social media account to the organization",
    )
    def post(self, request):
        payload = SocialAccountConnectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = services.social_account_connect(
            organization=request.auth.organization,
            actor=actor_of(request),
            **payload.to_service_kwargs(),
        )
        return envelope(
            "Social account connected successfully",
            status=201,
            socialAccount=SocialAccountSerializer(account).data,
        )


class SocialAccountListApi(APIView):
    # The busiest read: pages kept in the cache under the version of the organization's
    # accounts, else read in one SQL query straight to plain data; written by orjson. The
    # answer is byte for byte what the serializer path gave (test_account_list_bytes).
    authentication_classes = [OrganizationAccessJWTAuthentication]

    @extend_schema(
        parameters=[
            SocialAccountFilterSerializer,
            OpenApiParameter("limit", int, description="Page size (default 50, at most 200)"),
            OpenApiParameter("offset", int, description="Accounts to skip"),
        ],
        responses={
            200: envelope_schema(
                "SocialAccountList",
                socialAccounts=SocialAccountWithStatsSerializer(many=True),
                total=serializers.IntegerField(),
            )
        },
        summary="List the organization's connected social accounts",
        operation_id="social_accounts_list",
        # The same bearer JWT as everywhere, read by a lighter class of the same scheme.
        auth=[{OrganizationJWTScheme.name: []}],
    )
    def get(self, request):
        filters = SocialAccountFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = EnvelopeLimitOffsetPagination()
        answer = account_list_answer(
            access=request.auth,
            offset=paginator.get_offset(request),
            limit=paginator.get_limit(request),
            **_filter_kwargs(filters.validated_data),
        )
        return Response(answer)


def _filter_kwargs(validated: dict) -> dict:
    return {
        "platform": validated.get("platform"),
        "is_active": validated.get("isActive"),
        "status": validated.get("status"),
    }


class SocialAccountDetailApi(APIView):
    def get_account(self, request, account_id: str):
        return selectors.social_account_get(
            organization=request.auth.organization, account_id=account_id
        )

    @extend_schema(
        responses={
            200: envelope_schema(
                "SocialAccountDetail", socialAccount=ReconnectableSocialAccountSerializer()
            )
        },
        summary="Get one social account",
    )
    def get(self, request, account_id: str):
        account = self.get_account(request, account_id)
        return envelope(
            "Social account retrieved successfully",
            socialAccount=ReconnectableSocialAccountSerializer(account).data,
        )

    @extend_schema(
        request=SocialAccountUpdateSerializer,
        responses={
            200: envelope_schema(
                "SocialAccountUpdated", socialAccount=SocialAccountChangesSerializer()
            )
        },
        summary="Update a social account's information and permissions",
    )
    def patch(self, request, account_id: str):
        account = self.get_account(request, account_id)
        payload = SocialAccountUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = services.social_account_update(
            account=account, actor=actor_of(request), changes=payload.to_changes()
        )
        result = SocialAccountChangesSerializer(
            account, context={"sent_fields": set(payload.validated_data)}
        )
        return envelope("Social account updated successfully", socialAccount=result.data)

    @extend_schema(
        responses={200: envelope_schema("SocialAccountDisconnected")},
        summary="Disconnect a social account (its tokens are erased)",
    )
    def delete(self, request, account_id: str):
        services.social_account_disconnect(
            organization=request.auth.organization, account_id=account_id, actor=actor_of(request)
        )
        return envelope("Social account disconnected successfully")


class SocialAccountRefreshTokenApi(APIView):
    @extend_schema(
        request=AccountTokenRefreshSerializer,
        responses={
            200: envelope_schema("AccountTokenRefreshed", tokenInfo=TokenInfoSerializer()),
            **error_responses(409, 502, 503),
        },
        summary="Refresh the account's access token (the stored refresh token by default)",
    )
    def post(self, request, account_id: str):
        payload = AccountTokenRefreshSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        outcome = services.social_account_refresh_token(
            organization=request.auth.organization,
            account_id=account_id,
            actor=actor_of(request),
            refresh_token=payload.validated_data.get("refreshToken") or None,
        )
        return envelope(
            "Access token refreshed successfully",
            tokenInfo=TokenInfoSerializer(outcome.account).data,
        )


class SocialAccountValidateTokenApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: envelope_schema("TokenValidated", validation=TokenValidationSerializer()),
            **error_responses(409, 502, 503),
        },
        summary="Validate the account's access token and read its granted permissions",
    )
    def post(self, request, account_id: str):
        outcome = services.social_account_validate_token(
            organization=request.auth.organization,
            account_id=account_id,
            actor=actor_of(request),
        )
        return envelope(
            "Token validated successfully", validation=TokenValidationSerializer(outcome).data
        )


class SocialAccountPagesApi(APIView):
    @extend_schema(
        responses={
            200: envelope_schema(
                "SocialPageList",
                pages=SocialPageSerializer(many=True),
                total=serializers.IntegerField(),
            ),
            **error_responses(409, 502, 503),
        },
        summary="List the pages behind the account, refreshed from the platform",
    )
    def get(self, request, account_id: str):
        pages = services.social_account_pages_refresh(
            organization=request.auth.organization, account_id=account_id, actor=actor_of(request)
        )
        return envelope(
            "Platform pages retrieved successfully",
            pages=SocialPageSerializer(pages, many=True).data,
            total=len(pages),
        )
