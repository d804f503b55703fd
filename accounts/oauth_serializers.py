"""Shapes of the browser connect flow's API, and the detail answer's reconnect hint."""

from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import AccountStatus, SocialAccount
from accounts.oauth import MAX_EXTRA_SCOPES
from accounts.serializers import SocialAccountWithStatsSerializer, StrictCharField

# Scope names: letters, digits and the punctuation of Google's scope URLs; no separator.
SCOPE_PATTERN = r"^[A-Za-z0-9_.:/\-]+$"


class OAuthAuthorizeSerializer(serializers.Serializer):
    redirectTo = StrictCharField(  # noqa: N815 - the API's JSON key
        required=False,
        max_length=2000,
        help_text="A front-end URL of OAUTH_ALLOWED_REDIRECT_URLS to come back to",
    )
    scopes = serializers.ListField(
        child=StrictCharField(
            max_length=200, validators=[RegexValidator(SCOPE_PATTERN, "must be a scope name")]
        ),
        required=False,
        max_length=MAX_EXTRA_SCOPES,
        help_text="Scopes to ask for beyond the platform's configured ones",
    )


def reauthorize_path(account: SocialAccount) -> str | None:
    """Where a front end starts a new login for an account that needs one."""
    if account.status != AccountStatus.REAUTH_REQUIRED:
        return None
    return reverse("social-oauth-authorize", kwargs={"platform": account.platform.lower()})


class ReconnectableSocialAccountSerializer(SocialAccountWithStatsSerializer):
    reauthorizeUrl = serializers.SerializerMethodField()  # noqa: N815 - the API's JSON key

    class Meta(SocialAccountWithStatsSerializer.Meta):
        fields = [*SocialAccountWithStatsSerializer.Meta.fields, "reauthorizeUrl"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="For an account waiting for a new login: its platform's authorize route "
            "(POST)",
        )
    )
    def get_reauthorizeUrl(self, account: SocialAccount) -> str | None:  # noqa: N802
        return reauthorize_path(account)
