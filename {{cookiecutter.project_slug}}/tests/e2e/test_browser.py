"""A real browser (Debian's headless Chromium, driven by Playwright) uses the UI."""

from pathlib import Path

import pytest
from tests.conftest import PROJECT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = PROJECT / "docs" / "img" / "ui.png"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), (
        "install Debian's chromium (apt-get install chromium) for the browser test"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def test_ui_answers_with_a_citation_and_saves_a_screenshot(browser, live_server: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_server}/ui/", wait_until="networkidle")
    assert "Re-ranker unavailable" in page.inner_text("#banner")
    page.fill("#question textarea", "How long is the Zephyr kettle warranty?")
    page.click("#ask")
    page.wait_for_selector("#answer-text", timeout=60_000)
    answer = page.inner_text("#answer-text")
    assert "3-year warranty" in answer
    citation = page.locator("#answer-text a.cite").first
    assert citation.inner_text() == "[1]"
    citation.click()
    assert page.locator("#src-1").get_attribute("open") is not None
    assert "guides/kettle.md" in page.inner_text("#sources")
    assert "kettle.md" in page.inner_text("#chunks")
    assert "retrieve" in page.inner_text("#latency")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
