"""The estimator contract, checked for every scorer alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesmind.core.errors import NotFittedError
from salesmind.scoring import LogisticScorer, NaiveBayesScorer, PointsScorer, TabularScorer

COMMON = {"target": "Converted", "exclude": ("_true_p",)}
FAST = {"target": "Converted", "exclude": ("_true_p",), "tune": False, "n_folds": 3,
        "n_jobs": 1, "random_state": 0}
SCORERS = [
    lambda: TabularScorer(**FAST),
    lambda: NaiveBayesScorer(**COMMON),
    lambda: PointsScorer(**COMMON),
    lambda: LogisticScorer(**COMMON),
]


@pytest.mark.parametrize("make", SCORERS)
def test_contract(make, leads: pd.DataFrame) -> None:
    model = make()
    params = dict(vars(model))
    assert not any(k.endswith("_") for k in params), "__init__ must only store parameters"
    with pytest.raises(NotFittedError):
        model.predict_proba(leads.head())
    assert model.fit(leads) is model
    learned = set(vars(model)) - set(params)
    assert learned and all(k.endswith("_") for k in learned)
    proba = model.predict_proba(leads.head(200))
    assert proba.shape == (200, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert ((proba >= 0) & (proba <= 1)).all()
    again = make().fit(leads).predict_proba(leads.head(200))
    np.testing.assert_array_equal(proba, again)


def test_target_column_is_ignored_when_scoring(leads: pd.DataFrame) -> None:
    model = TabularScorer(**FAST).fit(leads)
    with_target = model.predict_proba(leads.head(50))
    without = model.predict_proba(leads.head(50).drop(columns=["Converted"]))
    np.testing.assert_array_equal(with_target, without)


def test_not_fitted_explain_and_contributions() -> None:
    model = TabularScorer(**FAST)
    frame = pd.DataFrame({"a": [1]})
    for call in (model.contributions, model.raw_margin, model.explain, model.predict_frame):
        with pytest.raises(NotFittedError):
            call(frame)


def test_naive_bayes_scores_and_explains_in_one_pass_with_the_same_numbers(leads: pd.DataFrame) -> None:
    model = NaiveBayesScorer(**COMMON).fit(leads)
    rows = leads.head(100)
    proba, contrib = model.scored(rows)
    np.testing.assert_array_equal(proba, model.predict_proba(rows)[:, 1])
    pd.testing.assert_frame_equal(contrib, model.contributions(rows))
    np.testing.assert_allclose(model.calibrator_.predict(contrib.sum(axis=1).to_numpy()), proba)
