"""The /discounts page (model card for managers, guardrail form for admins) and the deal page's what-if panel."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from salesmind.core.db import Database
from salesmind.discounts import train

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "discounts"))
from discount_clients import log_in
from discount_world import NOW, seed_world


def _chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.DOTALL)
    assert found, chart_id
    return json.loads(found.group(1))


def test_page_roles_form_and_panel(sqlite_database: Database) -> None:
    world = seed_world(sqlite_database)
    admin, mia, ann = (log_in(sqlite_database, who) for who in ("admin", "mia", "ann"))
    assert ann.get("/discounts").status_code == 404 and 'href="/discounts"' not in ann.get("/").text
    html = admin.get("/discounts").text
    assert 'href="/discounts"' in html and "salesmind discounts train" in html and 'id="guardrail-form"' in html
    deal_page = ann.get(f"/opportunities/{world.ann_open}").text
    assert 'id="deal-discount"' in deal_page and "salesmind discounts train" in deal_page
    with sqlite_database.transaction() as s:
        train(s, sqlite_database.settings.models_dir, NOW)
    card = mia.get("/discounts").text
    assert 'data-export="discount-model-metrics"' in card and "Unconstrained LightGBM" in card
    assert 'id="guardrail-form"' not in card and "Only admins change the guardrails" in card
    assert _chart(card, "discount-calibration")["data"][1]["x"] and _chart(card, "discount-response")["data"]
    assert mia.post("/discounts/guardrails", data={"max_default": "5"}).status_code == 404
    saved = admin.post("/discounts/guardrails", data={"max_default": "12", "objective_default": "revenue",
                                                      "max_enterprise": "8", "objective_enterprise": "margin",
                                                      "cost_enterprise": "20"})
    assert "Guardrails saved" in saved.text and 'value="8"' in saved.text
    refused = admin.post("/discounts/guardrails", data={"max_default": "3", "max_smb": "9",
                                                        "objective_smb": "margin"})
    assert "Nothing saved" in refused.text and "needs a cost" in refused.text and 'value="12"' in refused.text
    panel = ann.get(f"/opportunities/{world.ann_open}").text
    panel = panel[panel.index('id="deal-discount"'):]
    assert "at most 8%" in panel and 'max="8.0"' in panel and "/static/discounts.js" in panel
    figure = _chart(panel, "deal-discount-chart")
    assert [t["name"].split(" (")[0] for t in figure["data"]] == ["Win probability", "Expected margin", "Current",
                                                                  "Recommended"]
    curve = json.loads(re.search(r'id="discount-curve">(.*?)</script>', panel, re.DOTALL).group(1))
    assert curve["grid"][-1] == 8.0 and len(curve["p"]) == len(curve["value"]) == 17
    closed = ann.get(f"/opportunities/{world.ann_closed}").text
    assert 'id="deal-discount"' not in closed
