"""Chromium: a rep opens an open deal and moves the discount what-if slider; p and E follow the curve."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from test_web_browser import ARTIFACTS, logged_in_page, server  # noqa: F401

from salesmind.core.db import Database
from salesmind.discounts import train

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "discounts"))
from discount_world import NOW, PASSWORD, seed_world

pytestmark = pytest.mark.browser


def test_discount_slider_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, _book = server
    world = seed_world(sqlite_database, n_closed=200)
    with sqlite_database.transaction() as s:
        train(s, sqlite_database.settings.models_dir, NOW)
    with logged_in_page(base, "ann@d.io", PASSWORD, f"/opportunities/{world.ann_open}") as seen:
        page = seen.page
        expect(page.locator("#deal-discount-chart svg.main-svg").first).to_be_attached()
        curve = json.loads(page.locator("#discount-curve").text_content())
        page.locator("#discount-whatif").fill("20")
        i = curve["grid"].index(20.0)
        expect(page.locator("#discount-whatif-pct")).to_have_text("20%")
        expect(page.locator("#discount-whatif-p")).to_have_text(f"{100 * curve['p'][i]:.1f}%")
        page.locator("#deal-discount").screenshot(path=str(ARTIFACTS / "web-discount-panel.png"))
    assert seen.errors == []
