"""Sign-in: JWTs bound to one of the user's organizations."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.authentication import ORGANIZATION_CLAIM, tokens_for_membership
from accounts.selectors import membership_default, membership_get
from vchata_social.api import envelope, envelope_schema
from vchata_social.errors import Forbidden, NotFound


class TokensSerializer(serializers.Serializer):
    accessToken = serializers.CharField()  # noqa: N815
    refreshToken = serializers.CharField()  # noqa: N815
    organizationId = serializers.CharField()  # noqa: N815
    role = serializers.CharField()


TOKENS_RESPONSE = envelope_schema("TokensIssued", tokens=TokensSerializer())


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    organizationId = serializers.CharField(max_length=32, required=False)  # noqa: N815


class SessionRefreshSerializer(serializers.Serializer):
    refreshToken = serializers.CharField(max_length=2048)  # noqa: N815


class SwitchOrganizationSerializer(serializers.Serializer):
    organizationId = serializers.CharField(max_length=32)  # noqa: N815


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # Password guessing is slowed per client address.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenObtainSerializer, responses={200: TOKENS_RESPONSE}, auth=[])
    def post(self, request):
        payload = TokenObtainSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None:
            raise AuthenticationFailed("Invalid username or password")
        if "organizationId" in data:
            membership = membership_get(user_id=user.pk, organization_id=data["organizationId"])
        else:
            membership = membership_default(user_id=user.pk)
        if membership is None:
            raise Forbidden("Organization membership required")
        return envelope("Signed in successfully", tokens=tokens_for_membership(membership))


class TokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=SessionRefreshSerializer,
        responses={200: envelope_schema("SessionRefreshed", tokens=TokensSerializer())},
        auth=[],
    )
    def post(self, request):
        payload = SessionRefreshSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            refresh = RefreshToken(payload.validated_data["refreshToken"])
        except TokenError:
            raise AuthenticationFailed("Invalid or expired refresh token") from None
        membership = membership_get(
            user_id=refresh.get(api_settings.USER_ID_CLAIM),
            organization_id=refresh.get(ORGANIZATION_CLAIM),
        )
        if membership is None:
            raise Forbidden("Organization membership required")
        return envelope(
            "Token refreshed successfully", tokens=tokens_for_membership(membership, refresh)
        )


class SwitchOrganizationApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SwitchOrganizationSerializer, responses={200: TOKENS_RESPONSE})
    def post(self, request):
        payload = SwitchOrganizationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = membership_get(
            user_id=request.user.pk, organization_id=payload.validated_data["organizationId"]
        )
        if membership is None:
            raise NotFound("Organization not found")
        return envelope(
            "Organization switched successfully", tokens=tokens_for_membership(membership)
        )
