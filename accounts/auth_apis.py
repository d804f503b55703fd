"""Sign-in: thin views that validate, call one service in accounts.auth_services, and
answer the tokens in the envelope."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from accounts import auth_services
from accounts.serializers import (
    SessionRefreshSerializer,
    SwitchOrganizationSerializer,
    TokenObtainSerializer,
    TokensSerializer,
)
from vchata_social.api import envelope, envelope_schema
from vchata_social.schema import error_responses
from vchata_social.throttling import ClientAddressRateThrottle, UsernameRateThrottle

TOKENS_RESPONSE = envelope_schema("TokensIssued", tokens=TokensSerializer())


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # Password guessing is slowed per client address, and per username so that spreading
    # the guesses over many addresses does not help.
    throttle_classes = [ClientAddressRateThrottle, UsernameRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenObtainSerializer, responses={200: TOKENS_RESPONSE}, auth=[])
    def post(self, request):
        payload = TokenObtainSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        tokens = auth_services.session_sign_in(
            username=data["username"],
            password=data["password"],
            organization_id=data.get("organizationId"),
        )
        return envelope("Signed in successfully", tokens=TokensSerializer(tokens).data)


class TokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=SessionRefreshSerializer,
        responses={200: envelope_schema("SessionRefreshed", tokens=TokensSerializer())},
        auth=[],
    )
    def post(self, request):
        payload = SessionRefreshSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tokens = auth_services.session_refresh(refresh_token=payload.validated_data["refreshToken"])
        return envelope("Token refreshed successfully", tokens=TokensSerializer(tokens).data)


class SwitchOrganizationApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=SwitchOrganizationSerializer,
        responses={200: TOKENS_RESPONSE, **error_responses(404)},
    )
    def post(self, request):
        payload = SwitchOrganizationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tokens = auth_services.session_switch_organization(
            user=request.user, organization_id=payload.validated_data["organizationId"]
        )
        return envelope("Organization switched successfully", tokens=TokensSerializer(tokens).data)
