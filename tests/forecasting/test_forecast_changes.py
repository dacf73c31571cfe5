"""The change view on a hand-built pair of pipeline snapshots: every category, its effect, and the bridge."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pandas as pd
import pytest

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import Opportunity, Outcome
from salesmind.forecasting.changes import CATEGORIES, changes_between
from salesmind.forecasting.store import save_run

OLD_AS_OF = datetime(2025, 5, 26, tzinfo=timezone.utc)
NEW_AS_OF = datetime(2025, 6, 2, tzinfo=timezone.utc)
Q2 = (date(2025, 4, 1), date(2025, 6, 30))


def snap(deal_id: int, amount: float, close: date, win: float, p_in: float, stage: str = "proposal") -> dict:
    return {"deal_id": deal_id, "name": f"deal {deal_id}", "owner_id": None, "stage": stage, "amount": amount,
            "currency": "USD", "close_date": close, "win_probability": win, "p_in_period": p_in}


def store(session, as_of: datetime, deals: list[dict], summary: dict, kind: str = "pipeline"):  # type: ignore[no-untyped-def]
    return save_run(session, kind=kind, as_of=as_of, period_start=Q2[0], period_end=Q2[1], summary=summary,
                    deals=pd.DataFrame(deals))


@pytest.fixture
def pair(database: Database):  # type: ignore[no-untyped-def]
    """Nine deals, one per category (and one unchanged); a won, a lost and a removed (still open) deal in the CRM."""
    with database.transaction() as s:
        ids = {}
        for key, outcome, closed in (("won", Outcome.WON, datetime(2025, 5, 30, tzinfo=timezone.utc)),
                                     ("lost", Outcome.LOST, datetime(2025, 5, 31, tzinfo=timezone.utc)),
                                     ("gone", Outcome.OPEN, None)):
            opp = Opportunity(name=key, stage="closed", amount=Decimal("1100"), outcome=outcome, closed_at=closed)
            s.add(opp)
            s.flush()
            ids[key] = opp.id
        base = 1000
        older = [
            snap(ids["won"], 1000, date(2025, 6, 10), 0.5, 1.0),            # expected 500
            snap(ids["lost"], 2000, date(2025, 6, 15), 0.25, 1.0),          # 500
            snap(base + 3, 4000, date(2025, 6, 20), 0.5, 0.5),              # slipped: 1000 -> 0
            snap(base + 4, 1000, date(2025, 6, 5), 0.8, 1.0),               # pushed: 800 -> 720
            snap(base + 5, 1000, date(2025, 6, 25), 0.4, 0.5),              # pulled in: 200 -> 360
            snap(base + 6, 1000, date(2025, 6, 26), 0.5, 1.0),              # amount: 500 -> 750
            snap(base + 7, 1000, date(2025, 6, 27), 0.2, 1.0, "discovery"),  # probability: 200 -> 600
            snap(base + 8, 1000, date(2025, 6, 28), 0.3, 1.0),              # unchanged
            snap(ids["gone"], 1000, date(2025, 6, 29), 0.1, 1.0),           # removed: 100 -> 0
        ]
        older[0]["stage"] = "negotiation"
        newer = [
            snap(base + 3, 4000, date(2025, 7, 20), 0.5, 0.0),
            snap(base + 4, 1000, date(2025, 6, 25), 0.8, 0.9),
            snap(base + 5, 1000, date(2025, 6, 15), 0.4, 0.9),
            snap(base + 6, 1500, date(2025, 6, 26), 0.5, 1.0),
            snap(base + 7, 1000, date(2025, 6, 27), 0.6, 1.0, "proposal"),
            snap(base + 8, 1000, date(2025, 6, 28), 0.3, 1.0),
            snap(base + 9, 2000, date(2025, 6, 30), 0.5, 0.5),              # new: 0 -> 500
        ]
        old_run = store(s, OLD_AS_OF, older, {"mean": 10_000.0, "won_to_date": 5_000.0, "new_pipeline_mean": 800.0})
        new_run = store(s, NEW_AS_OF, newer, {"mean": 12_000.0, "won_to_date": 6_400.0, "new_pipeline_mean": 700.0})
        s.flush()
        return ids, old_run, new_run


def test_each_category_is_found_with_its_effect(database: Database, pair) -> None:  # type: ignore[no-untyped-def]
    ids, old_run, new_run = pair
    with database.transaction() as s:
        report = changes_between(s, old_run, new_run)
    found = {c.category: c for c in report.changes}
    assert set(found) == set(CATEGORIES)
    assert len(report.changes) == len(CATEGORIES)  # the unchanged deal is not listed
    expected_effects = {"won": 1100 - 500, "lost": -500, "slipped": -1000, "pushed": 720 - 800,
                        "pulled_in": 360 - 200, "amount_changed": 250, "probability_changed": 400,
                        "new": 500, "removed": -100}
    for category, effect in expected_effects.items():
        assert found[category].effect == pytest.approx(effect), category
    assert found["won"].deal_id == ids["won"] and found["removed"].deal_id == ids["gone"]
    assert found["slipped"].new_close_date == date(2025, 7, 20)
    assert found["probability_changed"].old_stage == "discovery" and found["probability_changed"].new_stage == "proposal"


def test_bridge_runs_from_old_to_new_expected_value(database: Database, pair) -> None:  # type: ignore[no-untyped-def]
    _, old_run, new_run = pair
    with database.transaction() as s:
        report = changes_between(s, new_run, old_run)  # order does not matter
    steps = dict(report.bridge.steps)
    assert report.bridge.start == 10_000.0
    assert report.bridge.end == pytest.approx(12_000.0)
    assert steps["other_bookings"] == pytest.approx(1_400 - 1_100)  # won to date rose 1,400; 1,100 is the listed win
    assert steps["run_rate"] == pytest.approx(-100)
    deal_total = sum(steps[c] for c in CATEGORIES)
    assert deal_total == pytest.approx(600 - 500 - 1000 - 80 + 160 + 250 + 400 + 500 - 100)
    assert steps["model_and_simulation"] == pytest.approx(2_000 - deal_total - 300 + 100)
    payload = report.to_dict()
    assert [s["name"] for s in payload["bridge"]["steps"]][:2] == ["won", "lost"]


def test_a_deal_won_after_the_period_counts_nothing(database: Database) -> None:
    with database.transaction() as s:
        opp = Opportunity(name="late", stage="closed_won", amount=Decimal("900"), outcome=Outcome.WON,
                          closed_at=datetime(2025, 7, 2, tzinfo=timezone.utc))
        s.add(opp)
        s.flush()
        old = store(s, OLD_AS_OF, [snap(opp.id, 900, date(2025, 6, 30), 0.5, 1.0)], {"mean": 450.0})
        new = store(s, datetime(2025, 7, 3, tzinfo=timezone.utc), [], {"mean": 0.0})
        report = changes_between(s, old, new)
    assert [(c.category, c.effect) for c in report.changes] == [("won", -450.0)]


def test_history_runs_cannot_be_compared(database: Database) -> None:
    with database.transaction() as s:
        a = store(s, OLD_AS_OF, [], {"mean": 1.0}, kind="history")
        b = store(s, NEW_AS_OF, [], {"mean": 1.0})
        with pytest.raises(UserInputError, match="pipeline"):
            changes_between(s, a, b)
