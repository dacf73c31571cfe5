"""Chromium: an admin opens /performance, follows a rep's link and sees the rep's gaps and both charts drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_web_browser import ARTIFACTS, logged_in_page, server  # noqa: F401

from salesmind.core.db import Database
from salesmind.data.models import Opportunity, OpportunityHistory, User
from salesmind.data.models.base import Outcome

pytestmark = pytest.mark.browser


def _closed_deals(database: Database) -> None:
    """Six closed deals for Ann (three won) that walked prospecting -> discovery -> proposal."""
    with database.transaction() as s:
        ann = s.query(User).filter(User.email == "ann@salesmind.test").one()
        for i in range(6):
            created = datetime(2024, 9, 1 + i, tzinfo=UTC)
            won = i < 3
            deal = Opportunity(name=f"closed {i}", owner_id=ann.id, amount=1000 * (i + 1), created_at=created,
                               stage="closed_won" if won else "closed_lost",
                               outcome=Outcome.WON if won else Outcome.LOST, closed_at=created + timedelta(days=40))
            s.add(deal)
            s.flush()
            for day, stage in ((0, "prospecting"), (10, "discovery"), (20, "proposal"), (40, deal.stage)):
                s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=created + timedelta(days=day), stage=stage))


def test_performance_pages_draw_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, book = server
    _closed_deals(sqlite_database)
    team_page = "/performance%3Fstart%3D2024-01-01%26end%3D2025-03-01"
    with logged_in_page(base, "ada@salesmind.test", book.password, team_page) as seen:
        page = seen.page
        expect(page.locator('table[data-export="team-performance"]')).to_contain_text("Ann Archer")
        page.click("text=Ann Archer")
        expect(page.locator("#gaps")).to_contain_text("Win rate")
        for chart in ("stage-chart", "trend-chart"):
            expect(page.locator(f"#{chart} svg.main-svg").first).to_be_attached()
        page.screenshot(path=str(ARTIFACTS / "web-performance-rep.png"), full_page=True)
    assert seen.outside == []
    assert seen.errors == []
