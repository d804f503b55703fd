"""Scheduled token refresh. Tasks take ids, load, call one service, and retry transient
failures with backoff; a token the platform rejected for good is recorded, not retried."""

import logging
import random

from celery import shared_task

from accounts.platforms.errors import PlatformRateLimited, PlatformUnavailable, ReauthRequired
from accounts.selectors import social_accounts_due_for_refresh
from accounts.services import SYSTEM, social_account_refresh_token
from vchata_social.errors import NotFound

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 900


def _backoff(retries: int) -> float:
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def refresh_social_account_token(self, account_id: str) -> str:
    try:
        outcome = social_account_refresh_token(
            organization=None, account_id=account_id, actor=SYSTEM, only_if_due=True
        )
    except NotFound:
        return "gone"
    except ReauthRequired:
        return "reauth_required"
    except PlatformRateLimited as error:
        raise self.retry(countdown=error.retry_after or _backoff(self.request.retries)) from None
    except PlatformUnavailable:
        logger.warning("Token refresh of %s failed for now; retrying", account_id)
        raise self.retry(countdown=_backoff(self.request.retries)) from None
    return "refreshed" if outcome.refreshed else "not_needed"


@shared_task(acks_late=True)
def enqueue_due_token_refreshes() -> int:
    """Beat entry: one refresh task per account whose token is about to expire."""
    due = list(social_accounts_due_for_refresh().values_list("pk", flat=True))
    for account_id in due:
        refresh_social_account_token.delay(account_id)
    if due:
        logger.info("Enqueued %d token refreshes", len(due))
    return len(due)
