"""A small company for forecast tests: 17 months of won and lost deals, and an open pipeline that moves in a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd

from salesmind.core.db import Database
from salesmind.data.models import Opportunity, OpportunityHistory, Outcome, Role, Team
from salesmind.data.users import create_api_key, create_user

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
WEEK_AGO = NOW - timedelta(days=7)
PASSWORD = "correct horse battery"


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@dataclass
class ForecastWorld:
    """Ids of the people (``admin``, ``boss`` manages ``ann``; ``bob`` is on another team) and their keys."""

    users: dict[str, int]
    keys: dict[str, str]
    deals: dict[str, int]


def _deal(s, name: str, owner: int, amount: float, stage: str, close: date, created: datetime,
          outcome: Outcome = Outcome.OPEN, closed_at: datetime | None = None) -> Opportunity:
    opp = Opportunity(name=name, owner_id=owner, amount=Decimal(str(amount)), currency="USD", stage=stage,
                      expected_close_date=close, created_at=created, outcome=outcome, closed_at=closed_at)
    s.add(opp)
    s.flush()
    return opp


def _history(s, opp: Opportunity, when: datetime, stage: str, amount: float, close: date) -> None:
    s.add(OpportunityHistory(opportunity_id=opp.id, changed_at=when, stage=stage, amount=Decimal(str(amount)),
                             expected_close_date=close))


def seed_world(database: Database, with_keys: bool = True) -> ForecastWorld:
    """Closed deals every month from Jan 2024 and six open deals that are won, lost, slip, push, grow or are new."""
    rng = np.random.default_rng(3)
    with database.transaction() as s:
        users = {"admin": create_user(s, "admin@f.io", "Admin", Role.ADMIN, password=PASSWORD),
                 "boss": create_user(s, "boss@f.io", "Boss", Role.MANAGER, password=PASSWORD)}
        east, west = Team(name="East", manager_id=users["boss"].id), Team(name="West")
        s.add_all([east, west])
        s.flush()
        users["ann"] = create_user(s, "ann@f.io", "Ann", Role.REP, password=PASSWORD, team_id=east.id)
        users["bob"] = create_user(s, "bob@f.io", "Bob", Role.REP, password=PASSWORD, team_id=west.id)
        reps = [users["ann"].id, users["bob"].id]
        for month in pd.date_range("2024-01-01", "2025-05-01", freq="MS"):
            for k in range(4):
                created = at(month.date()) - timedelta(days=40)
                closed_day = month.date() + timedelta(days=int(rng.integers(0, 27)))
                won = k < 3
                amount = float(rng.integers(8, 30)) * 1000
                opp = _deal(s, f"closed {month:%Y-%m} {k}", reps[k % 2], amount,
                            "closed_won" if won else "closed_lost", closed_day, created,
                            Outcome.WON if won else Outcome.LOST, at(closed_day, 15))
                _history(s, opp, created, "discovery", amount, closed_day)
                _history(s, opp, at(closed_day, 15), opp.stage, amount, closed_day)
        ann, bob = users["ann"].id, users["bob"].id
        created = at(date(2025, 4, 1))
        plan = {  # name: owner, amount then, close date then, stage then; what happens in the last week
            "won": (ann, 40000, date(2025, 6, 10), "negotiation"),
            "lost": (bob, 25000, date(2025, 6, 15), "proposal"),
            "slipped": (ann, 30000, date(2025, 6, 20), "proposal"),
            "pushed": (bob, 20000, date(2025, 6, 5), "negotiation"),
            "grown": (ann, 10000, date(2025, 6, 25), "discovery"),
            "steady": (bob, 15000, date(2025, 6, 28), "qualification"),
        }
        deals: dict[str, int] = {}
        for name, (owner, amount, close, stage) in plan.items():
            opp = _deal(s, f"{name} deal", owner, amount, stage, close, created)
            _history(s, opp, created, stage, amount, close)
            deals[name] = opp.id
        moved = NOW - timedelta(days=3)
        won = s.get(Opportunity, deals["won"])
        won.stage, won.outcome, won.closed_at = "closed_won", Outcome.WON, moved
        _history(s, won, moved, "closed_won", 40000, date(2025, 6, 10))
        lost = s.get(Opportunity, deals["lost"])
        lost.stage, lost.outcome, lost.closed_at = "closed_lost", Outcome.LOST, moved
        _history(s, lost, moved, "closed_lost", 25000, date(2025, 6, 15))
        for name, amount, close in (("slipped", 30000, date(2025, 8, 15)), ("pushed", 20000, date(2025, 6, 26)),
                                    ("grown", 18000, date(2025, 6, 25))):
            opp = s.get(Opportunity, deals[name])
            opp.amount, opp.expected_close_date = Decimal(amount), close
            _history(s, opp, moved, opp.stage, amount, close)
        new = _deal(s, "new deal", ann, 12000, "qualification", date(2025, 6, 27), NOW - timedelta(days=1))
        _history(s, new, NOW - timedelta(days=1), "qualification", 12000, date(2025, 6, 27))
        deals["new"] = new.id
        keys = {n: create_api_key(s, u, "tests")[1] for n, u in users.items()} if with_keys else {}
        return ForecastWorld({n: u.id for n, u in users.items()}, keys, deals)


class MeanForecaster:
    """A stand-in for the ensemble with the same fit/predict shape: last-6 mean, normal intervals."""

    def __init__(self, freq: str = "MS", horizon: int = 3) -> None:
        self.freq, self.horizon = freq, horizon

    def fit(self, history: pd.DataFrame) -> "MeanForecaster":
        self.history_ = history
        self.members_ = {u: ["Mean"] for u in history["unique_id"].unique()}
        return self

    def predict(self) -> pd.DataFrame:
        rows = []
        for uid, g in self.history_.groupby("unique_id"):
            y = g.sort_values("ds")["y"].to_numpy()[-6:]
            mean, sd = float(y.mean()), float(y.std(ddof=1) if len(y) > 1 else y.mean())
            last = pd.Timestamp(g["ds"].max())
            for h in range(1, self.horizon + 1):
                ds = last + pd.tseries.frequencies.to_offset(self.freq) * h
                rows.append({"unique_id": uid, "ds": ds, "mean": mean, "lo_80": mean - 1.28 * sd,
                             "hi_80": mean + 1.28 * sd, "lo_95": mean - 1.96 * sd, "hi_95": mean + 1.96 * sd,
                             "members": "Mean"})
        return pd.DataFrame(rows)
