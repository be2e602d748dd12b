"""Browser tests: the real API (uvicorn, on a free loopback port, against the session's indexed sample data)
driven by Debian's Chromium through Playwright. No browser is downloaded; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from caremap.settings import PROJECT_ROOT, Settings

CHROMIUM = Path(os.environ.get("CAREMAP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
DESKTOP = {"width": 1280, "height": 900}
# Generous: the first searches embed on a shared 2-core machine while other test sessions run.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)
LEAKED_VALUE = re.compile(r"\b(?:null|undefined|NaN)\b|\[object Object\]")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the search page in a real headless Chromium")


@pytest.fixture(scope="session")
def web_url(request: pytest.FixtureRequest, base_settings: Settings) -> Iterator[str]:
    """The real app served by uvicorn in a background thread on a free loopback port.

    CAREMAP_BROWSER_BASE_URL points the tests at a server already running instead (for working on the page).
    """
    if external := os.environ.get("CAREMAP_BROWSER_BASE_URL"):
        yield external.rstrip("/")
        return
    from api.main import create_app

    request.getfixturevalue("built")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(base_settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="browser-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the API server stopped during start-up; see the log above")
        if time.monotonic() > deadline:
            raise RuntimeError("the API server did not start within 180 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    # Module scope: the sync API runs its own event loop, which must be gone before async tests elsewhere run.
    if not CHROMIUM.exists():
        # Never a silent skip: `make test` installs Chromium where it can, so a missing browser is a failure.
        pytest.fail(f"no Chromium at {CHROMIUM}: run `apt-get install chromium` (or set CAREMAP_CHROMIUM)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class PageWatch:
    """What a page did that a test should fail on: script errors, and requests leaving the page's origin."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.requests: list[str] = []

    def attach(self, page: Page) -> None:
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        url = request.url
        self.requests.append(url)
        if not (url.startswith(self.origin + "/") or url.startswith("data:")):
            self.foreign.append(url)


@pytest.fixture
def new_page(browser: Browser, web_url: str) -> Iterator[Callable[..., Page]]:
    """Factory: a fresh context and page (optional viewport, permissions, geolocation), checked on teardown."""
    contexts: list[tuple[BrowserContext, PageWatch]] = []

    def make(**context_options: Any) -> Page:
        context_options.setdefault("viewport", DESKTOP)
        context = browser.new_context(locale="en-US", **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        watch = PageWatch(web_url)
        page = context.new_page()
        watch.attach(page)
        contexts.append((context, watch))
        return page

    yield make
    for context, watch in contexts:
        shown = [page.inner_text("body") for page in context.pages if not page.is_closed()]
        context.close()
        assert watch.errors == [], f"script errors on the page: {watch.errors}"
        leaked = [m.group(0) for text in shown for m in LEAKED_VALUE.finditer(text)]
        assert leaked == [], f"the page shows raw JavaScript values: {leaked}"
        assert watch.foreign == [], f"the page requested other origins: {watch.foreign}"


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    """Saves a full-page screenshot as a test artefact (test-artifacts/browser/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
