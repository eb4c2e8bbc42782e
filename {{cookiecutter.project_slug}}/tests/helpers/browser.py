"""Find a Chromium for the browser test the way users have one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ENV = "RAG_TEST_BROWSER"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MISSING = (
    "no browser for the UI test: run `.venv/bin/python -m playwright install chromium` "
    f"(make setup does where the network allows), or install Chromium and put it on PATH or "
    f"name it in {ENV}"
)


def executable(playwright: Any) -> str | None:
    """The browser to launch: the one named in RAG_TEST_BROWSER, else Playwright's own Chromium
    (None: Playwright finds it), else a Chromium on PATH. Raises with one line saying both ways
    to get one when there is none."""
    named = os.environ.get(ENV)
    if named:
        if not Path(named).is_file():
            raise FileNotFoundError(f"{ENV}={named} does not exist")
        return named
    if Path(playwright.chromium.executable_path).is_file():
        return None
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(MISSING)
