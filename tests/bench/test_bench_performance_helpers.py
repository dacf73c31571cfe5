"""The performance bench's correlation rows on made-up reps (no demo build)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.performance_reps import skill_rows


def test_skill_rows_find_a_planted_relation_and_skip_missing_values() -> None:
    skill = {f"r{i}@x": float(i) for i in range(8)}
    rows = [{"email": f"r{i}@x", "win_rate": i / 10, "median_cycle_days": None, "avg_won_amount": 5.0 - i,
             "avg_discount_won": 1.0, "median_slip_days": None, "activities_per_week": float(i % 2),
             "forecast_accuracy": None, "gaps": 0} for i in range(8)]
    found = {r["metric"]: r for r in skill_rows(rows, skill)}
    assert found["win rate"]["rho"] == 1.0 and found["win rate"]["p"] < 0.01
    assert found["average won deal size (net of discount)"]["rho"] == -1.0
    assert "median cycle days (won)" not in found and "forecast accuracy" not in found


def test_inject_reports_the_effect_it_put_in() -> None:
    import pandas as pd
    from bench.performance_reps import inject

    at = pd.Timestamp("2025-01-01", tz="UTC")
    units = pd.DataFrame({"rep_id": [1, 1, 1, 2], "at": [at - pd.Timedelta(days=1), at, at, at],
                          "value": [10.0, 10.0, 20.0, 30.0]})
    changed, effect = inject(units, at.to_pydatetime(), {1}, "cycle_days")
    assert changed["value"].tolist() == [10.0, 8.0, 16.0, 30.0] and effect == -3.0
