"""System checks on the platform settings. They run at every start-up (`manage.py check`,
runserver, migrate), and /healthz reports the findings of the checks tagged PLATFORMS_TAG."""

import re
from datetime import date

from django.conf import settings
from django.core import checks
from django.utils import timezone

PLATFORMS_TAG = "platforms"

# LinkedIn serves each monthly version for about a year and then answers every call with
# 426; warning from the eleventh month leaves a month or so to move to a newer version.
LINKEDIN_VERSION_WARNING_AGE_MONTHS = 11
LINKEDIN_VERSIONS_URL = (
    "https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations"
)
_LINKEDIN_VERSION = re.compile(r"(?P<year>\d{4})(?P<month>0[1-9]|1[0-2])")


def linkedin_api_version_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    version = settings.SOCIAL_LINKEDIN_API_VERSION
    released = _linkedin_version_month(version)
    if released is None:
        return [_malformed_linkedin_version(version)]
    today = timezone.now().date()
    if released > today:
        return [_future_linkedin_version(version)]
    if today > _months_after(released, LINKEDIN_VERSION_WARNING_AGE_MONTHS):
        return [_old_linkedin_version(version, _months_between(released, today))]
    return []


def _linkedin_version_month(version: str) -> date | None:
    """The first day of the month a YYYYMM version names, or None when it names none."""
    match = _LINKEDIN_VERSION.fullmatch(str(version))
    if match is None:
        return None
    return date(int(match["year"]), int(match["month"]), 1)


def _months_after(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _malformed_linkedin_version(version: str) -> checks.Error:
    return checks.Error(
        f"SOCIAL_LINKEDIN_API_VERSION {version!r} is not a LinkedIn version (YYYYMM); "
        "LinkedIn refuses every /rest call without a valid LinkedIn-Version header.",
        hint=f"Set it to a version LinkedIn serves, listed at {LINKEDIN_VERSIONS_URL}.",
        id="accounts.E001",
    )


def _old_linkedin_version(version: str, age_months: int) -> checks.Warning:
    return checks.Warning(
        f"SOCIAL_LINKEDIN_API_VERSION {version} is {age_months} months old; LinkedIn serves "
        "a version for about a year, then answers every /rest call with 426.",
        hint=f"Move to a recent version (check the changes since), listed at "
        f"{LINKEDIN_VERSIONS_URL}.",
        id="accounts.W001",
    )


def _future_linkedin_version(version: str) -> checks.Warning:
    return checks.Warning(
        f"SOCIAL_LINKEDIN_API_VERSION {version} names a month still to come; LinkedIn "
        "answers every /rest call for a version it has not released with 426.",
        hint=f"Set it to a version LinkedIn serves, listed at {LINKEDIN_VERSIONS_URL}.",
        id="accounts.W002",
    )
