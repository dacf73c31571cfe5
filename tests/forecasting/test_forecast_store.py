"""Forecast runs are stored with their points and deal snapshot, and read back; the real pipeline feeds the change view."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import ForecastDealSnapshot
from salesmind.forecasting.changes import changes_between
from salesmind.forecasting.service import period_bounds, period_end, run_history_forecast, run_pipeline_forecast
from salesmind.forecasting.store import get_run, list_runs, previous_pipeline_run, run_deals, run_points

from forecast_world import NOW, WEEK_AGO, MeanForecaster, seed_world


def test_period_helpers() -> None:
    assert period_bounds(date(2025, 6, 2), "quarter") == (date(2025, 4, 1), date(2025, 6, 30))
    assert period_bounds(date(2025, 2, 9), "month") == (date(2025, 2, 1), date(2025, 2, 28))
    assert period_end(date(2025, 4, 1), "QS") == date(2025, 6, 30)
    assert period_end(date(2025, 6, 2), "W-MON") == date(2025, 6, 8)
    with pytest.raises(UserInputError):
        period_bounds(date(2025, 1, 1), "fortnight")


def test_history_run_is_stored_with_points(database: Database) -> None:
    seed_world(database, with_keys=False)
    run = run_history_forecast(database, as_of=NOW, freq="month", horizon=3, forecaster=MeanForecaster("MS", 3))
    with database.transaction() as s:
        stored = get_run(s, run.id)
        points = run_points(s, run.id)
    assert stored.kind == "history" and stored.freq == "MS" and stored.horizon == 3
    assert [p.ds for p in points] == [date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)]
    assert [p.period_end for p in points] == [date(2025, 6, 30), date(2025, 7, 31), date(2025, 8, 31)]
    assert all(p.lo_95 <= p.lo_80 <= p.mean <= p.hi_80 <= p.hi_95 for p in points)
    assert stored.summary["history_end"] == "2025-05-01"  # June is not complete on 2 June
    assert stored.summary["members"] == {"total": "Mean"}


def test_pipeline_runs_store_the_deals_they_saw(database: Database) -> None:
    world = seed_world(database, with_keys=False)
    older = run_pipeline_forecast(database, as_of=WEEK_AGO, n_simulations=2000)
    newer = run_pipeline_forecast(database, as_of=NOW, n_simulations=2000)
    with database.transaction() as s:
        old_ids = {d.deal_id for d in run_deals(s, older.id)}
        new_deals = {d.deal_id: d for d in run_deals(s, newer.id)}
        assert previous_pipeline_run(s, get_run(s, newer.id)).id == older.id
        assert previous_pipeline_run(s, get_run(s, older.id)) is None
        assert [r.id for r in list_runs(s, "pipeline")] == [newer.id, older.id]
        report = changes_between(s, older, newer)
    d = world.deals
    assert {d["won"], d["lost"], d["slipped"]} <= old_ids and d["new"] not in old_ids
    assert set(new_deals) == {d["slipped"], d["pushed"], d["grown"], d["steady"], d["new"]}
    assert new_deals[d["slipped"]].close_date == date(2025, 8, 15)
    assert new_deals[d["grown"]].amount == 18000
    summary = newer.summary
    assert summary["p10"] <= summary["p50"] <= summary["p90"]
    assert summary["won_to_date"] >= 40000  # the deal won three days ago is booked
    assert sum(summary["histogram"]["counts"]) == 2000
    assert newer.period_start == date(2025, 4, 1) and newer.period_end == date(2025, 6, 30)
    category = {c.deal_id: c.category for c in report.changes}
    assert category[d["won"]] == "won" and category[d["lost"]] == "lost" and category[d["new"]] == "new"
    assert category[d["slipped"]] == "slipped" and category[d["pushed"]] == "pushed"
    assert category[d["grown"]] == "amount_changed"
    assert report.bridge.end == pytest.approx(newer.summary["mean"])


def test_missing_run_and_bad_input_are_user_errors(database: Database) -> None:
    with database.transaction() as s:
        with pytest.raises(NotFound):
            get_run(s, 12345)
    with pytest.raises(UserInputError, match="no won deals"):
        run_history_forecast(database, as_of=NOW, forecaster=MeanForecaster())
    with pytest.raises(UserInputError, match="frequency"):
        run_history_forecast(database, as_of=NOW, freq="hourly")
    with pytest.raises(UserInputError, match="ended before"):
        run_pipeline_forecast(database, as_of=NOW, period_of=date(2025, 1, 5))


def test_deleting_a_run_removes_its_points_and_snapshot(database: Database) -> None:
    seed_world(database, with_keys=False)
    run = run_pipeline_forecast(database, as_of=NOW, n_simulations=1000)
    with database.transaction() as s:
        s.delete(get_run(s, run.id))
    with database.transaction() as s:
        assert s.scalars(select(ForecastDealSnapshot).where(ForecastDealSnapshot.run_id == run.id)).all() == []


def test_dates_no_crm_covers_are_clear_errors() -> None:
    from datetime import date

    import pytest

    from salesmind.core.errors import UserInputError
    from salesmind.forecasting.service import period_bounds

    for day in (date(2263, 1, 1), date(1677, 1, 1)):
        with pytest.raises(UserInputError, match="outside 1900-2200"):
            period_bounds(day, "quarter")
    assert period_bounds(date(2200, 12, 31), "quarter") == (date(2200, 10, 1), date(2200, 12, 31))
