"""Staff sign in, are throttled, and see only their organizations, in a real browser against
the admin served by the live server."""

import pytest

from accounts.models import SocialAccount
from accounts.tests.clients import admin_url
from accounts.tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory
from vchata_social.tests.admin_data import limited_staff

pytestmark = pytest.mark.browser

ADDRESS_LIMIT = 10  # ADMIN_LOGIN_THROTTLE_RATE's default


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def test_staff_sign_in_to_the_admin(browser, operator):
    browser.open("/admin/")
    browser.wait_until_at("/admin/login/?next=/admin/")
    browser.sign_in("operator", TEST_PASSWORD)
    browser.wait_until_at("/admin/")
    assert "Site administration" in browser.text()
    assert "Social accounts" in browser.text()


def test_too_many_login_attempts_are_refused_with_a_clear_message(browser, operator):
    browser.open("/admin/login/")
    for _ in range(ADDRESS_LIMIT):
        browser.sign_in("operator", "not-the-password")
        assert "Please enter the correct username and password" in browser.text()
    browser.sign_in("operator", TEST_PASSWORD)
    assert "Too many sign-in attempts. Try again in" in browser.text()
    assert "/admin/login/" in browser.driver.current_url


def test_limited_staff_see_only_their_organizations_accounts(browser, account_factory):
    mine = account_factory(platform_user_name="Acme on Facebook")
    theirs = SocialAccount.objects.get(
        pk=account_factory(
            organization=OrganizationFactory(name="Zeta Industries"),
            platform_user_name="Zeta on Facebook",
        ).pk
    )
    limited_staff(organizations=[mine.organization])

    browser.open("/admin/login/")
    browser.sign_in("limited", TEST_PASSWORD)
    browser.open(admin_url(SocialAccount, "changelist"))
    listed = browser.text()
    assert "Acme on Facebook" in listed
    assert "Zeta" not in listed
    browser.open(admin_url(SocialAccount, "change", theirs))
    assert any("doesn’t exist" in message for message in browser.messages())
    assert "Zeta" not in browser.text()
