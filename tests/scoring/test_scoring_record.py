"""Scoring one record from plain values (an API request) equals scoring it as a one-row frame."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from salesmind.scoring import TabularScorer
from salesmind.scoring.columns import ColumnPreparer
from salesmind.scoring.linear import SplineLogistic, SplineStack


def _table(make_table, n: int, seed: int) -> pd.DataFrame:
    """The synthetic leads plus the column kinds a CRM export has: a flag, text numbers, rare values."""
    table = make_table(n, seed=seed)
    rng = np.random.default_rng(seed)
    table["Has Title"] = rng.random(n) < 0.6
    table["Budget"] = [f"${v:,.0f}" if v > 200 else "N/A" for v in rng.gamma(2.0, 800.0, n)]
    table["Country"] = rng.choice([f"C{i}" for i in range(12)], n, p=np.r_[0.5, np.full(11, 0.5 / 11)])
    table.loc[table.index[rng.random(n) < 0.1], "Country"] = None
    return table


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as a request gives them: plain Python values."""
    return frame.astype(object).to_dict("records")


def _same(model: TabularScorer, frame: pd.DataFrame) -> None:
    proba, reasons = model.score_explained(frame)
    for i, record in enumerate(_records(frame)):
        p, explained = model.score_record(record)
        assert p == pytest.approx(proba[i], abs=1e-12)
        assert [(r.column, r.value, r.text) for r in explained] == \
            [(r.column, r.value, r.text) for r in reasons[i]]
        np.testing.assert_allclose([r.contribution for r in explained],
                                   [r.contribution for r in reasons[i]], rtol=0, atol=1e-12)


@pytest.mark.parametrize("linear_member", [True, False])
def test_a_record_scores_as_its_one_row_frame(make_table, fast: dict, linear_member: bool) -> None:
    model = TabularScorer(**fast, linear_member=linear_member).fit(_table(make_table, 4000, 0))
    assert bool(model.linear_members_) == linear_member
    sample = _table(make_table, 150, 5).drop(columns=["Converted"])
    sample.loc[sample.index[:4], "Lead Source"] = "Never seen"  # unseen category
    sample.loc[sample.index[4:8], "Country"] = "Atlantis"  # pooled as "(other)"
    sample.loc[sample.index[8:12], "TotalVisits"] = np.nan
    assert model._prepared_record(_records(sample)[0]) is not None  # the plain path is the one tested
    _same(model, sample)
    # an absent column is missing, as in a frame without it
    p, _ = model.score_record({k: v for k, v in _records(sample)[20].items() if k != "TotalVisits"})
    assert p == pytest.approx(model.score_explained(sample.iloc[[20]].drop(columns=["TotalVisits"]))[0][0],
                              abs=1e-12)


def test_records_the_plain_path_cannot_read_take_the_frame_path(make_table, fast: dict) -> None:
    table = _table(make_table, 3000, 1)
    table["Signed Up"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(table)) % 400, unit="D")
    model = TabularScorer(**fast).fit(table)
    assert model._record_layout() is None  # a date column: frames only
    _same(model, _table(make_table, 20, 2).assign(**{"Signed Up": pd.Timestamp("2024-06-01")})
          .drop(columns=["Converted"]))
    plain = TabularScorer(**fast).fit(_table(make_table, 3000, 1))
    record = _records(_table(make_table, 1, 3).drop(columns=["Converted"]))[0]
    record["TotalVisits"] = "about four"  # not a number: the frame path reads it as missing
    assert plain._prepared_record(record) is None
    p, _ = plain.score_record(record)
    assert p == pytest.approx(plain.score_explained(pd.DataFrame([record]))[0][0], abs=1e-12)


def test_cold_start_records_are_scored_by_the_frequency_table(make_table, fast: dict) -> None:
    model = TabularScorer(**fast).fit(_table(make_table, 300, 4))
    assert model.cold_start_
    _same(model, _table(make_table, 10, 6).drop(columns=["Converted"]))


def test_stacked_members_give_each_members_own_terms(make_table) -> None:
    table = make_table(3000).drop(columns=["_true_p"])
    y = (table.pop("Converted") == "Yes").to_numpy(int)
    preparer = ColumnPreparer().fit(table)
    features = preparer.transform(table)
    rng = np.random.default_rng(0)
    members = [SplineLogistic(n_knots=6).fit(features.iloc[idx], y[idx])
               for idx in (rng.choice(len(y), size, replace=False) for size in (150, 1500, 3000))]
    new = preparer.transform(make_table(40, seed=9).drop(columns=["Converted", "_true_p"]))
    new.iloc[:3, new.columns.get_loc("TotalVisits")] = np.nan
    matrix = np.column_stack([new[c].cat.codes.replace(-1, np.nan).to_numpy(float)
                              if isinstance(new[c].dtype, pd.CategoricalDtype) else new[c].to_numpy(float)
                              for c in new.columns])
    stack = SplineStack(members)
    # members fit on fewer rows have fewer quantiles: the stack pads them
    assert stack.stacked and len({m._numeric_plan()["quantiles"].shape[1] for m in members}) > 1
    for rows in (matrix[:1], matrix):
        for got, member in zip(stack.contributions(rows), members):
            np.testing.assert_allclose(got, member.contributions(rows), rtol=0, atol=1e-12)


def test_saved_models_leave_the_derived_caches_out(make_table, fast: dict) -> None:
    model = TabularScorer(**fast).fit(_table(make_table, 3000, 7))
    record = _records(_table(make_table, 1, 8).drop(columns=["Converted"]))[0]
    expected = model.score_record(record)[0]
    assert "_spline_stack_" in vars(model) and "_record_layout_" in vars(model)
    loaded = pickle.loads(pickle.dumps(model))
    assert "_spline_stack_" not in vars(loaded) and "_record_layout_" not in vars(loaded)
    assert loaded.score_record(record)[0] == pytest.approx(expected, abs=1e-15)


def test_platt_calibration_equals_scikit_learns_predict_proba() -> None:
    from salesmind.scoring.calibration import Calibrator

    rng = np.random.default_rng(3)
    margin = rng.normal(0, 2, 500)
    y = (rng.random(500) < 1 / (1 + np.exp(-0.7 * margin))).astype(int)
    cal = Calibrator("sigmoid").fit(margin, y)
    new = np.r_[rng.normal(0, 3, 200), -40.0, 40.0]
    np.testing.assert_array_equal(cal.predict(new), cal.model_.predict_proba(new.reshape(-1, 1))[:, 1])
