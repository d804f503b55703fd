"""Connecting an account in the browser: the server runs each platform's OAuth dance, so that
no front end ever holds a platform token or the app's client secret.

`oauth_flow_start` stores a single-use state bound to the organization, the user, the
platform, the PKCE verifier and where the browser goes back to, and answers the platform's
authorization URL. `oauth_flow_complete` takes the platform's callback: it consumes the state
(exactly once), exchanges the code, reads the profile, connects the account through the same
service as POST /social/connect (or reconnects the one already there) and fetches its pages.
It answers the front-end URL to send the browser to: never with a token in it."""

import hashlib
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts import selectors
from accounts.models import OAuthState, Organization, Platform, SocialAccount
from accounts.platforms import get_client
from accounts.platforms.authorization import get_authorization
from accounts.platforms.base import Credentials, Profile, TokenGrant
from accounts.platforms.errors import PlatformError, PlatformUnavailable
from accounts.services import (
    Actor,
    apply_token_grant,
    audit_log_record,
    social_account_connect,
    social_account_pages_refresh,
)
from vchata_social.errors import ApplicationError, Conflict, NotFound
from vchata_social.redaction import client_safe_message

logger = logging.getLogger(__name__)

CONNECT_FAILED = "social_account.connect_failed"
RECONNECT = "social_account.reconnect"
# The values of `reason` in the front-end URL of a failed flow.
REASON_ACCESS_DENIED = "access_denied"
REASON_STATE_INVALID = "state_invalid"
REASON_FORBIDDEN = "forbidden"
REASON_PLATFORM_ERROR = "platform_error"
REASON_PLATFORM_UNAVAILABLE = "platform_unavailable"
# How each platform says that the user refused: RFC 6749 4.1.2.1's access_denied, and
# LinkedIn's own codes for a member who cancelled.
DENIAL_ERRORS = frozenset({"access_denied", "user_cancelled_login", "user_cancelled_authorize"})
# Scopes are short tokens; Google's are URLs.
MAX_EXTRA_SCOPES = 20
STATE_BYTES = 32
# RFC 7636 4.1: 43 to 128 characters; 64 random bytes make 86.
VERIFIER_BYTES = 64
PLATFORM_ERROR_DETAIL_LENGTH = 200


def platform_from_slug(slug: str) -> str:
    """FACEBOOK for "facebook": the lower-case name the URLs carry. Unknown → NotFound."""
    platform = slug.upper()
    if slug != slug.lower() or platform not in Platform.values:
        raise NotFound("Unknown platform")
    return platform


# --- Start ---------------------------------------------------------------------------------


def oauth_flow_start(
    *,
    organization: Organization,
    user: AbstractBaseUser,
    platform: str,
    callback_url: str,
    redirect_to: str | None = None,
    extra_scopes: list[str] | None = None,
) -> str:
    """Store a new state and answer the URL that sends the user to the platform's consent."""
    _refuse_plain_http_callback(callback_url)
    redirect_to = _allowed_redirect(redirect_to)
    authorization = get_authorization(platform)
    scopes = _scopes(platform, extra_scopes or [])
    state = secrets.token_urlsafe(STATE_BYTES)
    verifier = secrets.token_urlsafe(VERIFIER_BYTES) if authorization.uses_pkce else None
    url = authorization.authorization_url(
        redirect_uri=callback_url, state=state, scopes=scopes, code_verifier=verifier
    )
    now = timezone.now()
    # States nobody came back with would pile up: each start clears the expired ones.
    OAuthState.objects.filter(expires_at__lt=now).delete()
    OAuthState.objects.create(
        state_digest=_digest(state),
        organization=organization,
        user=user,
        platform=platform,
        code_verifier=verifier,
        redirect_to=redirect_to,
        expires_at=now + timedelta(seconds=settings.OAUTH_STATE_TTL_SECONDS),
    )
    return url


def _refuse_plain_http_callback(callback_url: str) -> None:
    # The platforms send the authorization code to it (settings refuse the configured one).
    if not settings.DEBUG and urlsplit(callback_url).scheme != "https":
        raise ApplicationError("The callback URL must be https: set OAUTH_CALLBACK_BASE_URL")


def _allowed_redirect(redirect_to: str | None) -> str:
    """The front-end URL the flow ends on: one of OAUTH_ALLOWED_REDIRECT_URLS (its query may
    differ), else the default. An open redirect would hand our users to anyone's page."""
    if not redirect_to:
        if not settings.OAUTH_DEFAULT_REDIRECT_URL:
            raise ApplicationError(["redirectTo is required: OAUTH_DEFAULT_REDIRECT_URL is unset"])
        return settings.OAUTH_DEFAULT_REDIRECT_URL
    if _page_of(redirect_to) not in {_page_of(url) for url in settings.OAUTH_ALLOWED_REDIRECT_URLS}:
        raise ApplicationError(["redirectTo is not one of the allowed redirect URLs"])
    return redirect_to


def _page_of(url: str) -> tuple[str, str, str] | None:
    """Scheme, host (with port) and path: what identifies a front-end page. None for a URL
    that cannot be one (credentials or a fragment in it, another scheme)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username or parts.password or parts.fragment:
        return None
    return parts.scheme, parts.netloc.lower(), parts.path or "/"


def _scopes(platform: str, extra: list[str]) -> list[str]:
    if len(extra) > MAX_EXTRA_SCOPES:
        raise ApplicationError([f"scopes: at most {MAX_EXTRA_SCOPES} extra scopes"])
    configured = list(get_client(platform).config["SCOPES"])
    return configured + [scope for scope in dict.fromkeys(extra) if scope not in configured]


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


# --- Callback ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackParams:
    """What the platform put in the callback URL."""

    code: str = ""
    state: str = ""
    error: str = ""
    error_description: str = ""


def oauth_state_consume(*, platform: str, state: str) -> OAuthState | None:
    """The flow `state` started, taken by this caller only: a compare-and-set on consumed_at,
    so of two callbacks with one state (a replay, a double click) exactly one wins. None for a
    state unknown, used, expired or started for another platform."""
    if not state:
        return None
    now = timezone.now()
    taken = OAuthState.objects.filter(
        state_digest=_digest(state),
        platform=platform,
        consumed_at__isnull=True,
        expires_at__gt=now,
    ).update(consumed_at=now)
    if not taken:
        return None
    return OAuthState.objects.select_related("organization", "user").get(
        state_digest=_digest(state)
    )


def oauth_flow_complete(
    *, platform: str, params: CallbackParams, callback_url: str, ip_address: str | None
) -> str | None:
    """Finish the flow the callback belongs to; answer the front-end URL to redirect the
    browser to (None when the flow is unknown and no default page is set)."""
    flow = oauth_state_consume(platform=platform, state=params.state)
    if flow is None:
        logger.info("%s connect callback refused: unknown, used or expired state", platform)
        default = settings.OAUTH_DEFAULT_REDIRECT_URL
        return (
            _with_query(default, status="error", reason=REASON_STATE_INVALID) if default else None
        )
    actor = Actor(user=flow.user, ip_address=ip_address)
    try:
        account = _connect(flow, params, callback_url, actor)
    except ConnectFailed as failure:
        _record_failure(flow, actor, failure)
        return _with_query(flow.redirect_to, status="error", reason=failure.reason)
    _fetch_pages(account, actor)
    return _with_query(flow.redirect_to, status="connected", socialAccountId=account.pk)


class ConnectFailed(Exception):
    """A flow that ends on the front end with `reason`; `detail` and `platform_error` go to
    the audit log only."""

    def __init__(self, reason: str, detail: str = "", platform_error: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.platform_error = platform_error


def _connect(
    flow: OAuthState, params: CallbackParams, callback_url: str, actor: Actor
) -> SocialAccount:
    if params.error or not params.code:
        reason = REASON_ACCESS_DENIED if params.error in DENIAL_ERRORS else REASON_PLATFORM_ERROR
        raise ConnectFailed(
            reason, detail=params.error_description, platform_error=params.error or "no code"
        )
    membership = selectors.membership_get(
        user_id=flow.user_id, organization_id=flow.organization_id
    )
    # The user may have lost their role (or the organization) since the flow started.
    if membership is None or not membership.can_write:
        raise ConnectFailed(REASON_FORBIDDEN, detail="The user may no longer connect accounts")
    try:
        grant, profile = _exchange(flow, params.code, callback_url)
        return social_account_connect_or_reconnect(
            organization=flow.organization,
            actor=actor,
            platform=flow.platform,
            grant=grant,
            profile=profile,
        )
    except PlatformUnavailable as failure:
        raise ConnectFailed(REASON_PLATFORM_UNAVAILABLE, detail=str(failure.message)) from None
    except PlatformError as failure:
        raise ConnectFailed(REASON_PLATFORM_ERROR, detail=str(failure.message)) from None


def _exchange(flow: OAuthState, code: str, callback_url: str) -> tuple[TokenGrant, Profile]:
    # No account yet: the calls draw on a budget of the organization's connect flows.
    budget = f"oauth-{flow.organization_id}"
    grant = get_authorization(flow.platform).exchange_code(
        Credentials(account_key=budget, access_token=""),
        code=code,
        redirect_uri=callback_url,
        code_verifier=flow.code_verifier,
    )
    profile = get_client(flow.platform).fetch_profile(
        Credentials(account_key=budget, access_token=grant.access_token)
    )
    return grant, profile


def _record_failure(flow: OAuthState, actor: Actor, failure: ConnectFailed) -> None:
    """Audited, so that failed connections count in the organization's metrics."""
    logger.info("%s connect flow failed: %s", flow.platform, failure.reason)
    audit_log_record(
        organization_id=flow.organization_id,
        actor=actor,
        action=CONNECT_FAILED,
        target=flow,
        details={
            "platform": flow.platform,
            "reason": failure.reason,
            "platformError": client_safe_message(failure.platform_error)[:64],
            "description": client_safe_message(failure.detail)[:PLATFORM_ERROR_DETAIL_LENGTH],
        },
    )


def _fetch_pages(account: SocialAccount, actor: Actor) -> None:
    """The account is connected whatever happens here: its pages are fetched again on the
    next pages call or sync."""
    try:
        social_account_pages_refresh(organization=None, account_id=account.pk, actor=actor)
    except PlatformError as failure:
        logger.warning(
            "Pages of %s not fetched after connecting: %s", account.pk, type(failure).__name__
        )


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


# --- Connect or reconnect ------------------------------------------------------------------


def social_account_connect_or_reconnect(
    *,
    organization: Organization,
    actor: Actor,
    platform: str,
    grant: TokenGrant,
    profile: Profile,
) -> SocialAccount:
    """Connect the platform user to the organization, or, when it is already connected,
    reconnect it with the new tokens."""
    existing = _connected(organization, platform, profile.platform_user_id)
    if existing is None:
        try:
            return social_account_connect(
                organization=organization,
                actor=actor,
                platform=platform,
                platform_user_id=profile.platform_user_id,
                access_token=grant.access_token,
                refresh_token=grant.refresh_token,
                expires_in=grant.expires_in,
                refresh_expires_in=grant.refresh_expires_in,
                platform_user_name=profile.user_name[:255],
                platform_user_email=profile.email or "",
                permissions=grant.scopes or profile.scopes or [],
            )
        except Conflict:
            # Another flow of the same platform user connected it meanwhile.
            existing = _connected(organization, platform, profile.platform_user_id)
    return social_account_reconnect(
        account_id=existing.pk, actor=actor, grant=grant, profile=profile
    )


def _connected(
    organization: Organization, platform: str, platform_user_id: str
) -> SocialAccount | None:
    return (
        SocialAccount.objects.for_organization(organization)
        .filter(platform=platform, platform_user_id=platform_user_id)
        .only("pk")
        .first()
    )


@transaction.atomic
def social_account_reconnect(
    *, account_id: str, actor: Actor, grant: TokenGrant, profile: Profile
) -> SocialAccount:
    """New tokens from a new login, and the account ACTIVE again; its history, pages, posts
    and webhook subscription stay. The row lock waits for a refresh under way: when the new
    login brings no refresh token (Google's often does not), the one kept is then the one
    that refresh rotated in, not the one it killed."""
    account = SocialAccount.objects.select_for_update().get(pk=account_id)
    previous_status = account.status
    account.platform_user_name = profile.user_name[:255] or account.platform_user_name
    account.platform_user_email = profile.email or account.platform_user_email
    # A new login restarts Meta's data access window; the next validation reads its end.
    account.data_access_expires_at = None
    if grant.scopes is None and profile.scopes:
        grant = replace(grant, scopes=profile.scopes)
    apply_token_grant(account, grant, used_refresh_token=None)
    audit_log_record(
        organization_id=account.organization_id,
        actor=actor,
        action=RECONNECT,
        target=account,
        details={"platform": account.platform, "previousStatus": previous_status},
    )
    return account
