"""Request and response shapes of the accounts API (camelCase, as the spec writes them)."""

import re

from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import serializers

from accounts.models import REAUTH_SOON, AccountStatus, Platform, SocialAccount, SocialPage
from accounts.selectors import AccountListRow
from vchata_social.api import QueryParametersSerializer

PLATFORM_CHOICE_ERROR = "must be one of " + ", ".join(Platform.values)
# Printable ASCII without spaces: what every platform's bearer token is made of.
TOKEN_PATTERN = re.compile(r"^[\x21-\x7e]+$")
MAX_TOKEN_LENGTH = 4096


def token_field(**kwargs) -> serializers.CharField:
    # The validator puts TOKEN_PATTERN in the OpenAPI schema, so that clients see the rule.
    return serializers.CharField(
        max_length=MAX_TOKEN_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(TOKEN_PATTERN, "must be a valid token")],
        error_messages={"invalid": "must be a valid token", "blank": "must be a valid token"},
        **kwargs,
    )


def optional_token_field() -> serializers.CharField:
    """A token the platform may not have (Facebook and Instagram have no refresh token):
    null or an empty string mean the same as leaving the field out."""
    return token_field(required=False, allow_null=True, allow_blank=True)


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would also take a number, written as text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def permissions_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=StrictCharField(max_length=200), max_length=200, **kwargs)


class PlatformField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=Platform.choices,
            error_messages={"invalid_choice": PLATFORM_CHOICE_ERROR},
            **kwargs,
        )


class SocialAccountConnectSerializer(serializers.Serializer):
    platform = PlatformField()
    accessToken = token_field()
    refreshToken = optional_token_field()
    expiresIn = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10 * 365 * 24 * 3600
    )
    platformUserId = serializers.CharField(max_length=255)
    platformUserName = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    platformUserEmail = serializers.EmailField(required=False, allow_blank=True, default="")
    permissions = permissions_field(required=False, default=list)

    def to_service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "platform": data["platform"],
            "platform_user_id": data["platformUserId"],
            "access_token": data["accessToken"],
            "refresh_token": data.get("refreshToken") or None,
            "expires_in": data.get("expiresIn"),
            "platform_user_name": data["platformUserName"],
            "platform_user_email": data["platformUserEmail"],
            "permissions": data["permissions"],
        }


class SocialAccountUpdateSerializer(serializers.Serializer):
    platformUserName = serializers.CharField(max_length=255, required=False, allow_blank=True)
    platformUserEmail = serializers.EmailField(required=False, allow_blank=True)
    permissions = permissions_field(required=False)
    isActive = serializers.BooleanField(required=False)

    # validate() refuses an empty body and undeclared fields; the schema says so too.
    min_fields = 1
    refuses_unknown_fields = True

    FIELD_NAMES = {
        "platformUserName": "platform_user_name",
        "platformUserEmail": "platform_user_email",
        "permissions": "permissions",
        "isActive": "is_active",
    }

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                [f"{name} cannot be updated" for name in unknown], code="not_updatable"
            )
        if not attrs:
            raise serializers.ValidationError("at least one field to update is required")
        return attrs

    def to_changes(self) -> dict:
        return {self.FIELD_NAMES[key]: value for key, value in self.validated_data.items()}


class SocialAccountStatsSerializer(serializers.Serializer):
    totalPosts = serializers.IntegerField(source="stats_total_posts")
    totalFollowers = serializers.IntegerField(source="stats_total_followers")
    totalEngagement = serializers.IntegerField(source="stats_total_engagement")
    lastPostDate = serializers.DateTimeField(source="stats_last_post_date", allow_null=True)


class SocialAccountSerializer(serializers.ModelSerializer):
    """An account as the API shows it. No token is a field here, by construction."""

    organizationId = serializers.CharField(source="organization_id")
    platformUserId = serializers.CharField(source="platform_user_id")
    platformUserName = serializers.CharField(source="platform_user_name")
    platformUserEmail = serializers.SerializerMethodField()
    permissions = serializers.ListField(child=serializers.CharField())
    isActive = serializers.BooleanField(source="is_active")
    status = serializers.CharField()
    tokenExpiresAt = serializers.DateTimeField(source="token_expires_at", allow_null=True)
    refreshTokenExpiresAt = serializers.DateTimeField(
        source="refresh_token_expires_at", allow_null=True
    )
    dataAccessExpiresAt = serializers.DateTimeField(
        source="data_access_expires_at", allow_null=True
    )
    lastSyncAt = serializers.DateTimeField(source="last_sync_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "organizationId",
            "platform",
            "platformUserId",
            "platformUserName",
            "platformUserEmail",
            "permissions",
            "isActive",
            "status",
            "tokenExpiresAt",
            "refreshTokenExpiresAt",
            "dataAccessExpiresAt",
            "lastSyncAt",
            "createdAt",
            "updatedAt",
        ]
        read_only_fields = fields

    def get_platformUserEmail(self, account: SocialAccount) -> str | None:
        return account.platform_user_email or None


class SocialAccountWithStatsSerializer(SocialAccountSerializer):
    stats = SocialAccountStatsSerializer(source="*")

    class Meta(SocialAccountSerializer.Meta):
        fields = [*SocialAccountSerializer.Meta.fields[:-2], "stats", "createdAt", "updatedAt"]
        read_only_fields = fields


def account_list_items(rows: list[AccountListRow]) -> list[dict]:
    """The list's accounts exactly as SocialAccountWithStatsSerializer writes them (a test
    holds them to its bytes), without its per-field machinery, the list's largest cost."""
    return [
        {
            "id": row.id,
            "organizationId": row.organization_id,
            "platform": row.platform,
            "platformUserId": row.platform_user_id,
            "platformUserName": row.platform_user_name,
            "platformUserEmail": row.platform_user_email or None,
            "permissions": _as_strings(row.permissions),
            "isActive": row.is_active,
            "status": row.status,
            "tokenExpiresAt": row.token_expires_at,
            "refreshTokenExpiresAt": row.refresh_token_expires_at,
            "dataAccessExpiresAt": row.data_access_expires_at,
            "lastSyncAt": row.last_sync_at,
            "stats": {
                "totalPosts": row.stats_total_posts,
                "totalFollowers": row.stats_total_followers,
                "totalEngagement": row.stats_total_engagement,
                "lastPostDate": row.stats_last_post_date,
            },
            "createdAt": row.created_at,
            "updatedAt": row.updated_at,
        }
        for row in rows
    ]


def _as_strings(permissions) -> list | None:
    """What ListField(child=CharField()) makes of whatever JSON the column holds."""
    if permissions is None:
        return None
    return [None if item is None else str(item) for item in permissions]


class SocialAccountChangesSerializer(serializers.Serializer):
    """The PATCH answer: the id, the fields that were sent, and updatedAt. The fields are
    declared for the schema, where only id and updatedAt are always present."""

    id = serializers.CharField()
    platformUserName = serializers.CharField(required=False)
    platformUserEmail = serializers.EmailField(required=False, allow_null=True)
    permissions = serializers.ListField(child=serializers.CharField(), required=False)
    isActive = serializers.BooleanField(required=False)
    updatedAt = serializers.DateTimeField()

    def to_representation(self, account):
        full = SocialAccountWithStatsSerializer(account).data
        sent = self.context["sent_fields"]
        return {
            "id": full["id"],
            **{key: full[key] for key in full if key in sent},
            "updatedAt": full["updatedAt"],
        }


STATUS_FILTER_CHOICES = [*AccountStatus.choices, (REAUTH_SOON, "New login needed soon")]
STATUS_FILTER_VALUES = [value for value, _label in STATUS_FILTER_CHOICES]


class SocialAccountFilterSerializer(QueryParametersSerializer):
    """Query parameters of the account list."""

    platform = PlatformField(required=False)
    isActive = serializers.BooleanField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(
        choices=STATUS_FILTER_CHOICES,
        required=False,
        error_messages={"invalid_choice": "must be one of " + ", ".join(STATUS_FILTER_VALUES)},
        help_text="An account status, or REAUTH_SOON: active accounts whose platform forces a "
        "new login within REAUTH_WARNING_DAYS (data access or refresh token ending)",
    )


class AccountTokenRefreshSerializer(serializers.Serializer):
    refreshToken = optional_token_field()


def masked(token: str | None) -> str | None:
    """A preview that identifies a token without disclosing it: at most 8 characters, and
    never more than a quarter of the token."""
    if not token:
        return None
    return token[: min(8, len(token) // 4)] + "..."


class TokenInfoSerializer(serializers.Serializer):
    accessToken = serializers.SerializerMethodField()
    refreshToken = serializers.SerializerMethodField()
    expiresIn = serializers.SerializerMethodField()
    tokenType = serializers.SerializerMethodField()
    refreshedAt = serializers.DateTimeField(source="token_refreshed_at", allow_null=True)
    refreshTokenExpiresAt = serializers.DateTimeField(
        source="refresh_token_expires_at", allow_null=True
    )

    def get_accessToken(self, account) -> str | None:
        return masked(account.access_token)

    def get_refreshToken(self, account) -> str | None:
        return masked(account.refresh_token)

    def get_expiresIn(self, account) -> int | None:
        if account.token_expires_at is None:
            return None
        return max(0, int((account.token_expires_at - timezone.now()).total_seconds()))

    def get_tokenType(self, account) -> str:
        return "bearer"


class TokenValidationSerializer(serializers.Serializer):
    """Serializes a TokenValidationOutcome: what the platform said, and when we asked."""

    isValid = serializers.BooleanField(source="validation.is_valid")
    expiresAt = serializers.DateTimeField(source="validation.expires_at", allow_null=True)
    permissions = serializers.ListField(child=serializers.CharField(), source="validation.scopes")
    platformUserId = serializers.CharField(source="validation.platform_user_id", allow_null=True)
    validatedAt = serializers.DateTimeField(source="account.token_validated_at", allow_null=True)


# --- Sign-in --------------------------------------------------------------------------------


class TokensSerializer(serializers.Serializer):
    accessToken = serializers.CharField()
    refreshToken = serializers.CharField()
    organizationId = serializers.CharField()
    role = serializers.CharField()


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    organizationId = serializers.CharField(max_length=32, required=False)


class SessionRefreshSerializer(serializers.Serializer):
    refreshToken = serializers.CharField(max_length=2048)


class SwitchOrganizationSerializer(serializers.Serializer):
    organizationId = serializers.CharField(max_length=32)


class SocialPageSerializer(serializers.ModelSerializer):
    """A page as the API shows it; its token is never a field."""

    platformPageId = serializers.CharField(source="platform_page_id")
    isActive = serializers.BooleanField(source="is_active")
    followersCount = serializers.IntegerField(source="followers_count", allow_null=True)
    lastPostDate = serializers.DateTimeField(source="last_post_date", allow_null=True)

    class Meta:
        model = SocialPage
        fields = [
            "id",
            "name",
            "category",
            "platformPageId",
            "url",
            "isActive",
            "followersCount",
            "lastPostDate",
        ]
        read_only_fields = fields
