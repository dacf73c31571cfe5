"""Chromium: a rep opens a sequence (funnel chart drawn), its experiment (posterior densities drawn) and marks a
task done on /tasks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import update
from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_chromium, server  # noqa: F401

from salesmind.core.db import Database
from salesmind.data.models import Lead
from salesmind.engagement.bandits import ThompsonBandit
from salesmind.engagement.cadences import create_experiment, create_sequence, enrol, steps_of, tick

pytestmark = pytest.mark.browser


def seed(database: Database, book: Any) -> tuple[int, int]:
    """A sequence (email then call) with Ann's lead enrolled and ticked twice, and an experiment with history."""
    with database.transaction() as s:
        s.execute(update(Lead).values(consent_email=True))
        seq = create_sequence(s, "Browser", [{"kind": "email", "template": "intro"},
                                             {"kind": "call", "instructions": "ring"}])
        exp = create_experiment(s, step_id=steps_of(s, seq.id)[0].id, arms=["Hi {first_name}", "Idea for {company}"])
        bandit = ThompsonBandit.from_dict(exp.state)
        for arm, rate in (("Hi {first_name}", 0.05), ("Idea for {company}", 0.12)):
            for reward in np.random.default_rng(1).random(200) < rate:
                bandit.update(arm, int(reward))
        exp.state = bandit.to_dict()
        enrol(s, sequence_id=seq.id, lead_id=book.ann_lead, now=book.now)
        ids = seq.id, exp.id
    tick(database, book.now)
    tick(database, book.now)
    return ids


def test_sequence_experiment_and_tasks_pages_in_chromium(sqlite_database: Database,
                                                         server: tuple[str, Any]) -> None:  # noqa: F811
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, book = server
    seq_id, exp_id = seed(sqlite_database, book)
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/login?next=/sequences/{seq_id}")
            page.fill("input[name=email]", "ann@salesmind.test")
            page.fill("input[name=password]", book.password)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/sequences/{seq_id}")
            expect(page.locator("nav .nav-menu.active > button")).to_have_text("Engage ▾")  # the page's menu
            page.hover("nav .nav-menu.active > button")
            expect(page.locator("nav >> text=Sequences")).to_be_visible()  # shown when the menu opens
            expect(page.locator("#funnel-chart svg.main-svg").first).to_be_attached()
            assert page.locator("#funnel-chart .barlayer .trace").count() == 3
            page.goto(f"{base}/experiments/{exp_id}")
            expect(page.locator("#posterior-chart svg.main-svg").first).to_be_attached()
            assert page.locator("#posterior-chart .scatterlayer .trace").count() == 4  # a band and a curve per arm
            expect(page.locator("#arm-table")).to_contain_text("(control)")
            page.screenshot(path=str(ARTIFACTS / "web-experiment.png"), full_page=True)
            page.goto(f"{base}/tasks")
            expect(page.locator("#task-table")).to_contain_text("ring")
            page.click("#task-table button[value=done]")
            expect(page.locator(".alert.ok")).to_contain_text("Task done.")
            expect(page.locator("#task-table")).to_have_count(0)
        finally:
            browser.close()
    assert outside == []
    assert errors == []
