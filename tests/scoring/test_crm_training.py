"""CRM lead and deal models on the demo company: drivers, holdout quality, promotion, cold start."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from sqlalchemy import select

from crm_demo import AS_OF, FAST, build_small_demo
from salesmind.core.db import Database
from salesmind.data.models import ModelPrediction, ModelVersion
from salesmind.scoring.crm import MODEL_NAMES, train_crm_model, time_split, train_on_frame, training_frame
from salesmind.scoring.registry import current_version, has_current_version
from salesmind.scoring.rescoring import open_ids, rescore_all


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = build_small_demo(tmp_path_factory.mktemp("crm-demo"))
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def lead_model(demo: Database) -> ModelVersion:
    return train_crm_model(demo, "lead", now=AS_OF, models_dir=demo.settings.models_dir, **FAST)


def _metrics(version: ModelVersion, name: str) -> dict:
    return next(m["metrics"] for m in version.metrics["models"] if m["name"] == name)


def test_first_lead_model_is_promoted_and_saved_with_its_report(lead_model: ModelVersion) -> None:
    assert lead_model.status == "current" and lead_model.kind == "lightgbm"
    assert lead_model.notes["promotion"]["reason"] == "no current version"
    folder = Path(lead_model.path)
    assert (folder / "model.joblib").is_file() and (folder / "report.html").is_file()
    assert {m["name"] for m in lead_model.metrics["models"]} == {
        "salesmind", "points rule score", "logistic regression", "naive Bayes table"}
    assert lead_model.window_end < AS_OF and lead_model.rows > 1000


def test_lead_model_recovers_the_documented_drivers_with_their_sign(lead_model: ModelVersion) -> None:
    details = {d["column"]: d for d in lead_model.features["driver_details"]}
    documented = {"source", "engagement_velocity", "first_response_minutes", "seniority",
                  "employees", "pricing_page_visits_7d", "pricing_page_visits_30d"}
    assert len(documented & set(details)) >= 4, list(details)
    assert details["engagement_velocity"]["correlation"] > 0.5
    # Snapshots at every age (1-180 days): a stale lead's silence is now a top driver.
    assert details["days_since_last_activity"]["correlation"] < -0.5
    assert details["source"]["raises"] in {"demo_request", "referral"}


def test_holdout_is_calibrated_and_beats_the_logistic_baseline(lead_model: ModelVersion) -> None:
    ours, logistic = _metrics(lead_model, "salesmind"), _metrics(lead_model, "logistic regression")
    assert ours["ece"] < 0.06  # ~340 held-out rows: sampling noise alone is about 0.03
    assert ours["roc_auc"] > logistic["roc_auc"]
    assert ours["log_loss"] < logistic["log_loss"]


def test_a_worse_candidate_is_rejected_and_the_current_version_stays(
        demo: Database, lead_model: ModelVersion) -> None:
    with demo.sessions() as session:
        frame = training_frame(session, "lead", AS_OF)
    train, _ = time_split(frame, "lead")  # shuffle the labels it learns from, not the held-out ones
    column = frame.columns.get_loc("converted")
    frame.iloc[train, column] = np.random.default_rng(0).permutation(frame["converted"].to_numpy()[train])
    worse = train_on_frame(demo, "lead", frame, now=AS_OF, models_dir=demo.settings.models_dir,
                           **FAST)
    assert worse.status == "rejected", worse.notes["promotion"]
    assert worse.notes["promotion"]["compared_rows"] > 0
    assert worse.notes["promotion"]["candidate_log_loss"] > worse.notes["promotion"]["current_log_loss"]
    with demo.sessions() as session:
        assert current_version(session, MODEL_NAMES["lead"]).version == lead_model.version
        assert has_current_version(session, MODEL_NAMES["lead"])
        assert not has_current_version(session, "no_such_model")


def test_rescoring_the_book_stores_a_score_per_open_lead(demo: Database,
                                                          lead_model: ModelVersion) -> None:
    seen: list[tuple[int, int]] = []
    count = rescore_all(demo, "lead", now=AS_OF, models_dir=demo.settings.models_dir,
                        progress=lambda done, total: seen.append((done, total)))
    with demo.sessions() as session:
        assert count == len(open_ids(session, "lead", AS_OF)) > 0
        stored = session.scalars(select(ModelPrediction).where(
            ModelPrediction.model_version == lead_model.version)).all()
    assert len(stored) == count and seen[-1] == (count, count)
    first = stored[0]
    assert set(first.reasons) == {"positive", "negative"}
    assert first.score == round(100 * first.probability, 1) and first.grade in "ABCDF"


def test_a_tiny_crm_falls_back_to_the_cold_start_table(demo: Database, tmp_path: Path) -> None:
    with demo.sessions() as session:
        frame = training_frame(session, "lead", AS_OF).sample(400, random_state=0)
    tiny = train_on_frame(demo, "lead", frame, now=AS_OF, models_dir=tmp_path, **FAST)
    assert tiny.kind == "cold_start_naive_bayes" and tiny.notes["cold_start"]
    assert tiny.notes["cold_start_minimum"] == {"rows": 1000, "positives": 120}
    assert any("below the minimum of 1,000 rows and 120" in n for n in tiny.notes["notes"])


def test_deal_model_scores_open_deals_with_an_expected_close_month(demo: Database) -> None:
    version = train_crm_model(demo, "opportunity", now=AS_OF, models_dir=demo.settings.models_dir,
                              **FAST)
    assert version.status == "current" and version.notes["typical_days_to_close"] > 0
    assert rescore_all(demo, "opportunity", now=AS_OF, models_dir=demo.settings.models_dir) > 0
    with demo.sessions() as session:
        stored = session.scalars(select(ModelPrediction).where(
            ModelPrediction.entity_type == "opportunity")).all()
    months = [p.reasons["expected_close_month"] for p in stored]
    assert all(m >= f"{AS_OF:%Y-%m}" for m in months)
