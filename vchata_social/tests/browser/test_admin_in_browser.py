"""Staff sign in, are throttled, see only their organizations and refresh an account's
tokens, in a real browser against the admin served by the live server."""

import pytest
from selenium.webdriver.support.select import Select

from accounts.models import SocialAccount
from accounts.platforms.tests.support import load_fixture
from accounts.tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory
from accounts.tests.standin import standin_platform
from vchata_social.tests.admin_data import limited_staff
from vchata_social.tests.test_admin_security import admin_url

pytestmark = pytest.mark.browser

ADDRESS_LIMIT = 10  # ADMIN_LOGIN_THROTTLE_RATE's default


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def test_staff_sign_in_to_the_admin(browser, operator):
    browser.open("/admin/")
    assert "/admin/login/" in browser.driver.current_url
    browser.sign_in("operator", TEST_PASSWORD)
    assert browser.driver.current_url == f"{browser.base_url}/admin/"
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


def test_staff_refresh_an_accounts_tokens_and_read_what_happened(
    browser, operator, account_factory, platform_settings
):
    account = account_factory(platform="YOUTUBE", platform_user_name="Acme on YouTube")
    routes = {("POST", "/token"): load_fixture("youtube", "refresh_success")}

    with standin_platform(routes) as (google_url, calls):
        platform_settings.SOCIAL_PLATFORMS["YOUTUBE"]["OAUTH_URL"] = google_url
        browser.open("/admin/login/")
        browser.sign_in("operator", TEST_PASSWORD)
        browser.open(admin_url(SocialAccount, "changelist"))
        browser.find(f"input[name=_selected_action][value='{account.pk}']").click()
        Select(browser.find("select[name=action]")).select_by_visible_text(
            "Refresh the tokens of the selected accounts"
        )
        browser.submit("button[name=index]")
        shown = browser.messages()

    assert shown == ["Token refreshed: 1 account(s)."]
    assert calls == [("POST", "/token")]
    account.refresh_from_db()
    assert account.access_token == "ya29.a0AfH6SMBrefreshedAccessToken"
