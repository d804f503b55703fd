"""Browser tests: the admin as served by pytest-django's live server, in a real Chromium.

A failing browser test leaves a screenshot and the page's HTML in artifacts/browser/
(driver.ARTIFACTS), named after the test."""

import pytest
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import url_to_be
from selenium.webdriver.support.wait import WebDriverWait

from vchata_social.tests.browser.driver import save_page, start_chromium


@pytest.fixture(scope="session")
def chromium():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium, live_server):
    """The browser, signed out, with `open(path)` for a path of the live server."""
    chromium.delete_all_cookies()
    yield Browser(chromium, live_server.url)
    chromium.delete_all_cookies()


PAGE_LOAD_SECONDS = 20
NEW_PAGE_LOADED = "return !window.beforeSubmit && document.readyState === 'complete'"


class Browser:
    def __init__(self, driver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base_url}{path}")

    def find(self, selector: str):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def find_all(self, selector: str) -> list:
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def text(self) -> str:
        return self.find("body").text

    def submit(self, selector: str) -> None:
        """Clicks what sends a form, and waits for the page that answers."""
        # The mark lives on this page's window, which the answering page replaces. (Waiting for
        # an element to go stale races with Chromium replacing the document.)
        self.driver.execute_script("window.beforeSubmit = true")
        self.find(selector).click()
        WebDriverWait(
            self.driver, PAGE_LOAD_SECONDS, ignored_exceptions=[WebDriverException]
        ).until(lambda driver: driver.execute_script(NEW_PAGE_LOADED))

    def wait_until_at(self, path: str) -> None:
        """Waits for the browser to show `path` (after redirects), or fails saying where it is."""
        try:
            WebDriverWait(self.driver, PAGE_LOAD_SECONDS).until(url_to_be(self.base_url + path))
        except TimeoutException:
            pytest.fail(f"expected {path}, the browser is at {self.driver.current_url}")

    def sign_in(self, username: str, password: str) -> None:
        for selector, value in (("#id_username", username), ("#id_password", password)):
            field = self.find(selector)
            field.clear()  # a refused attempt leaves the username filled in
            field.send_keys(value)
        self.submit("input[type=submit]")

    def messages(self) -> list[str]:
        return [item.text for item in self.find_all("ul.messagelist li")]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    driver = getattr(item, "funcargs", {}).get("chromium")
    if report.failed and driver is not None:
        screenshot = save_page(driver, item.nodeid)
        report.sections.append(("browser", f"screenshot of the failure: {screenshot}"))
    return report
