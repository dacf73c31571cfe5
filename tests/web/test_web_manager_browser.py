"""Chromium: an admin opens /manager and sees the funnel and the stage-flow Sankey drawn, without page errors."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_browser import ARTIFACTS, logged_in_page, server  # noqa: F401
from test_web_manager import seed_pipeline

from conftest import PASSWORD
from salesmind.core.db import Database

pytestmark = pytest.mark.browser


def test_manager_dashboard_draws_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, _book = server
    seed_pipeline(sqlite_database)
    target = "/manager?period=custom&start=2025-01-01&end=2025-02-01"
    with logged_in_page(base, "ada@salesmind.test", PASSWORD, "/manager", console_errors=True) as seen:
        page = seen.page
        expect(page).to_have_url(f"{base}/manager")
        page.goto(f"{base}{target}")
        for chart in ("funnel-chart", "sankey-chart"):
            expect(page.locator(f"#{chart} svg.main-svg").first).to_be_attached()
        assert page.locator("#funnel-chart .funnellayer path").count() >= 4
        assert page.locator("#sankey-chart .sankey-link").count() >= 4
        page.screenshot(path=str(ARTIFACTS / "web-manager.png"), full_page=True)
    assert seen.outside == []
    assert seen.errors == []
