"""The win/loss pages: the competitors table and charts, a battle card (URL-encoded name), 404s, access."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from salesmind.data.models import User

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from winloss_world import VELOXA, seed_winloss


@pytest.fixture
def ada(login, database):  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        users = {u.email.split("@")[0]: u.id for u in s.scalars(select(User))}
    seed_winloss(database, users["ann"], users["bob"])
    return login("ada")


def _chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.DOTALL)
    assert found, chart_id
    return json.loads(found.group(1))


def test_winloss_page_lists_competitors_with_intervals(ada) -> None:  # type: ignore[no-untyped-def]
    page = ada.get("/battlecards")
    assert page.status_code == 200
    html = page.text
    assert f'href="/battlecards/{quote(VELOXA, safe="")}"' in html and 'href="/battlecards/_none"' in html
    assert 'data-export="winloss-competitors"' in html and 'data-export="winloss-loss-reasons"' in html
    rates = _chart(html, "winloss-rates")["data"][0]
    assert "Veloxa &amp; Co" in html and rates["x"][-1] == pytest.approx(50.0)  # largest first, reversed for bars
    reasons = _chart(html, "winloss-reasons")
    assert {t["name"] for t in reasons["data"]} >= {"Price", "Timing"}
    assert ">Win/loss<" in html  # the Manage menu item


def test_battle_card_page(ada) -> None:  # type: ignore[no-untyped-def]
    html = ada.get(f"/battlecards/{quote(VELOXA, safe='')}").text
    assert "We win 83% when stakeholders ≥ 2 (12 deals) vs 17% when stakeholders &lt; 2" in html
    assert 'id="insufficient"' not in html and 'data-export="battlecard-deals"' in html
    assert _chart(html, "card-trend")["data"][1]["name"] == VELOXA
    small = ada.get("/battlecards/PipeIQ").text
    assert 'id="insufficient"' in small and "Insufficient data: 6 closed deals" in small
    assert ada.get("/battlecards/Nobody").status_code == 404
    assert "after until" in ada.get("/battlecards", params={"since": "2025-06-01", "until": "2025-01-01"}).text


def test_reps_do_not_get_the_menu_and_see_only_their_own(login, database) -> None:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        users = {u.email.split("@")[0]: u.id for u in s.scalars(select(User))}
    seed_winloss(database, users["ann"], users["bob"])
    ann = login("ann")
    assert ">Win/loss<" not in ann.get("/").text
    assert ann.get("/battlecards/PipeIQ").status_code == 404
