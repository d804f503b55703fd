"""The account list's pages, kept in each process's memory under the version of the
organization's accounts (selectors.membership_access_with_accounts_version), which the same
request reads from PostgreSQL: a write of any account of the organization, by any path,
changes the version, so that no process serves a page after a write it does not show."""

from django.conf import settings
from django.core.cache import caches

from accounts.models import REAUTH_SOON
from accounts.selectors import OrganizationAccess, social_account_list_page
from accounts.serializers import account_list_items
from vchata_social.api import plain_envelope
from vchata_social.cache_aside import cached_or_computed
from vchata_social.renderers import RenderedJSON, render_plain

LIST_MESSAGE = "Social accounts retrieved successfully"


def account_list_answer(
    *,
    access: OrganizationAccess,
    offset: int,
    limit: int,
    platform: str | None,
    is_active: bool | None,
    status: str | None,
) -> RenderedJSON:
    """The list's answer (the page and the total in the envelope), written."""
    query = {
        "offset": offset,
        "limit": limit,
        "platform": platform,
        "is_active": is_active,
        "status": status,
    }

    def compute() -> RenderedJSON:
        rows, total = social_account_list_page(organization_id=access.organization_id, **query)
        accounts = account_list_items(rows)
        return render_plain(plain_envelope(LIST_MESSAGE, socialAccounts=accounts, total=total))

    if status == REAUTH_SOON:  # its matches change with the clock, not only with writes
        return compute()
    return cached_or_computed(
        lambda: _key(access, query),
        compute,
        timeout=settings.ACCOUNT_LIST_CACHE_SECONDS,
        name="Account list",
        subject=f"the account list of {access.organization_id}",
        store=caches[settings.ACCOUNT_LIST_CACHE],
    )


def _key(access: OrganizationAccess, query: dict) -> str:
    parts = ":".join(f"{name}={value}" for name, value in query.items())
    return f"account-list:{access.organization_id}:{access.accounts_version}:{parts}"
