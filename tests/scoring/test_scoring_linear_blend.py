"""The spline-logistic member: exact per-column terms, and a blend chosen by inner log loss."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesmind.scoring import TabularScorer
from salesmind.scoring.base import BASE_VALUE
from salesmind.scoring.columns import ColumnPreparer
from salesmind.scoring.linear import SplineLogistic


def _features(table: pd.DataFrame) -> tuple[ColumnPreparer, pd.DataFrame, np.ndarray]:
    X = table.drop(columns=["Converted", "_true_p"])
    preparer = ColumnPreparer().fit(X)
    return preparer, preparer.transform(X), (table["Converted"] == "Yes").to_numpy(int)


def test_spline_logistic_terms_add_up_to_its_probability(make_table) -> None:
    preparer, features, y = _features(make_table(3000))
    model = SplineLogistic().fit(features, y)
    new = preparer.transform(make_table(200, seed=4).drop(columns=["Converted", "_true_p"]))
    new.loc[new.index[:5], "Lead Source"] = np.nan  # missing is a category of its own
    contrib = model.contributions(new)
    assert contrib.shape == (200, features.shape[1] + 1)
    matrix = np.hstack(list(model._blocks(new).values()))
    np.testing.assert_allclose(1 / (1 + np.exp(-contrib.sum(axis=1))),
                               model.model_.predict_proba(matrix)[:, 1], atol=1e-9)
    # the curve for time on site rises (its true effect is linear and positive)
    minutes = list(features.columns).index("Total Time Spent on Website")
    order = np.argsort(new["Total Time Spent on Website"].to_numpy())
    terms = contrib[order, minutes]
    assert terms[-20:].mean() > terms[:20].mean() + 1.0
    # a column absent from the table scores as missing instead of failing
    assert np.isfinite(model.margin(new.drop(columns=["TotalVisits"]))).all()


def test_blend_is_used_on_additive_data_and_reasons_stay_exact(make_table, fast: dict) -> None:
    # The true log-odds is additive, which the linear member fits exactly: the inner
    # cross-fitted log loss must prefer the blend, and contributions must still add up.
    model = TabularScorer(**fast).fit(make_table(4000))
    assert model.linear_members_ and min(model.blend_[:2]) > 0
    assert model.blend_losses_["blend"] < model.blend_losses_["lightgbm"]
    sample = make_table(100, seed=5)
    contrib = model.contributions(sample)
    assert BASE_VALUE in contrib.columns
    np.testing.assert_allclose(contrib.sum(axis=1).to_numpy(), model.raw_margin(sample),
                               atol=1e-6)
    alone = TabularScorer(**{**fast, "linear_member": False}).fit(make_table(4000))
    assert alone.blend_ == (1.0, 0.0, 0.0) and not alone.linear_members_
    test = make_table(4000, seed=9)
    y = (test["Converted"] == "Yes").to_numpy(int)

    def loss(m: TabularScorer) -> float:
        p = m.predict_proba(test)[:, 1]
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    assert loss(model) < loss(alone)


def test_blend_is_dropped_when_it_does_not_help(make_table, fast: dict) -> None:
    # An interaction no additive model can express: the linear member adds nothing.
    rng = np.random.default_rng(3)
    n = 4000
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = rng.random(n) < 1 / (1 + np.exp(-3 * np.sign(a * b)))
    table = pd.DataFrame({"a": a, "b": b, "Converted": np.where(y, "Yes", "No"), "_true_p": 0.0})
    model = TabularScorer(**fast).fit(table)
    assert not model.linear_members_ and model.blend_ == (1.0, 0.0, 0.0)
    assert any("spline logistic member not used" in note for note in model.notes_)
