"""A real browser (headless Chromium, driven by Playwright) uses the UI."""

import socket
import threading
import time

import pytest
from tests.helpers.browser import executable
from tests.helpers.corpus import PROJECT

SCREENSHOT = PROJECT / "docs" / "img" / "ui.png"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable(p),
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


def open_ui(page, url: str) -> None:
    """Open the UI and wait until it can take a question. (Not "networkidle": a UI with
    conversation state keeps Gradio's heartbeat connection open, so the network never idles.)"""
    page.goto(f"{url}/ui/", wait_until="load")
    page.wait_for_selector("#question textarea", timeout=60_000)


def test_ui_answers_with_a_citation(browser, live_server: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    open_ui(page, live_server)
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


def test_chat_reads_a_follow_up_in_the_conversation_takes_feedback_and_saves_a_screenshot(
    browser, live_server: str, api_app
):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    open_ui(page, live_server)
    page.fill("#question textarea", "How do I descale the Zephyr kettle?")
    page.click("#ask")
    page.wait_for_selector("#answer-text", timeout=60_000)
    page.fill("#question textarea", "How often should I do it?")
    page.click("#ask")
    page.wait_for_selector("#query", timeout=60_000)  # the follow-up's answer is in
    page.wait_for_function(
        "document.querySelector('#chat').innerText.split('Sources:').length >= 3",
        timeout=30_000,
    )
    chat = page.inner_text("#chat")
    assert "How often should I do it?" in chat and "6 weeks" in chat
    assert "guides/kettle.md" in chat  # the cited document, under the answer
    assert "Zephyr kettle" in page.inner_text("#query")  # searched with the conversation

    page.locator("#reason input").click()
    page.get_by_role("option", name="wrong sources").click()
    page.fill("#comment textarea", "cited the wrong page")
    page.click("#thumbs-down")
    page.wait_for_function(
        "document.querySelector('#feedback-status').innerText.includes('Thanks')",
        timeout=30_000,
    )
    rows = api_app.state.feedback.store.rows()
    assert rows[-1]["rating"] == "down" and rows[-1]["reason"] == "wrong_sources"
    assert rows[-1]["question"] == "How often should I do it?"
    assert rows[-1]["comment"] == "cited the wrong page"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000

    page.click("#new-chat")
    page.wait_for_function(
        "document.querySelectorAll('#chat .message').length === 0", timeout=30_000
    )


PAYLOAD_DOC = """# Quasar Blender Safety

## Lid lock
The Quasar blender lid lock <script>window.__xss = "script"; alert("script")</script> must click
before the motor starts. <img src=x onerror="window.__xss = 'onerror'; alert('onerror')"> The
lid lock sensor QB-9 stops the blade within 2 seconds when the lid opens.
"""


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory, embedder):
    """A server over a corpus whose document carries a <script> and an onerror= payload."""
    import uvicorn
    from tests.helpers.corpus import pipeline_over

    from {{ cookiecutter.package_name }}.service.app import create_app

    root = tmp_path_factory.mktemp("payload")
    pipeline = pipeline_over(root, {"blender.md": PAYLOAD_DOC}, embedder)
    chunks = (root / "index").glob("v-*/chunks.jsonl")
    assert any("<script>" in p.read_text() and "onerror=" in p.read_text() for p in chunks)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(pipeline), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_document_markup_is_shown_as_text_and_never_runs(browser, payload_server: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_ui(page, payload_server)
    page.fill("#question textarea", "What does the Quasar blender lid lock sensor QB-9 do?")
    page.click("#ask")
    page.wait_for_selector("#answer-text", timeout=60_000)
    page.wait_for_timeout(500)  # give any injected handler (img onerror) time to fire
    sources = page.inner_text("#sources")
    shown = page.inner_text("#answer-text") + sources
    assert "QB-9" in shown
    assert "<script>" in sources and "onerror=" in sources  # displayed as text
    assert page.locator("#sources script, #answer script, #sources img").count() == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
