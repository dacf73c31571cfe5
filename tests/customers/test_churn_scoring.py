"""Churn on the small demo company: train through the CRM path, score, store reasons, raise warnings once."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scoring"))
from crm_demo import AS_OF, FAST, build_small_demo  # noqa: E402

from salesmind.core.db import Database  # noqa: E402
from salesmind.core.errors import UserInputError  # noqa: E402
from salesmind.customers.churn import (  # noqa: E402
    MODEL_NAME,
    refresh_churn,
    score_subscriptions,
    train_churn_model,
)
from salesmind.customers.warnings import PLAYS  # noqa: E402
from salesmind.data.models import CustomerAlert, ModelPrediction  # noqa: E402
from salesmind.scoring.crm import check_kind, time_split, train_crm_model, training_frame  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[tuple[Database, Path]]:
    folder = tmp_path_factory.mktemp("churn_scoring")
    database = build_small_demo(folder)
    yield database, folder / "models"
    database.dispose()


def test_no_model_yet_and_a_bad_horizon_are_clear_errors(demo):
    database, models = demo
    with pytest.raises(UserInputError, match="no current churn_risk model"):
        score_subscriptions(database, AS_OF, models)
    with pytest.raises(UserInputError, match="horizon"):
        train_churn_model(database, AS_OF, models, horizon_days=0)


def test_subscription_kind_trains_through_the_crm_path_and_holds_out_whole_cut_offs(demo):
    database, models = demo
    with database.sessions() as session:
        frame = training_frame(session, "subscription", AS_OF)
    train, held = time_split(frame, "subscription")
    start = frame["as_of"].iloc[held].min()
    assert sorted(held.tolist()) == sorted(frame.index[frame["as_of"] >= start].tolist())  # whole cut-offs
    assert (frame["as_of"].iloc[train] + timedelta(days=90) <= start).all()
    assert set(frame["subscription_id"].iloc[train]) & set(frame["subscription_id"].iloc[held])  # kept on both sides
    version = train_crm_model(database, "subscription", now=AS_OF, models_dir=models, **FAST)
    assert version.name == MODEL_NAME and version.status == "current"
    assert version.notes["horizon_days"] == 90 and (Path(version.path) / "report.html").exists()
    assert "account_id" not in version.features["columns"] and "utilisation" in version.features["columns"]
    with pytest.raises(UserInputError):  # subscriptions are not rescored through the lead/deal path
        check_kind("subscription")


def test_scores_are_stored_and_warnings_raised_once(demo):
    database, models = demo
    first = score_subscriptions(database, AS_OF, models, threshold=0.05, jump=0.5)
    assert first.scored > 20 and first.alerts_raised == first.threshold_alerts > 0
    with database.sessions() as s:
        stored = s.scalars(select(ModelPrediction).where(ModelPrediction.entity_type == "subscription")).all()
        alerts = s.scalars(select(CustomerAlert)).all()
    assert len(stored) == first.scored and all(p.model_name == MODEL_NAME for p in stored)
    assert all(set(p.reasons) == {"positive", "negative", "horizon_days"} for p in stored)
    assert all(a.probability >= 0.05 and a.causes and a.play in PLAYS.values() for a in alerts)
    assert all(a.status == "open" and a.kind == "threshold" for a in alerts)
    # A day later: the open alerts are not raised again.
    again = score_subscriptions(database, AS_OF + timedelta(days=1), models, threshold=0.05, jump=0.5)
    assert again.alerts_raised == 0 and again.scored == first.scored


def test_a_jump_against_the_previous_score_raises_a_new_alert(demo):
    database, models = demo
    with database.transaction() as s:
        s.execute(update(CustomerAlert).values(status="resolved"))
        target = s.scalars(select(ModelPrediction).where(ModelPrediction.entity_type == "subscription")
                           .order_by(ModelPrediction.probability.desc())).first()
        s.add(ModelPrediction(model_name=MODEL_NAME, model_version="old", entity_type="subscription",
                              entity_id=target.entity_id, scored_at=AS_OF + timedelta(days=2), probability=0.0,
                              reasons={}))
        expected = target.entity_id
    result = score_subscriptions(database, AS_OF + timedelta(days=3), models, threshold=0.95, jump=0.02)
    with database.sessions() as s:
        alert = s.scalars(select(CustomerAlert).where(CustomerAlert.status == "open")).all()
    assert result.jump_alerts >= 1 and expected in {a.subscription_id for a in alert}
    mine = next(a for a in alert if a.subscription_id == expected)
    assert mine.kind == "jump" and mine.previous_probability == 0.0


def test_refresh_gives_each_account_its_riskiest_subscription_and_value(demo):
    database, models = demo
    result = refresh_churn(database, now=AS_OF + timedelta(days=4), models_dir=models, horizon_months=12)
    assert result.by_account and not result.notes
    view = next(iter(result.by_account.values()))
    assert 0 <= view["probability"] <= 1 and view["play"] in PLAYS.values()
    assert view["survival_model"]["method"] in ("cox", "weibull")
    assert view["expected_months_to_churn"] > 0 and view["subscription_value"] >= 0
    risk = result.scoring.table.groupby("account_id")["probability"].max()
    assert all(result.by_account[a]["probability"] == pytest.approx(p) for a, p in risk.items())
