"""A real headless Chromium logs in through the form, opens a lead and sees the home page's Plotly chart."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from salesmind.api import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Browsed:
    """A logged-in Chromium page and what it reported: requests leaving the app's origin, page errors and (when
    asked for) console errors, both in ``errors``."""

    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def logged_in_page(base: str, email: str, password: str, next_path: str, *, console_errors: bool = False,
                   accept_downloads: bool = False) -> Iterator[Browsed]:
    """Chromium (skipped without it, failed in CI), logged in through the form as ``email`` and sent on to
    ``next_path`` (URL-quoted as the login page's ``next``); closed on exit."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=accept_downloads, viewport={"width": 1360, "height": 900})
            seen = Browsed(context.new_page())
            seen.page.on("request", lambda r: None if r.url.startswith(base) else seen.outside.append(r.url))
            seen.page.on("pageerror", lambda e: seen.errors.append(str(e)))
            if console_errors:
                seen.page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
            seen.page.goto(f"{base}/login?next={next_path}")
            seen.page.fill("input[name=email]", email)
            seen.page.fill("input[name=password]", password)
            seen.page.click("button[type=submit]")
            yield seen
        finally:
            browser.close()


@pytest.fixture
def server(sqlite_database: Database, sqlite_book: Any) -> Iterator[tuple[str, Any]]:
    """The whole app under uvicorn on a free loopback port, in a thread, over a seeded SQLite file."""
    import uvicorn

    app = create_app(sqlite_database.settings, database=sqlite_database, clock=FixedClock(sqlite_book.now))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", sqlite_book
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_login_lead_page_and_home_chart_in_chromium(server: tuple[str, Any]) -> None:
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, book = server
    ARTIFACTS.mkdir(exist_ok=True)
    outside_requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("request", lambda r: None if r.url.startswith(base) else outside_requests.append(r.url))

            page.goto(f"{base}/leads/{book.ann_lead}")
            expect(page).to_have_url(f"{base}/login?next=/leads/{book.ann_lead}")
            page.screenshot(path=str(ARTIFACTS / "web-login.png"))
            page.fill("input[name=email]", "ann@salesmind.test")
            page.fill("input[name=password]", book.password)
            page.click("button[type=submit]")

            expect(page).to_have_url(f"{base}/leads/{book.ann_lead}")
            expect(page.locator("h1")).to_have_text("Liam Lopez")
            timeline = page.locator("#timeline .tl-item")
            expect(timeline.first).to_be_visible()
            assert timeline.count() == 4
            expect(page.locator("#timeline")).to_contain_text("Pricing for Acme Robotics")
            page.screenshot(path=str(ARTIFACTS / "web-lead.png"), full_page=True)

            page.click("nav.nav >> text=Home")
            expect(page.locator("#pipeline-chart svg.main-svg").first).to_be_attached()
            expect(page.locator("#pipeline-chart .plotly")).to_have_count(1)
            assert page.locator("#pipeline-chart .bars path").count() >= 1
            page.screenshot(path=str(ARTIFACTS / "web-home.png"), full_page=True)

            page.goto(f"{base}/opportunities/{book.ann_deal}")
            page.screenshot(path=str(ARTIFACTS / "web-opportunity.png"), full_page=True)
            page.goto(f"{base}/accounts/{book.ann_account}")
            page.screenshot(path=str(ARTIFACTS / "web-account.png"), full_page=True)
            page.goto(f"{base}/leads")
            page.screenshot(path=str(ARTIFACTS / "web-leads.png"), full_page=True)
            response = page.goto(f"{base}/leads/{book.bob_lead}")
            assert response is not None and response.status == 404
            page.screenshot(path=str(ARTIFACTS / "web-404.png"))
        finally:
            browser.close()
    assert outside_requests == []


def test_api_docs_render_every_operation_offline(server: tuple[str, Any]) -> None:
    """Swagger UI (served from a package, not a CDN) must read the OpenAPI 3.1 that FastAPI emits."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    base, _book = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
            page.goto(f"{base}/api/docs")
            page.wait_for_selector(".opblock", timeout=15000)
            assert page.locator(".opblock").count() > 20
            assert "Unable to render" not in page.content()
            assert outside == []
        finally:
            browser.close()
