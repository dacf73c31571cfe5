"""Velocity, its four-driver decomposition, coverage and the period helpers, on deals worked by hand."""

from datetime import date

import pandas as pd
import pytest

from salesmind.analytics.coverage import choose_target, coverage
from salesmind.analytics.periods import (
    previous_period,
    quarter_of,
    resolve_period,
    trailing_periods,
    year_before,
)
from salesmind.analytics.velocity import DRIVERS, decompose, velocity, velocity_report
from salesmind.core.errors import UserInputError


def _deals(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["deal_id", "team", "outcome", "amount", "created_at", "closed_at",
                                        "expected_close_date"])
    for column in ("created_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


DEALS = _deals([
    (1, "east", "won", 100.0, "2024-10-01", "2024-10-11", None),   # Q4: won in 10 days
    (2, "east", "lost", 50.0, "2024-10-01", "2024-11-01", None),   # Q4: lost
    (3, "west", "open", 80.0, "2024-12-01", None, "2025-02-15"),   # open in Q4 and Q1
    (4, "west", "won", 300.0, "2025-01-01", "2025-01-21", None),   # Q1: won in 20 days
    (5, "east", "won", 100.0, "2025-01-01", "2025-01-11", None),   # Q1: won in 10 days
    (6, "west", "lost", 70.0, "2025-02-01", "2025-03-01", None),   # Q1: lost
    (7, "west", "open", 500.0, "2025-03-01", None, "2025-06-30"),  # Q1 open, closes next quarter
    (8, "east", "won", 400.0, "2024-01-05", "2024-02-01", None),   # last year's Q1 bookings
])
Q4, Q1 = (date(2024, 10, 1), date(2025, 1, 1)), (date(2025, 1, 1), date(2025, 4, 1))


def test_velocity_drivers_by_hand() -> None:
    before, after = velocity(DEALS, *Q4), velocity(DEALS, *Q1)
    assert (before["open_deals"], before["win_rate"], before["deal_size"], before["cycle_days"]) == (3, 0.5, 100, 10)
    assert before["velocity"] == pytest.approx(3 * 0.5 * 100 / 10)
    assert (after["open_deals"], after["win_rate"], after["deal_size"], after["cycle_days"]) == (5, 2 / 3, 200, 15)
    assert after["velocity"] == pytest.approx(5 * (2 / 3) * 200 / 15)


def test_decomposition_adds_up_and_gives_a_lone_driver_the_whole_change() -> None:
    change = decompose(velocity(DEALS, *Q4), velocity(DEALS, *Q1))
    assert sum(change["parts"].values()) == pytest.approx(change["change"])
    assert change["parts"]["cycle_days"] < 0 < change["parts"]["deal_size"]  # slower cycle, bigger deals
    base = {"open_deals": 10, "win_rate": 0.2, "deal_size": 1000.0, "cycle_days": 50.0, "velocity": 40.0}
    doubled = dict(base, open_deals=20, velocity=80.0)
    parts = decompose(base, doubled)["parts"]
    assert parts["open_deals"] == pytest.approx(40.0)
    assert [parts[d] for d in DRIVERS[1:]] == [0.0, 0.0, 0.0]
    assert decompose(base, dict(base, velocity=None))["parts"]["win_rate"] is None


def test_velocity_report_per_group_and_trend() -> None:
    report = velocity_report(DEALS, [Q4, Q1], group_by="team")
    assert report["trend"]["open_deals"].tolist() == [3, 5]
    east = next(g for g in report["groups"] if g["group"] == "east")
    assert (east["current"]["open_deals"], east["current"]["win_rate"]) == (1, 1.0)


def test_coverage_target_sources() -> None:
    given = coverage(DEALS, *Q1, target=160.0, forecast=999.0)
    # deal 3 (80) closes in Q1; deal 7 closes in Q2; won in Q1: 300 + 100
    assert (given["open_pipeline"], given["won"], given["target_source"]) == (80.0, 400.0, "parameter")
    assert given["coverage"] == pytest.approx(0.5) and given["remaining_coverage"] is None
    assert coverage(DEALS, *Q1, forecast=320.0)["target_source"] == "forecast"
    last_year = coverage(DEALS, *Q1)
    assert (last_year["target"], last_year["target_source"]) == (400.0, "last_year_bookings")
    assert choose_target(None, None, 0.0) == (None, "none")
    grouped = coverage(DEALS, date(2025, 1, 1), date(2025, 7, 1), target=1000.0, group_by="team")
    assert grouped["groups"] == [{"group": "west", "open_pipeline": 580.0, "open_deals": 2}]
    assert grouped["remaining_coverage"] == pytest.approx(580 / 600)


def test_periods() -> None:
    assert quarter_of(date(2025, 11, 23)) == (date(2025, 10, 1), date(2026, 1, 1))
    assert previous_period(date(2025, 1, 1), date(2025, 4, 1)) == (date(2024, 10, 1), date(2025, 1, 1))
    assert previous_period(date(2025, 1, 10), date(2025, 1, 20)) == (date(2024, 12, 31), date(2025, 1, 10))
    assert resolve_period("last_quarter", date(2025, 2, 3)) == Q4
    assert year_before(date(2024, 2, 29), date(2024, 3, 1)) == (date(2023, 2, 28), date(2023, 3, 1))
    assert trailing_periods(*Q1, 3)[0] == (date(2024, 7, 1), date(2024, 10, 1))
    with pytest.raises(UserInputError, match="must be after its start"):
        resolve_period("custom", date(2025, 1, 1), date(2025, 2, 1), date(2025, 2, 1))
    with pytest.raises(UserInputError, match="unknown period"):
        resolve_period("fortnight", date(2025, 1, 1))
