"""Target normalisation, column inference and the metric helpers, on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from salesmind.core.errors import UserInputError
from salesmind.scoring import ColumnPreparer, compute_metrics, expected_calibration_error, grade
from salesmind.scoring.metrics import lift_table


@pytest.mark.parametrize("values, expected", [
    (["yes", "No", " YES "], [1, 0, 1]),
    ([True, False, True], [1, 0, 1]),
    ([1, 0, 0], [1, 0, 0]),
    (["Converted", "Not Converted", "converted"], [1, 0, 1]),
    (["Closed Won", "Closed Lost", "won"], [1, 0, 1]),
    (["true", "false", "1"], [1, 0, 1]),
])
def test_normalize_target(values: list, expected: list) -> None:
    from salesmind.scoring import normalize_target

    assert normalize_target(pd.Series(values)).tolist() == expected


def test_unlabelled_outcomes_become_missing() -> None:
    from salesmind.scoring import normalize_target

    out = normalize_target(pd.Series(["won", "lost", "open", None]))
    assert out.iloc[:2].tolist() == [1.0, 0.0] and out.iloc[2:].isna().all()


@pytest.mark.parametrize("values, message", [
    (["yes", "yes"], "single class"),
    ([3, 3, 3], "single class"),
    (["hot", "cold", "yes"], "not an outcome"),
    ([1, 2, 3], "two outcomes"),
])
def test_bad_targets_raise_user_errors(values: list, message: str) -> None:
    from salesmind.scoring import normalize_target

    with pytest.raises(UserInputError, match=message):
        normalize_target(pd.Series(values, name="y"))


def test_column_inference() -> None:
    n = 200
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "Prospect ID": [f"id-{i}" for i in range(n)],
        "Lead Number": np.arange(1000, 1000 + n),
        "Notes": [f"called on day {i}, they asked about pricing tier {i % 7}" for i in range(n)],
        "City": rng.choice(["Select", "Mumbai", "Pune", "Other"], n),
        "Revenue": [f"${v:,}" for v in rng.integers(1000, 90000, n)],
        "pdays": np.where(rng.random(n) < 0.9, 999, rng.integers(0, 20, n)),
        "Created": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "Empty": ["Select"] * n,
    })
    prep = ColumnPreparer().fit(frame)
    kinds = {s.name: s.kind for s in prep.specs_}
    assert kinds == {"City": "categorical", "Revenue": "numeric", "pdays": "numeric",
                     "Created": "datetime"}
    assert set(prep.dropped_) == {"Prospect ID", "Lead Number", "Notes", "Empty"}
    assert "free text" in prep.dropped_["Notes"] and "identifier" in prep.dropped_["Lead Number"]
    features = prep.transform(frame)
    assert isinstance(features["City"].dtype, pd.CategoricalDtype)
    assert features["City"].isna().sum() == (frame["City"] == "Select").sum()
    assert features["pdays"].isna().sum() == (frame["pdays"] == 999).sum()
    assert features["Revenue"].dtype == float and features["Revenue"].notna().all()
    assert features["Created (month)"].iloc[40] == 2.0
    unseen = prep.transform(pd.DataFrame({"City": ["Delhi"]}))
    assert unseen["City"].isna().all() and unseen["Revenue"].isna().all()


def test_metrics_against_hand_computed_values() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    m = compute_metrics(y, p)
    assert m.roc_auc == pytest.approx(roc_auc_score(y, p)) and m.roc_auc == pytest.approx(0.75)
    assert m.brier == pytest.approx(np.mean((p - y) ** 2))
    # bins: [0.1] -> gap 0.1; [0.4, 0.35] (both in 0.3-0.4? no: 0.35 in [0.3,0.4), 0.4 in [0.4,0.5))
    expected = (abs(0.1 - 0) + abs(0.35 - 1) + abs(0.4 - 0) + abs(0.8 - 1)) / 4
    assert expected_calibration_error(y, p) == pytest.approx(expected)
    lift = lift_table(y, p, groups=2)
    assert [row["positive_rate"] for row in lift] == [0.5, 0.5]
    assert lift[-1]["cumulative_gain"] == pytest.approx(1.0)


@pytest.mark.parametrize("p, letter", [(0.95, "A"), (0.6, "A"), (0.45, "B"), (0.2, "C"),
                                       (0.15, "D"), (0.01, "F")])
def test_grade_bands(p: float, letter: str) -> None:
    assert grade(p) == letter
