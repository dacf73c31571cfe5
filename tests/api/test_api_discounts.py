"""REST discounts: train (admin only), the model card, a deal's curve (scope-checked, CSV), guardrails."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "discounts"))
from discount_clients import log_in
from discount_world import seed_world


def test_discount_api(sqlite_database: Database) -> None:
    world = seed_world(sqlite_database)
    admin, mia, bob = (log_in(sqlite_database, who) for who in ("admin", "mia", "bob"))
    assert admin.get("/api/discounts/model").json() == {**admin.get("/api/discounts/model").json(), "trained": False}
    missing = admin.get(f"/api/opportunities/{world.ann_open}/discount")
    assert missing.status_code == 409 and "salesmind discounts train" in missing.text
    assert mia.post("/api/discounts/train", json={}).status_code == 403
    assert admin.post("/api/discounts/train", json={"epochs": 3}).status_code == 422
    trained = admin.post("/api/discounts/train", json={})
    assert trained.status_code == 201 and trained.json()["status"] == "current"
    card = mia.get("/api/discounts/model").json()
    assert card["trained"] and card["metrics"]["monotone_lightgbm"]["n_rows"] == 80
    metrics_csv = mia.get("/api/discounts/model", params={"format": "csv"})
    assert metrics_csv.headers["content-type"].startswith("text/csv") and "monotone_lightgbm" in metrics_csv.text
    deal = mia.get(f"/api/opportunities/{world.ann_open}/discount").json()
    assert deal["max_pct"] == 30.0 and len(deal["grid"]) == 61 and deal["recommended_pct"] in deal["grid"]
    assert deal["uplift"] == pytest.approx(deal["recommended_value"] - deal["current_value"])
    curve = mia.get(f"/api/opportunities/{world.ann_open}/discount", params={"format": "csv"})
    assert curve.text.splitlines()[0] == "discount_pct,p_win,expected_value" and len(curve.text.splitlines()) == 62
    assert 'filename="deal-' in curve.headers["content-disposition"]
    assert bob.get(f"/api/opportunities/{world.ann_open}/discount").status_code == 404
    assert bob.get(f"/api/opportunities/{world.bob_open}/discount").status_code == 200


def test_guardrail_api(sqlite_database: Database) -> None:
    world = seed_world(sqlite_database, n_closed=0)
    admin, mia = log_in(sqlite_database, "admin"), log_in(sqlite_database, "mia")
    assert admin.get("/api/discounts/guardrails").json() == {"rules": [], "fallback": {
        "segment": "", "max_pct": 30.0, "objective": "revenue", "cost_pct": None}}
    body = {"rules": [{"max_pct": 20}, {"segment": "enterprise", "max_pct": 25, "objective": "margin", "cost_pct": 10}]}
    assert mia.put("/api/discounts/guardrails", json=body).status_code == 403
    saved = admin.put("/api/discounts/guardrails", json=body)
    assert saved.status_code == 200 and [r["segment"] for r in saved.json()["rules"]] == ["", "enterprise"]
    bad = admin.put("/api/discounts/guardrails", json={"rules": [{"max_pct": 5}, {"segment": "smb", "max_pct": 9,
                                                                                  "objective": "margin"}]})
    assert bad.status_code == 422 and "needs a cost" in bad.text
    assert admin.put("/api/discounts/guardrails", json={"rules": [{"max_pct": 101}]}).status_code == 422
    assert [r["max_pct"] for r in mia.get("/api/discounts/guardrails").json()["rules"]] == [20.0, 25.0]
    assert world.admin
