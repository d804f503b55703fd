from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from vchata_social.fields import encrypted_text
from vchata_social.ids import PrefixedIdField


class Platform(models.TextChoices):
    FACEBOOK = "FACEBOOK", "Facebook"
    INSTAGRAM = "INSTAGRAM", "Instagram"
    TIKTOK = "TIKTOK", "TikTok"
    TWITTER = "TWITTER", "X / Twitter"
    LINKEDIN = "LINKEDIN", "LinkedIn"
    YOUTUBE = "YOUTUBE", "YouTube"


class Organization(models.Model):
    id = PrefixedIdField(prefix="org")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # Superusers hold it implicitly; other staff without it see only the organizations
        # chosen for them (StaffOrganizationAccess).
        permissions = [("view_all_organizations", "Can see every organization in the admin")]

    def __str__(self) -> str:
        return self.name


class StaffOrganizationAccess(models.Model):
    """An organization a staff member without `view_all_organizations` may see in the admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_organizations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff_access"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="staff_access_unique_user_organization"
            )
        ]
        verbose_name = "organization shown to this staff member"
        verbose_name_plural = "organizations shown to this staff member"

    def __str__(self) -> str:
        return f"{self.organization} for {self.user}"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    WRITE_ROLES = frozenset({Role.OWNER, Role.ADMIN})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_organization"
            )
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in self.WRITE_ROLES


class AccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    # The platform refused the token for good: only the user reconnecting fixes it.
    REAUTH_REQUIRED = "REAUTH_REQUIRED", "Re-authorization required"


# Not a status an account is in, but a filter over ACTIVE ones: a forced new login is due
# within settings.REAUTH_WARNING_DAYS (see SocialAccountQuerySet.reauth_soon).
REAUTH_SOON = "REAUTH_SOON"


class SocialAccountQuerySet(models.QuerySet):
    def connected(self) -> "SocialAccountQuerySet":
        return self.filter(disconnected_at__isnull=True)

    def for_organization(self, organization: Organization | str) -> "SocialAccountQuerySet":
        """The only way the API reaches accounts: connected ones of one organization."""
        return self.connected().filter(organization=organization)

    def reauth_soon(self, *, before: datetime) -> "SocialAccountQuerySet":
        """Active accounts that a forced new login awaits before `before`: their platform
        stops serving their data, or their refresh token dies."""
        return self.filter(
            Q(data_access_expires_at__lte=before) | Q(refresh_token_expires_at__lte=before),
            status=AccountStatus.ACTIVE,
        )

    def without_secrets(self) -> "SocialAccountQuerySet":
        # Decrypting is the costliest part of a read; read paths never need the tokens.
        return self.defer(*SocialAccount.SECRET_FIELDS)


class SocialAccount(models.Model):
    SECRET_FIELDS = ("access_token", "refresh_token")

    id = PrefixedIdField(prefix="social")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="social_accounts"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    platform_user_id = models.CharField(max_length=255)
    platform_user_name = models.CharField(max_length=255, blank=True)
    platform_user_email = models.EmailField(max_length=254, blank=True)
    permissions = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )

    access_token = encrypted_text()
    refresh_token = encrypted_text(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # Where the platform says when the refresh token itself dies (LinkedIn, TikTok), so
    # that a forced re-authorization can be seen coming.
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Facebook stops serving the user's data 90 days after their last consent, whatever the
    # token says; only a new login moves it.
    data_access_expires_at = models.DateTimeField(null=True, blank=True)
    token_refreshed_at = models.DateTimeField(null=True, blank=True)
    token_validated_at = models.DateTimeField(null=True, blank=True)
    token_is_valid = models.BooleanField(null=True, blank=True)
    # Transient refresh failures in a row; reset by the next success.
    token_refresh_failures = models.PositiveIntegerField(default=0)

    last_sync_at = models.DateTimeField(null=True, blank=True)
    # A summary written by each sync, so the busiest read stays on one table.
    stats_total_posts = models.PositiveIntegerField(default=0)
    stats_total_followers = models.PositiveBigIntegerField(default=0)
    stats_total_engagement = models.PositiveBigIntegerField(default=0)
    stats_last_post_date = models.DateTimeField(null=True, blank=True)
    # Bumped by the transaction that writes the account's analytics (a sync's end): cached
    # stats answers are kept under it (analytics.stats_cache).
    stats_version = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    objects = SocialAccountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "platform", "platform_user_id"],
                condition=Q(disconnected_at__isnull=True),
                name="social_account_unique_connected_platform_user",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "platform", "created_at"],
                condition=Q(disconnected_at__isnull=True),
                name="social_account_org_listing",
            ),
            # The refresh schedule's query: due tokens of accounts that can still refresh.
            models.Index(
                fields=["platform", "token_expires_at"],
                condition=Q(disconnected_at__isnull=True, status="ACTIVE"),
                name="social_account_refresh_due",
            ),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.platform_user_name or self.platform_user_id}"

    def __repr__(self) -> str:
        return f"<SocialAccount {self.id} {self.platform}>"


class SocialPage(models.Model):
    """A page the account manages: a Facebook page, the Instagram professional account, a
    LinkedIn organization, a YouTube channel, or the TikTok or X profile itself. Refreshed
    from the platform on each pages call and each sync; a page the platform no longer lists
    is kept inactive, for the history of its posts."""

    SECRET_FIELDS = ("access_token",)

    id = PrefixedIdField(prefix="page")
    social_account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="pages"
    )
    platform_page_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    followers_count = models.PositiveBigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # The page's own token where the platform has one (Facebook): a secret like the account's.
    access_token = encrypted_text(null=True, blank=True)
    last_post_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["social_account", "platform_page_id"], name="social_page_unique_per_account"
            )
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name or self.platform_page_id

    def __repr__(self) -> str:
        return f"<SocialPage {self.id} {self.platform_page_id}>"


class AuditLog(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_logs"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="audit_org_recent")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"


class OAuthState(models.Model):
    """One connect flow started in the browser, between the authorize call and the platform's
    callback. Only the state's digest is kept, so a copy of this table cannot complete anyone's
    flow; the PKCE verifier is a secret like a token. Used once: `consumed_at` is set by the
    one callback that wins it."""

    SECRET_FIELDS = ("code_verifier",)

    state_digest = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    code_verifier = encrypted_text(null=True, blank=True)
    redirect_to = models.URLField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_platform_display()} connect flow of {self.organization_id}"

    def __repr__(self) -> str:
        return f"<OAuthState {self.pk} {self.platform}>"


class ScheduledTaskRun(models.Model):
    """The last run of one task of the beat schedule, written by the worker that ran it
    (accounts.schedule), so that staff see whether the schedule is alive."""

    task_name = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    # The Celery state the last finished run ended in: SUCCESS, FAILURE, RETRY…
    last_state = models.CharField(max_length=16, blank=True)
    # The exception class of a failed run, never its message (which could quote a token).
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["task_name"]

    def __str__(self) -> str:
        return self.task_name
