"""Score views over hand-inserted predictions: latest per record, history, queue order, scope, feedback rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Activity, ActivityType, Lead, LeadStatus, ModelPrediction, ModelVersion, Role, Team
from salesmind.data.scope import Scope
from salesmind.data.users import create_user
from salesmind.scoring import views

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def _score(s: Any, lead_id: int, score: float, hours: int, version: str = "v1", *,
           positive: tuple[str, ...] = (), negative: tuple[str, ...] = ()) -> ModelPrediction:
    p = ModelPrediction(model_name="lead_score", model_version=version, entity_type="lead", entity_id=lead_id,
                        scored_at=T0 + timedelta(hours=hours), probability=score / 100, score=score, grade="B",
                        reasons={"positive": list(positive), "negative": list(negative)})
    s.add(p)
    s.flush()
    return p


@pytest.fixture
def world(database: Database) -> dict[str, Any]:
    """Manager Mia leads Ann's team; Bob is on no team. Ann's leads a..e (e converted), Bob's lead f."""
    with database.transaction() as s:
        mia = create_user(s, "mia@x.io", "Mia", Role.MANAGER)
        team = Team(name="East", manager_id=mia.id)
        s.add(team)
        s.flush()
        ann = create_user(s, "ann@x.io", "Ann", Role.REP, team_id=team.id)
        bob = create_user(s, "bob@x.io", "Bob", Role.REP)
        ada = create_user(s, "ada@x.io", "Ada", Role.ADMIN)
        leads = {}
        for key, owner, status in (("a", ann, LeadStatus.WORKING), ("b", ann, LeadStatus.NEW),
                                   ("c", ann, LeadStatus.NURTURING), ("d", ann, LeadStatus.QUALIFIED),
                                   ("e", ann, LeadStatus.CONVERTED), ("f", bob, LeadStatus.WORKING)):
            lead = Lead(first_name=key, owner_id=owner.id, status=status, created_at=T0)
            s.add(lead)
            s.flush()
            leads[key] = lead.id
        _score(s, leads["a"], 80, 1, positive=("old reason",))
        latest_a = _score(s, leads["a"], 60, 5, "v2", positive=("visited pricing 3 times",),
                          negative=("no email opened in 21 days", "bounced"))
        _score(s, leads["b"], 90, 2)
        _score(s, leads["e"], 99, 2)
        _score(s, leads["f"], 95, 2)
        s.add(Activity(type=ActivityType.WEB_VISIT, occurred_at=T0, lead_id=leads["c"]))
        s.add(ModelVersion(name="lead_score", version="v2", status="current", kind="gbm", path="lead_score/v2",
                           promoted_at=T0, metrics={"models": [{"name": "salesmind", "metrics": {"roc_auc": 0.8}}]}))
        ids = {"mia": mia.id, "ann": ann.id, "bob": bob.id, "ada": ada.id, "latest_a": latest_a.id}
    return {"leads": leads, **ids}


def _scope(database: Database, who: str, world: dict[str, Any]) -> Scope:
    from salesmind.data.models import User

    with database.transaction() as s:
        return Scope.for_user(s, s.get(User, world[who]))


def test_latest_prediction_and_history(database: Database, world: dict[str, Any]) -> None:
    ann = _scope(database, "ann", world)
    with database.transaction() as s:
        latest = views.latest_prediction(s, ann, "lead", world["leads"]["a"])
        assert latest is not None and latest.score == 60 and latest.model_version == "v2"
        assert [p.score for p in views.score_history(s, ann, "lead", world["leads"]["a"])] == [80, 60]
        assert views.latest_prediction(s, ann, "lead", world["leads"]["c"]) is None
        with pytest.raises(NotFound):
            views.latest_prediction(s, ann, "lead", world["leads"]["f"])
        with pytest.raises(UserInputError):
            views.score_history(s, ann, "account", 1)


def test_queue_order_open_leads_and_reasons(database: Database, world: dict[str, Any]) -> None:
    leads = world["leads"]
    with database.transaction() as s:
        queue = views.work_queue(s, _scope(database, "ann", world))
        # Scored first by latest score (b 90 > a 60, not a's older 80), then c with activity, then d; e is converted.
        assert [q.lead.id for q in queue] == [leads["b"], leads["a"], leads["c"], leads["d"]]
        assert queue[1].prediction is not None and queue[1].prediction.score == 60
        assert queue[1].top_reasons == ["visited pricing 3 times", "no email opened in 21 days"]
        assert queue[2].last_activity_at is not None and queue[3].prediction is None
        everyone = views.work_queue(s, _scope(database, "ada", world))
        assert everyone[0].lead.id == leads["f"]
        assert [q.lead.id for q in views.work_queue(s, _scope(database, "ada", world), owner_id=world["bob"])] \
            == [leads["f"]]


def test_queue_scope(database: Database, world: dict[str, Any]) -> None:
    with database.transaction() as s:
        mia = _scope(database, "mia", world)
        assert {q.lead.owner_id for q in views.work_queue(s, mia)} == {world["ann"]}
        assert len(views.work_queue(s, mia, owner_id=world["ann"], limit=2)) == 2
        with pytest.raises(NotFound):
            views.work_queue(s, mia, owner_id=world["bob"])
        with pytest.raises(NotFound):
            views.work_queue(s, _scope(database, "ann", world), owner_id=world["bob"])
        assert [u.name for u in views.queue_owners(s, mia)] == ["Ann", "Mia"]


def test_feedback_rules_and_summary(database: Database, world: dict[str, Any]) -> None:
    from salesmind.data.models import User

    ann = _scope(database, "ann", world)
    pid = world["latest_a"]
    with database.transaction() as s:
        user = s.get(User, world["ann"])
        views.give_feedback(s, ann, user, pid, "agree")
        views.give_feedback(s, ann, user, pid, "override", override_score=75, reason="CFO asked for a demo")
        views.give_feedback(s, ann, user, pid, "override", override_score=50, reason="budget frozen")
        views.give_feedback(s, ann, user, pid, "disagree", reason="wrong company size")
        for verdict, kwargs in (("override", {"reason": "no score"}), ("override", {"override_score": 101, "reason": "x"}),
                                ("override", {"override_score": 70}), ("disagree", {}), ("maybe", {}),
                                ("agree", {"override_score": 70})):
            with pytest.raises(UserInputError):
                views.give_feedback(s, ann, user, pid, verdict, **kwargs)
        bob_prediction = s.query(ModelPrediction).filter_by(entity_id=world["leads"]["f"]).one()
        with pytest.raises(NotFound):
            views.give_feedback(s, ann, user, bob_prediction.id, "agree")
        with pytest.raises(NotFound):
            views.give_feedback(s, ann, user, 10**6, "agree")
        summary = views.feedback_summary(s, views.current_version(s, "lead_score"))
    assert (summary.total, summary.agree, summary.disagree, summary.override) == (4, 1, 1, 2)
    assert summary.mean_override_difference == pytest.approx(2.5)  # (75-60 + 50-60) / 2
    assert summary.recent[0][0] == "disagree"
    assert summary.overrides_resolved == 0 and summary.model_brier is None  # the lead is still open

    from salesmind.data.models import Lead, LeadStatus

    with database.transaction() as s:  # the outcome becomes known: the lead converts
        s.get(Lead, s.get(ModelPrediction, pid).entity_id).status = LeadStatus.CONVERTED
    with database.sessions() as s:
        resolved = views.feedback_summary(s, views.current_version(s, "lead_score"))
    assert (resolved.overrides_resolved, resolved.model_right, resolved.rep_right) == (2, 2, 2)
    assert resolved.model_brier == pytest.approx(0.16)  # (0.60 - 1)^2 for both overrides
    assert resolved.rep_brier == pytest.approx(((0.75 - 1) ** 2 + (0.5 - 1) ** 2) / 2)


def test_registry_and_report_path(database: Database, world: dict[str, Any], tmp_path: Path) -> None:
    with database.transaction() as s:
        current = views.current_version(s, "lead_score")
        assert current is not None and current.version == "v2"
        assert views.current_version(s, "deal_score") is None
        assert [m.version for m in views.list_versions(s)] == ["v2"]
        assert views.headline_metrics(current) == [{"name": "salesmind", "roc_auc": 0.8}]
        with pytest.raises(NotFound):
            views.get_model(s, 999)
        with pytest.raises(NotFound):
            views.model_report_path(current, tmp_path)
        (tmp_path / "lead_score" / "v2").mkdir(parents=True)
        (tmp_path / "lead_score" / "v2" / "report.html").write_text("<h1>report</h1>")
        assert views.model_report_path(current, tmp_path).read_text() == "<h1>report</h1>"
        current.path = "../../etc"
        with pytest.raises(NotFound):
            views.model_report_path(current, tmp_path)


def test_batch_scope_and_size(database: Database, world: dict[str, Any]) -> None:
    leads = world["leads"]
    with database.transaction() as s:
        ann = _scope(database, "ann", world)
        assert views.check_in_scope(s, ann, "lead", [leads["a"], leads["b"], leads["a"]]) == [leads["a"], leads["b"]]
        with pytest.raises(NotFound, match=str(leads["f"])):
            views.check_in_scope(s, ann, "lead", [leads["a"], leads["f"]])
        with pytest.raises(UserInputError):
            views.check_in_scope(s, ann, "lead", list(range(1, 1002)))
