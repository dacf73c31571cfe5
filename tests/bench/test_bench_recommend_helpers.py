"""Helpers of the recommendation benchmark: the ratio table and the ALS choice on a validation split."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.customers_recommend import ALS_GRID, choose_als, ratio_rows  # noqa: E402


def test_ratio_rows_divide_by_the_baseline_of_the_same_run():
    result = pd.DataFrame({f"{m}@{k}": [0.6, 0.3] for m in ("hit_rate", "recall") for k in (1, 3, 5)},
                          index=pd.Index(["co-occurrence", "popularity"], name="model"))
    rows = ratio_rows(result)
    assert rows[0] == "| co-occurrence | 0.600 (2.00x) | 0.600 (2.00x) | 0.600 (2.00x) | 0.600 | 0.600 | 0.600 |"
    assert rows[1] == "| popularity | 0.300 | 0.300 | 0.300 | 0.300 | 0.300 | 0.300 |"


def test_choose_als_scores_every_setting_on_the_validation_split_only():
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = []
    for a in range(120):
        rows += [(a, "P", t0), (a, "A" if a % 2 else "C", t0 + timedelta(days=5)),
                 (a, "B" if a % 2 else "D", t0 + timedelta(days=50 + a % 40))]
    train = pd.DataFrame(rows, columns=["account_id", "product", "time"])
    best, grid = choose_als(train, t0 + timedelta(days=60), 60)
    assert len(grid) == len(ALS_GRID["factors"]) * len(ALS_GRID["alpha"])
    top = grid.iloc[0]
    assert best == {"factors": int(top["factors"]), "alpha": float(top["alpha"])}
    assert top["hit_rate@3"] == grid["hit_rate@3"].max()
