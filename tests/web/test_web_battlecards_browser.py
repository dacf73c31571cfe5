"""Chromium: a manager opens Win/loss, sees the drawn charts, and follows a competitor to its battle card."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_web_browser import ARTIFACTS, logged_in_page, server  # noqa: F401

from conftest import PASSWORD
from salesmind.core.db import Database
from salesmind.data.models import User

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from winloss_world import seed_winloss

pytestmark = pytest.mark.browser


def test_winloss_page_and_card_draw_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, _book = server
    with sqlite_database.transaction() as s:
        users = {u.email.split("@")[0]: u.id for u in s.scalars(select(User))}
    seed_winloss(sqlite_database, users["ann"], users["bob"])
    with logged_in_page(base, "ada@salesmind.test", PASSWORD, "/battlecards") as seen:
        page = seen.page
        expect(page).to_have_url(f"{base}/battlecards")
        for chart in ("winloss-rates", "winloss-reasons"):
            expect(page.locator(f"#{chart} svg.main-svg").first).to_be_attached()
        page.screenshot(path=str(ARTIFACTS / "battlecards.png"), full_page=True)
        page.click("#competitors a:has-text(\"Veloxa & Co\")")
        expect(page).to_have_url(f"{base}/battlecards/Veloxa%20%26%20Co")
        expect(page.locator("#where-we-win")).to_contain_text("We win 83% when stakeholders ≥ 2")
        expect(page.locator("#card-trend svg.main-svg").first).to_be_attached()
        page.screenshot(path=str(ARTIFACTS / "battlecard.png"), full_page=True)
    assert seen.errors == []
