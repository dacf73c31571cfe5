"""Point-in-time deal-model probabilities of the pipeline backtest: the training cut and the probability swap."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench._pit_deal_scores import rows_closed_before, score_open_deals, with_model_probabilities
from bench.forecasting_pipeline import summary

DAY = datetime(2026, 4, 1, tzinfo=UTC)


def _training_rows() -> pd.DataFrame:
    return pd.DataFrame({"opportunity_id": [1, 1, 2, 3, 3, 4, 5],
                         "as_of": pd.to_datetime(["2026-01-02", "2026-01-16", "2026-02-01", "2026-03-01",
                                                  "2026-03-15", "2026-03-20", "2026-01-05"], utc=True),
                         "stage": ["a", "b", "a", "a", "b", "a", "a"], "won": [1, 1, 0, 1, 1, 0, 0]})


def test_training_rows_hold_no_deal_closed_on_or_after_the_forecast_day():
    closed_at = pd.Series(pd.to_datetime(["2026-02-01", "2026-03-31 23:59:59", "2026-04-01 00:00:00",
                                          "2026-05-10"], utc=True, format="ISO8601"), index=[1, 2, 3, 4])  # 5: close time unknown
    cut = rows_closed_before(_training_rows(), closed_at, DAY)
    assert sorted(set(cut["opportunity_id"])) == [1, 2]  # 3 closed at the day's first instant, 4 later, 5 unknown
    assert len(cut) == 3 and (closed_at.reindex(cut["opportunity_id"]) < pd.Timestamp(DAY)).all()


def test_training_snapshot_on_the_forecast_day_is_refused_before_any_fit():
    rows = _training_rows().assign(as_of=pd.Timestamp(DAY))
    with pytest.raises(ValueError, match="not before the forecast day"):
        score_open_deals(None, rows, [1], DAY)  # type: ignore[arg-type]


def test_model_probabilities_replace_stage_rates_only_where_the_model_scored():
    deals = pd.DataFrame({"deal_id": [10, 11, 12], "win_probability": [0.2, 0.3, 0.4],
                          "probability_source": ["stage_rate"] * 3})
    out, kept = with_model_probabilities(deals, pd.Series({10: 0.9, 12: 0.05}))
    assert out["win_probability"].tolist() == [0.9, 0.3, 0.05] and kept == 1
    assert out["probability_source"].tolist() == ["point_in_time_model", "stage_rate", "point_in_time_model"]
    assert deals["win_probability"].tolist() == [0.2, 0.3, 0.4]  # the stage-rate frame is left as it was


def test_summary_scores_the_deal_model_forecasts_beside_the_stage_rate_ones():
    frame = pd.DataFrame({"day": [0, 0], "actual": [100.0, 200.0], "p10": [50, 250], "p50": [110, 180],
                          "p90": [150, 300], "mean": [100, 200], "weighted": [50, 100], "previous_quarter": [100, 100],
                          "model_p10": [90, 150], "model_p50": [100, 220], "model_p90": [120, 250],
                          "model_mean": [120, 240], "model_weighted": [100, 200]})
    table = summary(frame).set_index("method")
    assert table.loc["weighted pipeline, deal model", "MAPE %"] == 0.0
    assert table.loc["salesmind mean, deal model", "bias %"] == pytest.approx(60 / 300 * 100)
    assert table.loc["salesmind P10-P90 coverage, deal model", "bias %"] == 100.0
    assert table.loc["salesmind P10-P90 coverage", "bias %"] == 50.0
