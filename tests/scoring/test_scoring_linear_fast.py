"""The spline-logistic member's vectorised terms against scikit-learn's own transformers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import QuantileTransformer

from salesmind.scoring import linear
from salesmind.scoring.columns import ColumnPreparer
from salesmind.scoring.linear import SplineLogistic, quantile_ranks


def _columns(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Training and new values: counts full of ties, a skewed column, and a short column."""
    rng = np.random.default_rng(seed)
    train = np.column_stack([rng.poisson(1.0, 500), rng.gamma(2.0, 300.0, 500).round(),
                             rng.normal(size=500)]).astype(float)
    new = np.column_stack([rng.poisson(1.5, 300), rng.gamma(2.0, 400.0, 300).round(),
                           rng.normal(scale=2.0, size=300)]).astype(float)
    new[:3] = train[:3]  # values that are quantiles themselves
    new[3] = train.min(axis=0) - 1  # below and above the training range
    new[4] = train.max(axis=0) + 1
    new[5] = train.min(axis=0)
    new[6] = train.max(axis=0)
    return train, new


@pytest.mark.parametrize("cells", [10**9, 1], ids=["all-columns-at-once", "column-by-column"])
def test_quantile_ranks_equal_scikit_learn(cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linear, "_COMPARE_CELLS", cells)
    train, new = _columns()
    sizes = (200, 200, 37)  # the last column has fewer quantiles: padded to the widest
    fitted = [QuantileTransformer(n_quantiles=n).fit(train[:n * 2, [j]]) for j, n in enumerate(sizes)]
    width = max(sizes)

    def pad(v: np.ndarray) -> np.ndarray:
        return np.concatenate([v, np.repeat(v[-1:], width - len(v))])

    quantiles = np.array([pad(q.quantiles_[:, 0]) for q in fitted])
    references = np.array([pad(q.references_) for q in fitted])
    expected = np.column_stack([q.transform(new[:, [j]])[:, 0] for j, q in enumerate(fitted)])
    np.testing.assert_allclose(quantile_ranks(new, quantiles, references), expected, rtol=0, atol=1e-12)
    assert np.unique(expected[:, 0]).size < 20  # ties really are there (counts)


def _reference_terms(model: SplineLogistic, features: pd.DataFrame) -> np.ndarray:
    """Per-column terms computed one column at a time with the fitted scikit-learn objects."""
    coef = model.model_.coef_.ravel()
    out = np.zeros((len(features), len(model.columns_) + 1))
    for i, name in enumerate(model.columns_):
        if name not in model.encoders_:
            continue
        kind, enc = model.encoders_[name]
        if kind == "category":
            block = enc.transform(enc._codes(features[name]))
        else:
            median, flag, quantiles, spline = enc
            values = features[name].to_numpy(float)
            missing = np.isnan(values)
            parts = [spline.transform(quantiles.transform(np.where(missing, median, values).reshape(-1, 1)))]
            if flag:
                parts.append(missing.astype(float).reshape(-1, 1))
            block = np.hstack(parts)
        out[:, i] = block @ coef[model.slices_[name]] - model.centres_[name]
    out[:, -1] = model.base_value_
    return out


def test_terms_equal_the_column_by_column_reference_for_one_row_and_many(
        make_table, monkeypatch: pytest.MonkeyPatch) -> None:
    table = make_table(3000).drop(columns=["_true_p"])
    y = (table.pop("Converted") == "Yes").to_numpy(int)
    preparer = ColumnPreparer().fit(table)
    model = SplineLogistic().fit(preparer.transform(table), y)
    new = preparer.transform(make_table(200, seed=4).drop(columns=["Converted", "_true_p"]))
    new.loc[new.index[:5], "Lead Source"] = np.nan
    expected = _reference_terms(model, new)
    np.testing.assert_allclose(model.contributions(new), expected, rtol=0, atol=1e-12)
    one = model.contributions(new.iloc[[7]])
    np.testing.assert_allclose(one, expected[[7]], rtol=0, atol=1e-12)
    # the matrix form LightGBM reads (category codes, NaN for missing) gives the same terms
    matrix = np.column_stack([new[c].cat.codes.replace(-1, np.nan).to_numpy(float)
                              if isinstance(new[c].dtype, pd.CategoricalDtype) else new[c].to_numpy(float)
                              for c in new.columns])
    np.testing.assert_allclose(model.contributions(matrix), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.margin(new), expected.sum(axis=1), rtol=0, atol=1e-12)
    monkeypatch.setattr(linear, "ROWS_AT_ONCE", 7)  # many rows go in steps of bounded memory
    np.testing.assert_allclose(model.contributions(new), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.contributions(matrix), expected, rtol=0, atol=1e-12)


def test_one_pass_scoring_equals_predict_proba_and_a_row_alone_equals_its_batch(make_table, fast: dict) -> None:
    from salesmind.scoring import TabularScorer

    model = TabularScorer(**fast).fit(make_table(4000))
    assert model.linear_members_  # the blend is in use, so both members are exercised
    sample = make_table(120, seed=8)
    sample.loc[sample.index[:4], "Lead Source"] = "Never seen"  # an unseen category
    proba, reasons = model.score_explained(sample)
    np.testing.assert_allclose(proba, model.predict_proba(sample)[:, 1], rtol=0, atol=1e-12)
    contrib = model.contributions(sample)
    np.testing.assert_allclose(contrib.sum(axis=1).to_numpy(), model.raw_margin(sample), rtol=0, atol=1e-9)
    for i in (0, 3, 50, 119):
        p1, r1 = model.score_explained(sample.iloc[[i]])
        assert abs(p1[0] - proba[i]) < 1e-9
        assert [(r.column, r.value, r.text) for r in r1[0]] == [(r.column, r.value, r.text) for r in reasons[i]]
    # LightGBM reads the converted matrix exactly as it reads the frame
    features = model.preparer_.transform(sample.drop(columns=["Converted"]))
    booster = model.members_[0][0]
    np.testing.assert_array_equal(
        booster.predict(model._matrix(features), pred_contrib=True, num_threads=1),
        booster.predict(features, pred_contrib=True, num_threads=1))
