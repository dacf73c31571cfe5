"""Chromium in Kathmandu (UTC+05:45) opens a Berlin rep's booking page: the inline script picks the zone up,
slots show at :15/:45, and booking one ends on the confirmation page."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from booking_world import NOW, seed_booking_world  # noqa: E402
from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_chromium, server  # noqa: E402,F401

pytestmark = pytest.mark.browser


@pytest.fixture
def sqlite_book(sqlite_database: Database) -> Any:
    """What the shared ``server`` fixture needs: a seeded database and the clock's time."""
    seed_booking_world(sqlite_database)
    return SimpleNamespace(now=NOW)


def test_booking_page_uses_the_browser_zone(server: tuple[str, Any]) -> None:  # noqa: F811
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, _book = server
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(timezone_id="Asia/Kathmandu", viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/book/rita-rep")
            # Chromium's ICU still names the zone by its old alias, which zoneinfo knows too.
            expect(page.locator("#shown-tz")).to_have_text(re.compile(r"^Asia/Kath?mandu$"))
            first = page.locator("input[name=slot]").first
            # 15:00 Berlin (CET) = 14:00 UTC = 19:45 in Kathmandu.
            expect(page.locator("label.slot").first).to_contain_text("19:45")
            assert first.get_attribute("value") == "2026-03-05T14:00:00Z"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "web-booking-page.png"), full_page=False)
            first.check()
            page.fill("input[name=name]", "Vic Visitor")
            page.fill("input[name=email]", "vic@buyer.example")
            page.click("#booking-form button[type=submit]")
            expect(page.locator("h1")).to_have_text("You're booked")
            expect(page.locator("#booked-when")).to_contain_text("19:45")
            page.screenshot(path=str(ARTIFACTS / "web-booking.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
