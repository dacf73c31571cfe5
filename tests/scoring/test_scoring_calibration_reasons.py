"""Calibration on held-out rows, reasons that add up, cold start, leak warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesmind.scoring import (
    COLD_START_KIND,
    TabularScorer,
    choose_method,
    compute_metrics,
    expected_calibration_error,
)
from salesmind.scoring.base import BASE_VALUE


def test_calibrated_on_held_out_rows(make_table, fast: dict) -> None:
    train, test = make_table(6000, seed=1), make_table(4000, seed=2)
    model = TabularScorer(**fast).fit(train)
    p = model.predict_proba(test)[:, 1]
    y = (test["Converted"] == "Yes").to_numpy(int)
    ours = expected_calibration_error(y, p)
    truth = expected_calibration_error(y, test["_true_p"].to_numpy())  # sampling noise floor
    assert ours < 0.03 and ours < truth + 0.02
    assert model.calibration_method_ in ("isotonic", "sigmoid")
    # and the scores rank nearly as well as the true probabilities do
    assert compute_metrics(y, p).roc_auc > compute_metrics(y, test["_true_p"]).roc_auc - 0.02


def test_choose_method_prefers_sigmoid_for_logistic_margins() -> None:
    rng = np.random.default_rng(0)
    margin = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * margin))).astype(int)
    method, losses = choose_method(margin, y)
    assert method == "sigmoid" and losses["sigmoid"] <= losses["isotonic"]


@pytest.mark.parametrize("rows", [3000, 600])  # LightGBM and the cold-start table
def test_contributions_add_up_to_raw_margin(make_table, fast: dict, rows: int) -> None:
    model = TabularScorer(**fast).fit(make_table(rows))
    sample = make_table(100, seed=5)
    contrib = model.contributions(sample)
    assert BASE_VALUE in contrib.columns and "Lead ID" not in contrib.columns
    np.testing.assert_allclose(contrib.sum(axis=1).to_numpy(), model.raw_margin(sample),
                               atol=1e-6)


def test_reasons_are_plain_sentences(leads: pd.DataFrame, fast: dict) -> None:
    model = TabularScorer(**fast).fit(leads)
    rows = pd.DataFrame({"Lead ID": ["x", "y"], "Lead Source": ["Reference", "Olark Chat"],
                         "Total Time Spent on Website": [1450, 20], "TotalVisits": [np.nan, 2.0],
                         "Noise": [0.0, 0.0]})
    first, second = model.explain(rows)
    texts = [r.text for r in first]
    assert "Lead Source is Reference (raises the score)" in texts
    assert "Total Time Spent on Website is 1,450 (high) (raises the score)" in texts
    assert "no value for TotalVisits (lowers the score)" in texts
    assert "Lead Source is Olark Chat (lowers the score)" in [r.text for r in second]
    frame = model.predict_frame(rows)
    assert list(frame.columns) == ["probability", "score", "grade", "reasons", "model"]
    assert frame["score"].between(0, 100).all() and set(frame["grade"]) <= set("ABCDF")
    assert frame["probability"].iloc[0] > frame["probability"].iloc[1]


def test_cold_start_below_minimum(make_table, fast: dict) -> None:
    model = TabularScorer(**fast).fit(make_table(600))
    assert model.cold_start_ and model.model_kind_ == COLD_START_KIND
    assert any("cold start" in note for note in model.notes_)
    out = model.predict_frame(make_table(20, seed=3))
    assert (out["model"] == COLD_START_KIND).all()
    few_positives = make_table(3000)
    few_positives.loc[few_positives.index[200:], "Converted"] = "No"
    assert TabularScorer(**fast).fit(few_positives).cold_start_
    assert not TabularScorer(**fast).fit(make_table(3000)).cold_start_


def test_leak_warnings_fire_on_planted_columns(leads: pd.DataFrame, fast: dict) -> None:
    rng = np.random.default_rng(0)
    table = leads.assign(
        Outcome_Copy=np.where(rng.random(len(leads)) < 0.02, "flip", leads["Converted"]),
        **{"Lead Status": rng.choice(["open", "working"], len(leads))})
    model = TabularScorer(**fast).fit(table)
    warned = " ".join(model.warnings_)
    assert "'Outcome_Copy' alone separates the outcome" in warned
    assert "'Lead Status' has a name that suggests" in warned
    assert "Total Time Spent" not in warned and "'Noise'" not in warned
    excluded = TabularScorer(**{**fast, "exclude": ("_true_p", "Outcome_Copy")}).fit(table)
    assert "Outcome_Copy" not in " ".join(excluded.warnings_)
    # Point-in-time features (the CRM's own) skip the name check but keep the data checks.
    pit = " ".join(TabularScorer(**{**fast, "point_in_time": True}).fit(table).warnings_)
    assert "'Lead Status' has a name" not in pit and "'Outcome_Copy' alone separates" in pit
