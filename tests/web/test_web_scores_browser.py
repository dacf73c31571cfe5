"""Chromium: a rep opens the queue, clicks into a lead and sees the score panel with reasons and the drawn chart."""

from __future__ import annotations

from typing import Any

import pytest

from salesmind.core.db import Database

from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_chromium, server  # noqa: F401
from test_web_scores import seed_scores

pytestmark = pytest.mark.browser


def test_queue_to_lead_score_panel_in_chromium(sqlite_database: Database, server: tuple[str, Any]) -> None:  # noqa: F811
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, book = server
    scores = seed_scores(sqlite_database, book)
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
            page.goto(f"{base}/login?next=/queue")
            page.fill("input[name=email]", "ann@salesmind.test")
            page.fill("input[name=password]", book.password)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/queue")
            expect(page.locator("table.queue tbody tr")).to_have_count(1)
            expect(page.locator("table.queue")).to_contain_text("visited the pricing page 3 times this week")
            page.screenshot(path=str(ARTIFACTS / "web-queue.png"), full_page=True)

            page.click("table.queue >> text=Liam Lopez")
            expect(page).to_have_url(f"{base}/leads/{book.ann_lead}")
            panel = page.locator("#score")
            expect(panel.locator(".score-badge .score-num")).to_have_text("82")
            expect(panel.locator(".reason-list.up li")).to_have_count(2)
            expect(panel.locator(".reason-list.down li")).to_have_text(["no email opened in 21 days"])
            expect(page.locator("#score-history-chart svg.main-svg").first).to_be_attached()
            assert page.locator("#score-history-chart .scatterlayer path.js-line").count() == 1
            page.screenshot(path=str(ARTIFACTS / "web-lead-score.png"), full_page=True)

            page.click("#score summary")
            page.check("input[value=override]")
            page.fill("input[name=override_score]", "90")
            page.fill("input[name=reason]", "signed the NDA today")
            page.click("#score button:has-text('Send feedback')")
            expect(page.locator("#score .alert.ok")).to_be_visible()
            page.evaluate("window.scrollTo(0, 0)")

            page.goto(f"{base}/opportunities/{book.ann_deal}")
            page.click("#score button:has-text('Rescore now')")
            expect(page.locator("#score .alert.error")).to_contain_text("no deal_score model is trained yet")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "web-opportunity-score.png"), full_page=True)

            page.context.clear_cookies()
            page.goto(f"{base}/login?next=/models/{scores['model']}")
            page.fill("input[name=email]", "ada@salesmind.test")
            page.fill("input[name=password]", book.password)
            page.click("button[type=submit]")
            expect(page.locator("#reliability-chart svg.main-svg").first).to_be_attached()
            expect(page.locator("#gains-chart svg.main-svg").first).to_be_attached()
            page.screenshot(path=str(ARTIFACTS / "web-model.png"), full_page=True)
            page.goto(f"{base}/models")
            page.screenshot(path=str(ARTIFACTS / "web-models.png"), full_page=True)
        finally:
            browser.close()
    assert outside == []
