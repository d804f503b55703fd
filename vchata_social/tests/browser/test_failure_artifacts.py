import os
import subprocess
import sys
from pathlib import Path

import pytest

from vchata_social.tests.browser.driver import ROOT

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).with_name("failing_example.py")


def test_a_failing_browser_test_leaves_a_screenshot_and_the_page(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE)],
        cwd=ROOT,
        env={**os.environ, "BROWSER_ARTIFACTS_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    stem = "vchata_social_tests_browser_failing_example.py_test_a_page_that_is_not_the_one_expected"
    screenshot = tmp_path / f"{stem}.png"
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "Unexpected page" in (tmp_path / f"{stem}.html").read_text()
    assert f"screenshot of the failure: {screenshot}" in result.stdout
