"""Train the discount model on a time-ordered split and measure it against two baselines on the newest deals.

Closed deals with a discount are sorted by close time: the oldest ``TRAIN_SHARE`` train the trees,
the next ``CALIBRATION_SHARE`` fit the calibration, the newest rest are the test slice. On the test
slice the monotone model is compared with an unconstrained LightGBM (same settings, same
calibration slice) and a logistic regression (one-hot categories, scaled numbers; trained on the
training and calibration slices together).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from salesmind.core.errors import UserInputError
from salesmind.discounts.features import CATEGORICAL, FEATURES, NUMERIC
from salesmind.discounts.model import DiscountModel
from salesmind.discounts.recommend import discount_grid
from salesmind.scoring.metrics import compute_metrics, reliability_table

TRAIN_SHARE, CALIBRATION_SHARE = 0.6, 0.2
MIN_ROWS = 60
CURVE_MAX_PCT = 40.0


@dataclass
class DiscountTraining:
    """A trained model and what the run measured about it."""

    model: DiscountModel
    metrics: dict[str, dict[str, float]]
    split: dict[str, Any]
    reliability: list[dict[str, float]]
    response: dict[str, list[float]]
    test_rows: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """JSON-ready form (without the model and rows)."""
        return {"metrics": self.metrics, "split": self.split, "reliability": self.reliability,
                "response": self.response}


def time_split(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train, calibration and test slices of rows sorted by close time (oldest first)."""
    if len(rows) < MIN_ROWS:
        raise UserInputError(f"the discount model needs at least {MIN_ROWS} closed deals with a discount; "
                             f"found {len(rows)}")
    rows = rows.sort_values("closed_at", kind="stable").reset_index(drop=True)
    a, b = int(len(rows) * TRAIN_SHARE), int(len(rows) * (TRAIN_SHARE + CALIBRATION_SHARE))
    parts = rows.iloc[:a], rows.iloc[a:b], rows.iloc[b:]
    for name, part in zip(("training", "calibration", "test"), parts):
        if part["won"].nunique() < 2:
            raise UserInputError(f"the {name} slice of closed deals with a discount holds only "
                                 f"{'wins' if part['won'].iloc[0] else 'losses'}; more history is needed")
    return parts


def logistic_baseline() -> Any:
    """One-hot categories + scaled numbers into a logistic regression (the linear reference)."""
    columns = ColumnTransformer([("num", StandardScaler(), NUMERIC),
                                 ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), CATEGORICAL)])
    return make_pipeline(columns, LogisticRegression(C=1.0, max_iter=2000))


def average_response(model: DiscountModel, rows: pd.DataFrame, max_pct: float = CURVE_MAX_PCT) -> dict[str, list[float]]:
    """The model's mean win probability over ``rows`` at each discount of a grid (the average response curve)."""
    grid = discount_grid(max_pct, 1.0)
    return {"discount_pct": grid.tolist(), "p": model.curve(rows, grid).mean(axis=0).tolist()}


def train_discount_model(rows: pd.DataFrame, *, random_state: int = 0) -> DiscountTraining:
    """Fit the monotone model and both baselines on the time split of ``rows``; metrics on the test slice."""
    train, cal, test = time_split(rows)
    model = DiscountModel(random_state=random_state).fit(train, train["won"]).calibrate(cal, cal["won"])
    free = DiscountModel(monotone=False, random_state=random_state).fit(train, train["won"]).calibrate(cal, cal["won"])
    both = pd.concat([train, cal])
    linear = logistic_baseline().fit(both[FEATURES], both["won"])
    y = test["won"].to_numpy()
    predictions = {"monotone_lightgbm": model.predict_proba(test), "unconstrained_lightgbm": free.predict_proba(test),
                   "logistic_regression": linear.predict_proba(test[FEATURES])[:, 1]}
    metrics = {name: {k: v for k, v in asdict(compute_metrics(y, p)).items()} for name, p in predictions.items()}
    split = {"training": len(train), "calibration": len(cal), "test": len(test),
             "training_from": str(train["closed_at"].min()), "calibration_from": str(cal["closed_at"].min()),
             "test_from": str(test["closed_at"].min()), "test_to": str(test["closed_at"].max()),
             "calibration_method": model.calibrator_.method, "positives": int(rows["won"].sum())}
    return DiscountTraining(model, metrics, split, reliability_table(y, predictions["monotone_lightgbm"]),
                            average_response(model, test), test)
