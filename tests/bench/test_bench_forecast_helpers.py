"""Helpers of the forecasting benchmarks: quarter windows, won amounts, M3 scoring."""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.forecasting_m3 import scores, smape  # noqa: E402
from bench.forecasting_pipeline import previous_quarter, quarters_before, summary, won_between  # noqa: E402
from bench.forecasting_pipeline_maven import open_on, shrunk_rate, win_probabilities  # noqa: E402


def test_quarters_before_are_complete_and_oldest_first():
    assert quarters_before(datetime(2026, 11, 1, tzinfo=timezone.utc), 2) == [
        (date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 9, 30))]


def test_previous_quarter_is_the_whole_quarter_before():
    assert previous_quarter(date(2017, 7, 1)) == (date(2017, 4, 1), date(2017, 6, 30))
    assert previous_quarter(date(2017, 1, 1)) == (date(2016, 10, 1), date(2016, 12, 31))


def test_maven_pipeline_on_a_day_and_shrunk_win_rates():
    deals = pd.DataFrame({
        "opportunity_id": list("abcde"), "sales_agent": ["x", "x", "x", "y", "x"], "product": ["p"] * 5,
        "created_at": pd.to_datetime(["2017-01-01", "2017-01-05", "2017-02-01", "2017-02-01", "2017-03-10"], utc=True),
        "closed_at": pd.to_datetime(["2017-02-01", "2017-03-01", None, "2017-03-20", None], utc=True),
        "won": [1, 0, 0, 1, 0]})
    assert list(open_on(deals, date(2017, 3, 1))["opportunity_id"]) == ["b", "c", "d"]  # closed on the day: open
    assert shrunk_rate(pd.Series([3.0]), pd.Series([4.0]), 0.5, 4.0).iloc[0] == 5 / 8
    closed = deals.iloc[:2]  # x: one won, one lost
    p = win_probabilities(deals.iloc[2:4], closed, strength=2.0)
    agent = (1 + 2 * 0.5) / (2 + 2)  # agent x shrunk to the company's 0.5
    assert p[0] == (1 + 2 * agent) / (2 + 2) and p[1] == 0.5  # y has no history: the company's rate


def test_won_between_counts_only_won_deals_inside_the_days():
    closed = pd.DataFrame({"closed_at": pd.to_datetime(["2026-03-31 23:00", "2026-04-01 09:00", "2026-06-30 18:00",
                                                        "2026-05-01 00:00"], utc=True),
                           "won": [1, 1, 1, 0], "amount": [1.0, 10.0, 100.0, 1000.0]})
    assert won_between(closed, date(2026, 4, 1), date(2026, 6, 30)) == 110.0


def test_summary_reports_error_bias_and_coverage():
    frame = pd.DataFrame({"day": [0, 0], "actual": [100.0, 200.0], "p10": [50, 250], "p50": [110, 180],
                          "p90": [150, 300], "mean": [100, 200], "weighted": [50, 100], "previous_quarter": [100, 100]})
    table = summary(frame).set_index("method")
    assert table.loc["salesmind mean", "MAPE %"] == 0.0
    assert table.loc["weighted pipeline (CRM)", "bias %"] == -50.0
    assert table.loc["salesmind P10-P90 coverage", "bias %"] == 50.0


def test_m3_smape_and_mase_match_hand_computation():
    assert np.allclose(smape(np.array([100.0, 50.0]), np.array([110.0, 50.0])), [200 * 10 / 210, 0.0])
    test = pd.DataFrame({"unique_id": ["a", "a", "b"], "actual": [100.0, 100.0, 10.0]})
    s, m = scores(test, pd.Series([90.0, 110.0, 10.0]), pd.Series({"a": 5.0, "b": 1.0}))
    assert np.isclose(s, (200 * 10 / 190 + 200 * 10 / 210) / 2 / 2)
    assert np.isclose(m, (2.0 + 0.0) / 2)
