"""Score endpoints over hand-inserted predictions: queue, record scores, rescoring, feedback, registry, scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from salesmind.core.db import Database
from salesmind.data.models import ModelPrediction, ModelVersion

from api_world import NOW, World


@pytest.fixture
def scored(database: Database, world: World) -> dict[str, Any]:
    """Ann's lead scored twice (40 then 70), Bob's lead once; a current and a rejected lead_score version."""
    with database.transaction() as s:
        rows = []
        for rep, score, hours in (("ann", 40, 1), ("ann", 70, 2), ("bob", 90, 1)):
            p = ModelPrediction(model_name="lead_score", model_version="v1", entity_type="lead",
                                entity_id=world.records["leads"][rep], scored_at=NOW - timedelta(hours=5 - hours),
                                probability=score / 100, score=score, grade="B",
                                reasons={"positive": [f"{rep} reason"], "negative": []})
            s.add(p)
            s.flush()
            rows.append(p.id)
        current = ModelVersion(name="lead_score", version="v1", status="current", kind="gbm", path="lead_score/v1",
                               rows=1200, positives=150, promoted_at=NOW,
                               metrics={"models": [{"name": "salesmind", "metrics": {"roc_auc": 0.84}}]})
        rejected = ModelVersion(name="lead_score", version="v0", status="rejected", kind="gbm", path="lead_score/v0")
        s.add_all([current, rejected])
        s.flush()
        return {"ann_latest": rows[1], "bob": rows[2], "model": current.id}


def test_queue_is_the_callers_book(as_user, world: World, scored: dict[str, Any]) -> None:
    ann = as_user("ann").get("/api/queue").json()
    assert [(q["lead_id"], q["score"], q["top_reasons"]) for q in ann] == [
        (world.records["leads"]["ann"], 70, ["ann reason"])]
    admin = as_user("admin").get("/api/queue").json()
    assert [q["score"] for q in admin] == [90, 70]
    boss = as_user("boss").get("/api/queue", params={"owner_id": world.users["ann"]}).json()
    assert [q["lead_id"] for q in boss] == [world.records["leads"]["ann"]]
    assert as_user("boss").get("/api/queue", params={"owner_id": world.users["bob"]}).status_code == 404
    assert as_user("ann").get("/api/queue", params={"limit": 0}).status_code == 422


def test_record_scores_and_scope(as_user, world: World, scored: dict[str, Any]) -> None:
    lead = world.records["leads"]["ann"]
    body = as_user("ann").get(f"/api/scores/lead/{lead}").json()
    assert body["latest"]["score"] == 70 and [h["score"] for h in body["history"]] == [40, 70]
    assert body["latest"]["reasons"] == {"positive": ["ann reason"], "negative": []}
    deal = world.records["opportunities"]["ann"]
    assert as_user("ann").get(f"/api/scores/opportunity/{deal}").json() == {
        "kind": "opportunity", "id": deal, "latest": None, "history": []}
    for who in ("bob", "other_boss"):
        response = as_user(who).get(f"/api/scores/lead/{lead}")
        assert response.status_code == 404 and "ann" not in response.text
    assert as_user("ann").get(f"/api/scores/account/{lead}").status_code == 422


def test_rescore_without_a_model_is_a_clear_409(as_user, world: World, scored: dict[str, Any]) -> None:
    deal = world.records["opportunities"]["ann"]
    response = as_user("ann").post(f"/api/scores/opportunity/{deal}/rescore")
    assert response.status_code == 409
    assert response.json() == {"error": "NoCurrentModel", "message": "no deal_score model is trained yet: "
                               "train and promote a deal_score model, then rescore"}
    bobs = world.records["opportunities"]["bob"]
    assert as_user("ann").post(f"/api/scores/opportunity/{bobs}/rescore").status_code == 404


def test_batch_checks_scope_and_size(as_user, world: World, scored: dict[str, Any]) -> None:
    ids = [world.records["leads"]["ann"], world.records["leads"]["bob"]]
    response = as_user("ann").post("/api/scores/batch", json={"kind": "lead", "ids": ids})
    assert response.status_code == 404 and str(ids[1]) in response.json()["message"]
    too_many = as_user("ann").post("/api/scores/batch", json={"kind": "lead", "ids": list(range(1, 1002))})
    assert too_many.status_code == 422
    no_model = as_user("ann").post("/api/scores/batch",
                                   json={"kind": "opportunity", "ids": [world.records["opportunities"]["ann"]]})
    assert no_model.status_code == 409


def test_rescore_with_a_current_model_calls_the_crm_scorer(as_user, world: World, scored: dict[str, Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from salesmind.scoring import rescoring

    lead = world.records["leads"]["ann"]
    calls = []

    def fake(session, kind, ids, *, now, models_dir):  # type: ignore[no-untyped-def]
        calls.append((kind, list(ids), now))
        p = ModelPrediction(model_name="lead_score", model_version="v1", entity_type=kind, entity_id=ids[0],
                            scored_at=now, probability=0.55, score=55, grade="C", reasons={})
        session.add(p)
        session.flush()
        return [p]

    monkeypatch.setattr(rescoring, "score_records", fake)  # tests the glue; the model has its own tests
    response = as_user("ann").post(f"/api/scores/lead/{lead}/rescore")
    assert response.status_code == 200, response.text
    assert response.json()["score"] == 55 and calls == [("lead", [lead], NOW)]
    assert as_user("ann").get(f"/api/scores/lead/{lead}").json()["latest"]["score"] == 55


def test_rescore_holds_no_write_lock_while_scoring(as_user, world: World, scored: dict[str, Any],
                                                  database: Database,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Concurrent rescoring failed with "database is locked" on SQLite when the API key's last-use
    # stamp was flushed first and the write lock held while the model ran: scoring must only read.
    import sqlite3

    from salesmind.data.models import ApiKey
    from salesmind.scoring import rescoring

    seen: dict[str, Any] = {}

    def scoring_reads_only(session, kind, ids, *, now, models_dir):  # type: ignore[no-untyped-def]
        seen["pending"] = [type(o).__name__ for o in session.dirty]
        if database.engine.dialect.name == "sqlite":
            other = sqlite3.connect(database.engine.url.database, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails at once if this request holds the lock
                other.rollback()
                seen["lock_free"] = True
            finally:
                other.close()
        p = ModelPrediction(model_name="lead_score", model_version="v1", entity_type=kind, entity_id=ids[0],
                            scored_at=now, probability=0.5, score=50, grade="C", reasons={})
        session.add(p)
        session.flush()
        return [p]

    monkeypatch.setattr(rescoring, "score_records", scoring_reads_only)
    lead = world.records["leads"]["ann"]
    response = as_user("ann").post(f"/api/scores/lead/{lead}/rescore")
    assert response.status_code == 200, response.text
    assert seen["pending"] == ["ApiKey"]  # the key's last use waits for the one write at the end
    assert seen.get("lock_free", database.engine.dialect.name != "sqlite")
    with database.sessions() as s:
        assert s.query(ApiKey).filter(ApiKey.last_used_at.is_not(None)).count() >= 1


def test_feedback(as_user, scored: dict[str, Any]) -> None:
    url = f"/api/predictions/{scored['ann_latest']}/feedback"
    made = as_user("ann").post(url, json={"verdict": "override", "override_score": 30, "reason": "budget cut"})
    assert made.status_code == 201 and made.json()["override_score"] == 30
    missing_reason = as_user("ann").post(url, json={"verdict": "override", "override_score": 30})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.json()["message"]
    assert as_user("ann").post(url, json={"verdict": "override", "override_score": 130, "reason": "x"}
                               ).status_code == 422
    assert as_user("ann").post(f"/api/predictions/{scored['bob']}/feedback",
                               json={"verdict": "agree"}).status_code == 404
    detail = as_user("boss").get(f"/api/models/{scored['model']}").json()
    assert detail["feedback"] == {"total": 1, "agree": 0, "disagree": 0, "override": 1,
                                  "mean_override_difference": -40.0, "overrides_resolved": 0, "model_right": 0,
                                  "rep_right": 0, "model_brier": None, "rep_brier": None}


def test_registry_is_for_managers(as_user, scored: dict[str, Any]) -> None:
    assert as_user("ann").get("/api/models").status_code == 403
    assert as_user("ann").get(f"/api/models/{scored['model']}").status_code == 403
    models = as_user("boss").get("/api/models").json()
    assert {(m["version"], m["status"]) for m in models} == {("v1", "current"), ("v0", "rejected")}
    detail = as_user("admin").get(f"/api/models/{scored['model']}").json()
    assert detail["metrics"]["models"][0]["metrics"]["roc_auc"] == 0.84 and detail["rows"] == 1200
    assert as_user("admin").get("/api/models/999").status_code == 404
