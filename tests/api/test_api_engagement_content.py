"""REST content recommendations and drafts: ranked with reasons, scoped, validated, nothing sent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engagement"))
from content_world import seed_content  # noqa: E402


@pytest.fixture
def assets(database: Database, world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return seed_content(database, world)


def test_lead_content_is_ranked_with_reasons_and_excludes_what_was_seen(as_user, world, assets) -> None:  # type: ignore[no-untyped-def]
    lead = world.records["leads"]["ann"]
    items = as_user("ann").get(f"/api/leads/{lead}/content", params={"k": 3}).json()
    ids = [i["asset_id"] for i in items]
    assert len(ids) == 3 and assets["ebook"] not in ids
    assert ids == [assets["pricing"], assets["retail"], assets["banking"]]  # most viewed, then own industry
    assert "written for Retail" in items[1]["reasons"]
    assert as_user("bob").get(f"/api/leads/{lead}/content").status_code == 404  # not bob's lead
    assert as_user("ann").get(f"/api/leads/{lead}/content", params={"k": 0}).status_code == 422


def test_deal_content_uses_the_stage_and_won_deals(as_user, world, assets) -> None:  # type: ignore[no-untyped-def]
    deal = world.records["opportunities"]["ann"]
    items = as_user("ann").get(f"/api/opportunities/{deal}/content").json()
    pricing = next(i for i in items if i["asset_id"] == assets["pricing"])
    assert "viewed by the buyers of 2 won deals in Retail" in pricing["reasons"]


def test_templates_and_render(as_user, world, assets) -> None:  # type: ignore[no-untyped-def]
    names = [t["name"] for t in as_user("ann").get("/api/drafts/templates").json()]
    assert names[0] == "intro" and len(names) == 8
    lead = world.records["leads"]["ann"]
    draft = as_user("ann").post("/api/drafts/render", json={"template": "intro", "lead_id": lead}).json()
    assert draft["subject"] == "ann-lead, a question about Ann Foods"
    assert "I saw that you visited our pricing page" in draft["text"] and "You mentioned forecasting" in draft["text"]
    assert draft["personalisation_count"] == len(draft["personalisation_elements"]) >= 6
    assert draft["written_by"] == "template" and draft["recipient"] == "l@ann.example"
    share = as_user("ann").post("/api/drafts/render", json={"template": "content_share", "lead_id": lead}).json()
    assert "How a retailer cut forecast error" in share["text"] and 'Since you read "Pipeline hygiene' in share["text"]
    writer = as_user("ann").post("/api/drafts/render", json={"template": "intro", "lead_id": lead,
                                                             "use_writer": True}).json()
    assert writer["written_by"] == "template" and "no writer configured" in writer["writer_note"]


def test_render_validates_and_scopes(as_user, world, assets) -> None:  # type: ignore[no-untyped-def]
    lead, contact = world.records["leads"]["ann"], world.records["contacts"]["ann"]
    api = as_user("ann")
    assert api.post("/api/drafts/render", json={"template": "intro"}).status_code == 422
    assert api.post("/api/drafts/render", json={"template": "intro", "lead_id": lead,
                                                "contact_id": contact}).status_code == 422
    assert api.post("/api/drafts/render", json={"template": "../x", "lead_id": lead}).status_code == 422
    unknown = api.post("/api/drafts/render", json={"template": "nope", "lead_id": lead})
    assert unknown.status_code == 422 and "unknown template" in unknown.json()["message"]
    assert as_user("bob").post("/api/drafts/render", json={"template": "intro", "lead_id": lead}).status_code == 404
    to_contact = api.post("/api/drafts/render", json={"template": "break_up", "contact_id": contact}).json()
    assert to_contact["subject"] == "Should I close your file, ann-contact?"
