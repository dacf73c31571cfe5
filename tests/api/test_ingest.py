"""Bulk ingest goes through the importers' shared path, all-or-nothing, and only inside the caller's book."""

from __future__ import annotations

from api_world import World

EVENT = {"type": "web_visit", "occurred_at": "2024-06-01T10:00:00Z", "url": "https://x.io/pricing"}


def _activity_total(as_user, world: World, rep: str) -> int:
    return as_user("admin").get(f"/api/leads/{world.records['leads'][rep]}/activities").json()["total"]


def test_admin_posts_a_batch_of_events_and_reposting_changes_nothing(as_user, world: World) -> None:
    rows = [{**EVENT, "external_id": f"e{i}", "occurred_at": f"2024-06-0{i + 1}T10:00:00Z", "lead_email": "l@ann.example"}
            for i in range(3)]
    first = as_user("admin").post("/api/activities", json=rows)
    assert first.status_code == 200, first.text
    assert (first.json()["inserted"], first.json()["rows_read"]) == (3, 3)
    again = as_user("admin").post("/api/activities", json=rows).json()
    assert (again["inserted"], again["unchanged"]) == (0, 3)
    assert _activity_total(as_user, world, "ann") == 4


def test_a_bad_row_is_reported_and_nothing_is_written(as_user, world: World) -> None:
    rows = [{**EVENT, "lead_email": "l@ann.example"}, {**EVENT, "occurred_at": "someday", "lead_email": "l@ann.example"}]
    response = as_user("admin").post("/api/activities", json=rows)
    assert response.status_code == 422
    assert response.json()["issues"][0]["line"] == 2 and response.json()["issues"][0]["column"] == "occurred_at"
    assert _activity_total(as_user, world, "ann") == 1


def test_rep_ingests_events_only_for_their_own_records(as_user, world: World) -> None:
    ann = as_user("ann")
    assert ann.post("/api/activities", json=[{**EVENT, "lead_email": "l@ann.example"}]).status_code == 200
    mixed = [{**EVENT, "lead_email": "l@ann.example"}, {**EVENT, "lead_email": "l@bob.example"}]
    refused = ann.post("/api/activities", json=mixed)
    assert refused.status_code == 403 and "bob" not in refused.text.lower()
    assert _activity_total(as_user, world, "ann") == 2 and _activity_total(as_user, world, "bob") == 1
    by_name = ann.post("/api/ingest/activities", json=[{**EVENT, "account_name": "bob-account"}])
    assert by_name.status_code == 403 and "bob" not in by_name.text.lower()


def test_rep_cannot_overwrite_another_reps_record_by_matching_it(as_user, world: World) -> None:
    ann = as_user("ann")
    response = ann.post("/api/ingest/leads", json=[{"email": "l@bob.example", "first_name": "hijacked"}])
    assert response.status_code == 403
    bobs = as_user("admin").get(f"/api/leads/{world.records['leads']['bob']}").json()
    assert bobs["first_name"] == "bob-lead"


def test_rep_ingested_records_are_theirs_and_may_not_be_given_away(as_user, world: World) -> None:
    ann = as_user("ann")
    made = ann.post("/api/ingest/leads", json=[{"email": "new@lead.io"}])
    assert made.status_code == 200 and made.json()["inserted"] == 1
    assert ann.get("/api/leads", params={"q": "new@lead"}).json()["total"] == 1
    given = ann.post("/api/ingest/leads", json=[{"email": "other@lead.io", "owner_email": "bob@x.io"}])
    assert given.status_code == 403


def test_catalogue_entities_need_an_admin_and_batches_are_bounded(as_user, world: World) -> None:
    product = [{"sku": "P1", "name": "Pro"}]
    assert as_user("boss").post("/api/ingest/products", json=product).status_code == 403
    assert as_user("admin").post("/api/ingest/products", json=product).json()["inserted"] == 1
    assert as_user("admin").post("/api/ingest/nonsense", json=product).status_code == 422
    assert as_user("admin").post("/api/activities", json=[EVENT] * 10_001).status_code == 422
