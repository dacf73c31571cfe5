"""Helpers of the churn benchmarks: the Telco reference model, tables and verdicts, cause ranks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.churn_demo import cause_ranks, metrics_table  # noqa: E402
from bench.churn_telco import REFERENCE, OneHotLogistic, numeric_charges, verdict  # noqa: E402

from salesmind.scoring.evaluate import CrossValidation, evaluate  # noqa: E402


def telco_like(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 72, n)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n)
    logit = -0.5 - 0.04 * tenure + 1.5 * (contract == "Month-to-month")
    total = (tenure * 50.0).astype(object)
    total[tenure == 0] = " "
    return pd.DataFrame({"customerID": [f"c{i}" for i in range(n)], "tenure": tenure, "Contract": contract,
                         "TotalCharges": total, "Churn": np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "Yes", "No")})


def test_numeric_charges_turns_blanks_into_zero():
    frame = numeric_charges(pd.DataFrame({"TotalCharges": ["10.5", " ", "3"]}))
    assert frame["TotalCharges"].tolist() == [10.5, 0.0, 3.0]


def test_one_hot_logistic_learns_the_simulated_effects():
    frame = telco_like()
    X, y = frame.drop(columns=["Churn"]), (frame["Churn"] == "Yes").to_numpy().astype(int)
    p = OneHotLogistic(("customerID",)).fit(X, y).predict_proba(X)[:, 1]
    monthly = (frame["Contract"] == "Month-to-month").to_numpy()
    assert p[monthly].mean() > p[~monthly].mean() + 0.2
    assert np.corrcoef(p, frame["tenure"])[0, 1] < -0.3


def test_verdict_needs_better_auc_no_worse_log_loss_and_low_ece():
    rng = np.random.default_rng(0)
    good = rng.uniform(0.05, 0.95, 20000)                   # the true probabilities: calibrated
    y = (rng.random(good.size) < good).astype(int)
    worse = np.clip(good + rng.normal(0, 0.2, good.size), 0.01, 0.99)  # a noisier ranking
    cv = CrossValidation(y, {"salesmind": good, REFERENCE: worse}, {"salesmind": 1.0, REFERENCE: 1.0},
                         {"salesmind": [1.0], REFERENCE: [1.0]}, 1)
    assert "**met**" in verdict(evaluate(cv, "t", "Churn"))
    swapped = CrossValidation(y, {"salesmind": worse, REFERENCE: good}, cv.fit_seconds, cv.fold_auc, 1)
    assert "**not met**" in verdict(evaluate(swapped, "t", "Churn"))


def test_cause_ranks_take_the_first_driver_of_each_kind():
    drivers = [{"column": "utilisation"}, {"column": "tenure_days"}, {"column": "latest_nps"},
               {"column": "utilisation_trend"}, {"column": "tickets_90d"}]
    assert cause_ranks(drivers) == {"usage": 1, "nps": 3, "support": 5}


def test_metrics_table_compares_with_logistic_regression():
    m = {"roc_auc": 0.8, "pr_auc": 0.5, "log_loss": 0.3, "brier": 0.1, "ece": 0.01}
    table = metrics_table({"models": [{"name": "salesmind", "metrics": {**m, "roc_auc": 0.82}},
                                      {"name": "logistic regression", "metrics": m}]})
    assert "| salesmind | 0.8200 |" in table and "+0.0200 |" in table
