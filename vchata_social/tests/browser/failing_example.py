"""A browser test that fails on purpose. Not collected with the suite (its name does not
start with test_): test_failure_artifacts.py runs it alone to see what a failure leaves."""

import pytest

pytestmark = pytest.mark.browser


def test_a_page_that_is_not_the_one_expected(chromium):
    chromium.get("data:text/html,<title>Unexpected</title><h1>Unexpected page</h1>")
    assert chromium.title == "Expected"
