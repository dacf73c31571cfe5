"""REST win/loss: the competitor and loss-reason tables, a battle card, CSV, periods, scope and 404s."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from winloss_world import PIPEIQ, VELOXA, seed_winloss


@pytest.fixture
def api(as_user, database, world):  # type: ignore[no-untyped-def]
    seed_winloss(database, world.users["ann"], world.users["bob"])
    return as_user


def test_summary_tables_are_scoped(api) -> None:  # type: ignore[no-untyped-def]
    body = api("admin").get("/api/analytics/winloss").json()
    assert body["closed"] == 32 and body["won"] == 12 + 4 + 1
    rows = {r["competitor"]: r for r in body["competitors"]}
    assert set(rows) == {VELOXA, PIPEIQ, ""}
    assert rows[VELOXA]["won"] == 12 and rows[VELOXA]["closed"] == 24 and rows[VELOXA]["sufficient"]
    assert rows[VELOXA]["win_rate_low"] < 0.5 < rows[VELOXA]["win_rate_high"]
    assert not rows[PIPEIQ]["sufficient"]
    assert "segment" in body["model"]["adjusted_for"]
    reasons = {r["reason"]: r for r in body["loss_reasons"]}
    assert reasons["Price"]["lost"] == 12 and reasons["Price"]["by_competitor"] == {VELOXA: 12}
    ann = api("ann").get("/api/analytics/winloss").json()
    assert {r["competitor"] for r in ann["competitors"]} == {VELOXA, ""}
    assert api("boss").get("/api/analytics/winloss").json()["closed"] == 26


def test_battle_card_finds_the_stakeholder_effect(api) -> None:  # type: ignore[no-untyped-def]
    card = api("admin").get(f"/api/analytics/battlecards/{quote(VELOXA)}").json()
    assert card["sufficient"] and card["headline"]["closed"] == 24
    top = card["where_we_win"][0]
    assert top["factor"] == "stakeholders" and top["rate_in"] == pytest.approx(10 / 12)
    assert top["rate_out"] == pytest.approx(2 / 12) and top["q_value"] < 0.05
    assert card["discount"]["median_won"] == 8.0 and card["discount"]["median_lost"] == 12.0
    assert card["loss_reasons"] == [{"reason": "Price", "lost": 12, "share": 1.0, "share_overall": pytest.approx(12 / 15)}]
    assert len(card["deals"]) == 24 and card["trend"][0]["quarter"] == "2025Q1"
    small = api("admin").get("/api/analytics/battlecards/PipeIQ").json()
    assert not small["sufficient"] and small["where_we_win"] == []
    none = api("admin").get("/api/analytics/battlecards/_none").json()
    assert none["label"] == "No competitor" and none["headline"]["closed"] == 2


def test_card_not_found_scope_and_period(api) -> None:  # type: ignore[no-untyped-def]
    assert api("admin").get("/api/analytics/battlecards/Nobody").status_code == 404
    assert api("ann").get("/api/analytics/battlecards/PipeIQ").status_code == 404
    later = api("admin").get(f"/api/analytics/battlecards/{quote(VELOXA)}", params={"since": "2025-03-31"}).json()
    assert later["headline"]["closed"] == 24 - 10  # days 0..27 close before 31 March
    assert api("admin").get("/api/analytics/winloss",
                            params={"since": "2025-05-01", "until": "2025-01-01"}).status_code == 422
    assert api("admin").get("/api/analytics/winloss", params={"since": "1066-10-14"}).status_code == 422


def test_csv_exports(api) -> None:  # type: ignore[no-untyped-def]
    answer = api("admin").get("/api/analytics/winloss", params={"format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert "winloss-competitors.csv" in answer.headers["content-disposition"]
    lines = answer.text.splitlines()
    assert lines[0].startswith("competitor,label,closed,won,win_rate") and len(lines) == 4
    reasons = api("admin").get("/api/analytics/winloss", params={"format": "csv", "table": "loss_reasons"}).text
    assert reasons.splitlines()[0].startswith("reason,lost,share,factor")
    deals = api("admin").get(f"/api/analytics/battlecards/{quote(VELOXA)}",
                             params={"format": "csv", "table": "deals"}).text.splitlines()
    assert deals[0].startswith("deal_id,name") and len(deals) == 25
