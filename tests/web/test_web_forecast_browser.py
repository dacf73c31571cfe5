"""Chromium: a manager opens /forecast and sees the drawn charts (bands, distribution, bridge) and the change lists."""

from __future__ import annotations

from typing import Any

import pytest

from salesmind.core.db import Database

from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_chromium, server  # noqa: F401
from test_web_forecast import make_runs
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forecasting"))
from forecast_world import PASSWORD, seed_world  # noqa: E402

pytestmark = pytest.mark.browser


def test_forecast_page_draws_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, _book = server
    seed_world(sqlite_database, with_keys=False)
    make_runs(sqlite_database)
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/login?next=/forecast")
            page.fill("input[name=email]", "boss@f.io")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/forecast")
            expect(page.locator("nav >> text=Forecast")).to_be_visible()
            for chart in ("history-chart", "distribution-chart", "bridge-chart"):
                expect(page.locator(f"#{chart} svg.main-svg").first).to_be_attached()
            # two band polygons and two lines on the history chart; the waterfall has its bars
            assert page.locator("#history-chart .scatterlayer .trace").count() == 4
            assert page.locator("#bridge-chart .waterfalllayer path").count() > 5
            expect(page.locator('[data-category="slipped"]')).to_contain_text("slipped deal")
            expect(page.locator("#drivers")).to_contain_text("of other teams")
            page.screenshot(path=str(ARTIFACTS / "web-forecast.png"), full_page=True)
        finally:
            browser.close()
    assert outside == []
    assert errors == []
