"""Chromium: an admin opens /manager and sees the funnel and the stage-flow Sankey drawn, without page errors."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_chromium, server  # noqa: F401
from test_web_manager import seed_pipeline

from conftest import PASSWORD
from salesmind.core.db import Database

pytestmark = pytest.mark.browser


def test_manager_dashboard_draws_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, _book = server
    seed_pipeline(sqlite_database)
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            target = "/manager?period=custom&start=2025-01-01&end=2025-02-01"
            page.goto(f"{base}/login?next=/manager")
            page.fill("input[name=email]", "ada@salesmind.test")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/manager")
            page.goto(f"{base}{target}")
            for chart in ("funnel-chart", "sankey-chart"):
                expect(page.locator(f"#{chart} svg.main-svg").first).to_be_attached()
            assert page.locator("#funnel-chart .funnellayer path").count() >= 4
            assert page.locator("#sankey-chart .sankey-link").count() >= 4
            page.screenshot(path=str(ARTIFACTS / "web-manager.png"), full_page=True)
        finally:
            browser.close()
    assert outside == []
    assert errors == []
