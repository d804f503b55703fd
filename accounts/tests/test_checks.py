from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.checks import PLATFORMS_TAG

TODAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def platform_findings() -> list[tuple[type, str]]:
    return [(type(finding), finding.id) for finding in checks.run_checks(tags=[PLATFORMS_TAG])]


@time_machine.travel(TODAY, tick=False)
def test_a_version_more_than_eleven_months_old_warns(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202511"
    [finding] = checks.run_checks(tags=[PLATFORMS_TAG])
    assert (type(finding), finding.id) == (checks.Warning, "accounts.W001")
    assert "202511 is 12 months old" in finding.msg


@time_machine.travel(TODAY, tick=False)
def test_a_recent_version_passes(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202607"
    assert platform_findings() == []


@pytest.mark.parametrize(
    ("today", "warned"),
    [
        (datetime(2026, 10, 1, 23, 59, tzinfo=UTC), False),  # eleven months to the day
        (datetime(2026, 10, 2, 0, 0, tzinfo=UTC), True),
    ],
)
def test_the_warning_starts_once_eleven_months_have_passed(settings, today, warned):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202511"
    with time_machine.travel(today, tick=False):
        findings = platform_findings()
    assert findings == ([(checks.Warning, "accounts.W001")] if warned else [])


@time_machine.travel(TODAY, tick=False)
def test_the_age_follows_the_clock_not_a_fixed_date(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202607"
    assert platform_findings() == []
    with time_machine.travel(datetime(2027, 6, 20, tzinfo=UTC), tick=False):
        assert platform_findings() == [(checks.Warning, "accounts.W001")]


@time_machine.travel(TODAY, tick=False)
def test_a_version_still_to_come_warns(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202612"
    assert platform_findings() == [(checks.Warning, "accounts.W002")]


@time_machine.travel(TODAY, tick=False)
def test_the_current_month_is_no_future(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202611"
    assert platform_findings() == []


@pytest.mark.parametrize("version", ["2026-07", "202613", "202600", "20260", "latest", ""])
def test_a_malformed_version_is_an_error(settings, version):
    settings.SOCIAL_LINKEDIN_API_VERSION = version
    assert platform_findings() == [(checks.Error, "accounts.E001")]


@time_machine.travel(TODAY, tick=False)
def test_manage_py_check_shows_the_warning(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202511"
    output = StringIO()
    call_command("check", stdout=output, stderr=output)
    assert (
        "(accounts.W001) SOCIAL_LINKEDIN_API_VERSION 202511 is 12 months old" in output.getvalue()
    )


def test_manage_py_check_fails_on_a_malformed_version(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "2026-07"
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check", stdout=StringIO(), stderr=StringIO())
