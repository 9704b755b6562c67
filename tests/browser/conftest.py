"""Playwright driving Debian's Chromium (/usr/bin/chromium, headless): never a downloaded browser.

Screenshots of every test go to .sandbox/artifacts/browser/ (gitignored); `--docs-screenshot`
also refreshes docs/console.png from the web logs page.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from sandbox.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / ".sandbox" / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory) -> Iterator[Any]:
    """One headless Chromium with a fresh profile for the session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium (`apt-get install -y chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class Watched:
    """A page plus what it did that a test must see: dialogs opened and script errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def browser(browser_context, request) -> Iterator[Watched]:
    """A fresh tab; after the test, a full-page screenshot named after it under ARTIFACTS."""
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    watched = Watched(page)
    try:
        yield watched
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if page.url.startswith("http"):
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        page.close()


def save_docs_screenshot(config: pytest.Config, watched: Watched) -> None:
    """With --docs-screenshot, the page as it is now becomes docs/console.png (the README's picture)."""
    if config.getoption("--docs-screenshot"):
        shot = ARTIFACTS / "docs-console.png"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        watched.page.screenshot(path=str(shot))
        shutil.copyfile(shot, PROJECT_ROOT / "docs" / "console.png")
