"""The discount model: monotone in the discount after calibration, calibrated on a known curve, and the
recommended discount at the analytic optimum of that curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.discounts.features import FEATURES
from salesmind.discounts.model import DiscountModel
from salesmind.discounts.recommend import best_index, discount_grid, expected_value
from salesmind.discounts.training import train_discount_model
from salesmind.scoring.metrics import expected_calibration_error

A, B = -1.0, 0.07  # the known curve: logit p = A + B * discount + segment effect
SEGMENT = {"smb": 0.5, "mid_market": 0.0, "enterprise": -0.5}


def synthetic(n: int, seed: int, confounded: bool = False, uniform: bool = False) -> pd.DataFrame:
    """Deals with a known win curve; ``confounded``: enterprise deals get bigger discounts; ``uniform``: discounts
    spread evenly over 0-40 (data all along the curve)."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(list(SEGMENT), n)
    base = np.array([{"smb": 5, "mid_market": 10, "enterprise": 18}[s] for s in segment]) if confounded else 15
    spread = rng.uniform(-15, 25, n) if uniform else rng.normal(0, 8, n)
    discount = np.clip(np.round((base + spread) * 2) / 2, 0, 40)
    frame = pd.DataFrame({"discount_pct": discount, "log_list_amount": rng.normal(10, 1, n),
                          "stakeholders": rng.integers(1, 5, n).astype(float), "owner_win_rate": rng.uniform(.2, .6, n),
                          "segment": segment, "industry": rng.choice(["Software", "Retail"], n),
                          "region": rng.choice(["EMEA", "NA"], n), "source": "referral",
                          "competitor": rng.choice(["none", "Veloxa"], n),
                          "owner": rng.choice(["1", "2", "3"], n)})
    frame["p_true"] = true_p(frame["discount_pct"].to_numpy(), frame["segment"].to_numpy())
    frame["won"] = (rng.random(n) < frame["p_true"]).astype(int)
    frame["closed_at"] = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    return frame


def true_p(discount: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """The curve the synthetic outcomes are drawn from."""
    return 1 / (1 + np.exp(-(A + B * np.asarray(discount) + np.array([SEGMENT[s] for s in segment]))))


@pytest.mark.parametrize("calibration", ["isotonic", "sigmoid"])
def test_calibrated_probability_never_falls_as_the_discount_rises(calibration: str) -> None:
    data = synthetic(1500, seed=1, confounded=True)
    train, cal, deals = data.iloc[:900], data.iloc[900:1200], data.iloc[1200:]
    grid = discount_grid(40.0)
    model = DiscountModel(calibration=calibration).fit(train, train["won"]).calibrate(cal, cal["won"])
    curves = model.curve(deals, grid)
    assert curves.shape == (300, len(grid))
    assert (np.diff(curves, axis=1) >= 0).all()
    assert (curves[:, -1] > curves[:, 0]).mean() > 0.9  # it does respond, not a flat line
    free = DiscountModel(monotone=False, calibration=calibration).fit(train, train["won"]).calibrate(cal, cal["won"])
    assert (np.diff(free.curve(deals, grid), axis=1) < -1e-9).any()  # the constraint is what keeps it monotone


def test_calibration_and_recommendation_on_a_known_curve() -> None:
    data = synthetic(6000, seed=2, uniform=True)
    train, cal, test = data.iloc[:4000], data.iloc[4000:5000], data.iloc[5000:]
    model = DiscountModel().fit(train, train["won"]).calibrate(cal, cal["won"])
    p = model.predict_proba(test)
    assert expected_calibration_error(test["won"], p) < 0.05
    assert np.abs(p - test["p_true"]).mean() < 0.06
    grid = discount_grid(40.0)
    for segment in SEGMENT:  # the analytic optimum of p(d) * (1 - d/100) against the grid's argmax
        def true_at(d: float, segment: str = segment) -> float:
            return float(true_p(np.array([d]), np.array([segment]))[0] * (1 - d / 100))

        optimum = minimize_scalar(lambda d: -true_at(d), bounds=(0, 40), method="bounded").x
        exact = grid[best_index(expected_value(true_p(grid, np.array([segment] * len(grid))), grid, 100.0))]
        assert abs(exact - optimum) <= 0.5
        deals = test[test["segment"] == segment].head(50)
        curves = model.curve(deals, grid).mean(axis=0)
        picked = grid[best_index(expected_value(curves, grid, 100.0))]
        assert true_at(picked) >= 0.97 * true_at(optimum), (segment, picked, optimum)


def test_margin_objective_and_ties() -> None:
    grid = np.array([0.0, 10.0, 20.0])
    value = expected_value(np.array([0.5, 0.6, 0.7]), grid, 1000.0, "margin", cost_pct=30.0)
    assert value == pytest.approx([0.5 * 700, 0.6 * 600, 0.7 * 500])
    assert best_index(np.array([3.0, 3.0, 1.0])) == 0  # the smaller discount among equals
    with pytest.raises(UserInputError, match="cost_pct"):
        expected_value(np.ones(3), grid, 1000.0, "margin")
    with pytest.raises(UserInputError, match="objective"):
        expected_value(np.ones(3), grid, 1000.0, "profit")
    with pytest.raises(UserInputError):
        discount_grid(120.0)


def test_reasons_and_contract() -> None:
    data = synthetic(600, seed=3)
    model = DiscountModel()
    with pytest.raises(NotFittedError):
        model.predict_proba(data)
    model.fit(data, data["won"])
    contrib = model.contributions(data.head(5))
    assert list(contrib.columns) == FEATURES
    raw = model.margin(data.head(5))
    bias = model.booster_.predict(model._frame(data.head(5)), pred_contrib=True)[:, -1]
    assert contrib.sum(axis=1).to_numpy() + bias == pytest.approx(raw)  # SHAP adds up to the score


def test_training_compares_with_baselines_on_the_newest_deals() -> None:
    data = synthetic(1000, seed=4, uniform=True)
    out = train_discount_model(data)
    assert set(out.metrics) == {"monotone_lightgbm", "unconstrained_lightgbm", "logistic_regression"}
    assert out.split["training"] == 600 and out.split["calibration"] == 200 and out.split["test"] == 200
    assert out.test_rows["closed_at"].min() > data["closed_at"].iloc[799]
    assert out.metrics["monotone_lightgbm"]["roc_auc"] > 0.6
    with pytest.raises(UserInputError, match="at least"):
        train_discount_model(data.head(30))
