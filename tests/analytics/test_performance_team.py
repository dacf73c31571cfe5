"""The team performance table on a small hand-made pipeline whose answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from salesmind.analytics.performance import forecast_windows, team_table
from salesmind.data.models import (
    Activity,
    ActivityType,
    Opportunity,
    OpportunityHistory,
    Role,
    Team,
)
from salesmind.data.models.base import Outcome
from salesmind.data.scope import Scope
from salesmind.data.users import create_user

START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)


def _at(day: int) -> datetime:
    """Days after 2025-01-01 (negative: before the period)."""
    return START + timedelta(days=day)


def _deal(s, owner: int, created: int, closed: int | None, outcome: Outcome, amount: float = 1000,
          discount: float | None = None, ladder: tuple[str, ...] = ("prospecting", "discovery", "proposal"),
          expected: date | None = None) -> Opportunity:
    stage = {Outcome.WON: "closed_won", Outcome.LOST: "closed_lost"}.get(outcome, ladder[-1])
    deal = Opportunity(name=f"d{owner}-{created}", owner_id=owner, stage=stage, outcome=outcome, amount=amount,
                       discount_pct=discount, created_at=_at(created), closed_at=_at(closed) if closed else None)
    s.add(deal)
    s.flush()
    for i, name in enumerate(ladder):
        s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=_at(created) + timedelta(hours=i), stage=name,
                                 expected_close_date=expected))
    if closed:
        s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=_at(closed), stage=stage,
                                 expected_close_date=expected))
    return deal


@pytest.fixture()
def pipeline(database):
    with database.transaction() as s:
        team = Team(name="East")
        s.add(team)
        s.flush()
        a = create_user(s, "a@x.test", "Ann", Role.REP)
        b = create_user(s, "b@x.test", "Bob", Role.REP)
        c = create_user(s, "c@x.test", "Cid", Role.REP)
        for u in (a, b, c):
            u.team_id = team.id
        # Ann: 6 won of 6 (cycles 10..60 days, amounts 1000..6000, discount 5), one open deal of 7000
        for i in range(6):
            _deal(s, a.id, 1 + i, 11 + 11 * i, Outcome.WON, amount=1000 * (i + 1), discount=5)
        _deal(s, a.id, 70, None, Outcome.OPEN, amount=7000)
        # Ann's forecast: two deals open at the start, expected in February / March: one won in time, one lost
        _deal(s, a.id, -30, 50, Outcome.WON, amount=500, discount=5, expected=date(2025, 2, 15))
        _deal(s, a.id, -30, 59, Outcome.LOST, expected=date(2025, 3, 1))
        # Bob: 1 won of 6; his losses die in discovery (never reach proposal)
        _deal(s, b.id, 2, 30, Outcome.WON, amount=2000, discount=20)
        for i in range(5):
            _deal(s, b.id, 3 + i, 40 + i, Outcome.LOST, ladder=("prospecting", "discovery"))
        # Cid: 3 of 6, one deal closed before the period (ignored)
        for i in range(6):
            _deal(s, c.id, 5 + i, 60 + i, Outcome.WON if i < 3 else Outcome.LOST, amount=3000, discount=10)
        _deal(s, c.id, -90, -10, Outcome.WON)
        for day in range(0, 90, 3):  # Ann: one call every third day (30); Bob: 4 meetings; one before the period
            s.add(Activity(type=ActivityType.CALL, occurred_at=_at(day), user_id=a.id))
        for day in (1, 2, 3, 4, -5):
            s.add(Activity(type=ActivityType.MEETING, occurred_at=_at(day), user_id=b.id))
        return {"a": a.id, "b": b.id, "c": c.id}


def test_team_table_metrics(database, pipeline) -> None:
    with database.transaction() as s:
        rows = {r["name"]: r for r in team_table(s, Scope.everything(), START, END)}
    ann, bob, cid = rows["Ann"], rows["Bob"], rows["Cid"]
    assert (ann["won"], ann["lost"], bob["won"], bob["lost"], cid["won"], cid["lost"]) == (7, 1, 1, 5, 3, 3)
    assert ann["win_rate"] == pytest.approx(7 / 8)
    # 95% Wilson interval of 1/6 (Wilson 1927; statsmodels proportion_confint gives 0.0301-0.5635)
    assert (bob["win_low"], bob["win_high"]) == pytest.approx((0.0301, 0.5635), abs=1e-4)
    assert ann["deals_created"] == 7 and cid["deals_created"] == 6
    assert ann["pipeline_open"] == 7000 and ann["open_deals"] == 1
    assert ann["avg_won_amount"] == pytest.approx((21000 + 500) / 7)
    assert cid["median_cycle_days"] == pytest.approx(55) and bob["avg_discount_won"] == 20
    assert ann["forecast_accuracy"] == pytest.approx(0.5) and ann["forecast_expected"] == 2
    assert ann["activities"] == 30 and bob["activities"] == 4 and bob["activities_by_type"] == {"meeting": 4}
    assert ann["is_top"] and ann["gap"] == "top performer"
    assert not bob["is_top"] and bob["team"] == "East"
    assert all(k in bob for k in ("user_id", "win_low", "median_slip_days", "gaps", "gap"))


def test_team_table_scope(database, pipeline) -> None:
    with database.transaction() as s:
        rows = team_table(s, Scope(pipeline["b"], Role.REP, frozenset({pipeline["b"]})), START, END)
    assert [r["name"] for r in rows] == ["Bob"]
    # Bob is still compared with Ann (top performer of the whole team) though he cannot see her row
    assert rows[0]["is_top"] is False


def test_forecast_windows_cut_at_quarters() -> None:
    import pandas as pd

    s, e = pd.Timestamp("2025-02-10", tz="UTC"), pd.Timestamp("2025-08-01", tz="UTC")
    cuts = [w[0].date().isoformat() for w in forecast_windows(s, e)]
    assert cuts == ["2025-02-10", "2025-04-01", "2025-07-01"]


def test_a_period_without_deals_gives_empty_rows(database, pipeline) -> None:
    with database.transaction() as s:
        rows = team_table(s, Scope.everything(), datetime(2031, 1, 1, tzinfo=UTC),
                          datetime(2031, 2, 1, tzinfo=UTC))
    ann = next(r for r in rows if r["name"] == "Ann")
    assert (ann["won"], ann["activities"], ann["win_rate"], ann["open_deals"]) == (0, 0, None, 1)
    assert ann["gap"] in ("no significant gap", "top performer")


def test_team_rows_pool_their_reps(database, pipeline) -> None:
    from salesmind.analytics.performance import performance_tables

    with database.transaction() as s:
        rows, teams = performance_tables(s, Scope.everything(), START, END)
    east = next(t for t in teams if t["team"] == "East")
    assert east["reps"] == 3 and east["top_performers"] == 1
    assert (east["won"], east["lost"]) == (11, 9) and east["win_rate"] == pytest.approx(11 / 20)
    assert east["activities"] == 34 and east["activities_per_week"] == pytest.approx(34 / 13 / 3)
    assert east["pipeline_open"] == 7000 and east["deals_created"] == sum(r["deals_created"] for r in rows)


def test_period_defaults_and_bad_dates() -> None:
    from salesmind.analytics.performance import period
    from salesmind.core.errors import UserInputError

    first, last = period(today=date(2025, 3, 1))
    assert (first.date(), last.date()) == (date(2024, 3, 2), date(2025, 3, 2))
    for start, end in ((None, date(1, 1, 1)), (date(2025, 2, 1), date(2025, 1, 1)), (date(9999, 1, 1), None)):
        with pytest.raises(UserInputError):
            period(start, end)
