"""Debian's Chromium, headless, driven through Debian's chromedriver. Both paths are given,
so Selenium never looks for (or downloads) a browser or a driver of its own."""

import base64
import os
import re
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[3]
# Where a failing browser test leaves a screenshot and the page's HTML (git-ignored; CI
# keeps it as an artifact). BROWSER_ARTIFACTS_DIR moves it.
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS_DIR", ROOT / "artifacts" / "browser"))
WINDOW = (1280, 1000)
# `make screenshots` sets it to docs/screenshots: the tests that show a page for the README
# then save their picture of it there.
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS_DIR")


def start_chromium() -> webdriver.Chrome:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        raise RuntimeError(
            f"{' and '.join(missing)} not found: `make browser` installs Debian's chromium "
            "and chromium-driver; `pytest -m 'not browser'` runs the rest without them"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        # Run as root in CI, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def save_page(driver: webdriver.Chrome, name: str, folder: Path = ARTIFACTS) -> Path:
    """A screenshot of the page the browser shows, and its HTML beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    screenshot = folder / f"{stem}.png"
    driver.save_screenshot(str(screenshot))
    (folder / f"{stem}.html").write_text(driver.page_source)
    return screenshot


def save_readme_screenshot(driver: webdriver.Chrome, element, name: str) -> None:
    """The element, whole and a little of its surroundings, as the README shows it, when
    `make screenshots` asks for pictures. Through Chromium's own capture, which is not
    limited to the window as Selenium's element screenshot is."""
    if not SCREENSHOTS:
        return
    box = driver.execute_script(ELEMENT_BOX, element, SCREENSHOT_MARGIN)
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**box, "scale": 1}},
    )
    folder = ROOT / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


SCREENSHOT_MARGIN = 12
# The element's box on the page (not the window), widened by a margin; all it holds, for an
# element (the body) whose box the admin's style keeps to the window's height.
ELEMENT_BOX = """
const [element, margin] = arguments;
const box = element.getBoundingClientRect();
return {
  x: Math.max(0, box.left + window.scrollX - margin),
  y: Math.max(0, box.top + window.scrollY - margin),
  width: Math.max(box.width, element.scrollWidth) + 2 * margin,
  height: Math.max(box.height, element.scrollHeight) + 2 * margin,
};
"""
