"""What changed between two pipeline forecasts: deal by deal, and as a bridge from the old expected value to the new.

Every deal in either snapshot gets at most one category, checked in this order:

- ``won`` / ``lost``: in the older snapshot, closed won / lost by the newer run's ``as_of``;
- ``removed``: in the older snapshot only, and not closed (deleted, reassigned out of the book, reopened elsewhere);
- ``new``: in the newer snapshot only;
- ``slipped``: the close date moved out of the newer run's period (from inside it, to after its end);
- ``pushed``: the close date moved later (within the period, or later still outside it);
- ``pulled_in``: the close date moved earlier;
- ``amount_changed``: same close date, other amount;
- ``probability_changed``: same date and amount, but stage or probability moved the expected value.

A deal's expected value is ``amount x win_probability x p_in_period``. The effect of a change is the deal's
new expected value minus its old one; a won deal that closed inside the period counts its whole amount as
new (booked), one won outside the period counts nothing. The bridge adds the effects by category, then the
bookings not explained by listed deals, the change in the run-rate of deals not yet created, and what is left
(simulation noise and model changes), so that it always ends on the newer run's expected value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.data.models import ForecastDealSnapshot, ForecastRun, Opportunity, Outcome
from salesmind.forecasting.store import run_deals

CATEGORIES = ("won", "lost", "slipped", "pushed", "pulled_in", "new", "removed", "amount_changed",
              "probability_changed")
CATEGORY_LABELS = {"won": "Won", "lost": "Lost", "slipped": "Slipped out of period", "pushed": "Pushed",
                   "pulled_in": "Pulled in", "new": "New", "removed": "Removed", "amount_changed": "Amount changed",
                   "probability_changed": "Stage / probability changed"}
_EPSILON = 0.005  # below half a cent, an expected value did not move


@dataclass(frozen=True)
class DealChange:
    """One deal's change between two runs and its effect on the expected value."""

    deal_id: int
    name: str | None
    owner_id: int | None
    category: str
    old_stage: str | None
    new_stage: str | None
    old_amount: float | None
    new_amount: float | None
    old_close_date: date | None
    new_close_date: date | None
    old_expected: float
    new_expected: float

    @property
    def effect(self) -> float:
        """New expected value minus old."""
        return self.new_expected - self.old_expected

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        out = asdict(self)
        out["effect"] = self.effect
        return out


@dataclass
class Bridge:
    """Old expected value, one step per category and for the rest, new expected value."""

    start: float
    steps: list[tuple[str, float]] = field(default_factory=list)

    @property
    def end(self) -> float:
        """Where the steps lead."""
        return self.start + sum(v for _, v in self.steps)


@dataclass
class ChangeReport:
    """The deal changes between two pipeline runs and the bridge between their expected values."""

    older_run_id: int
    newer_run_id: int
    older_as_of: datetime
    newer_as_of: datetime
    period_start: date | None
    period_end: date | None
    changes: list[DealChange]
    bridge: Bridge
    notes: list[str] = field(default_factory=list)

    def by_category(self) -> dict[str, list[DealChange]]:
        """Changes grouped by category (every category present, largest effect first)."""
        out: dict[str, list[DealChange]] = {c: [] for c in CATEGORIES}
        for change in self.changes:
            out[change.category].append(change)
        for items in out.values():
            items.sort(key=lambda c: -abs(c.effect))
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "older_run_id": self.older_run_id, "newer_run_id": self.newer_run_id,
            "older_as_of": self.older_as_of.isoformat(), "newer_as_of": self.newer_as_of.isoformat(),
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "bridge": {"start": self.bridge.start, "end": self.bridge.end,
                       "steps": [{"name": n, "effect": v} for n, v in self.bridge.steps]},
            "changes": {c: [d.to_dict() for d in items] for c, items in self.by_category().items()},
            "notes": self.notes,
        }


def _num(x: Decimal | float | None) -> float | None:
    return None if x is None else float(x)


def expected_value(deal: ForecastDealSnapshot) -> float:
    """``amount x win_probability x p_in_period`` of one snapshot row."""
    return float(deal.amount or 0) * float(deal.win_probability) * float(deal.p_in_period)


def _classify_both(old: ForecastDealSnapshot, new: ForecastDealSnapshot, period_end: date | None) -> str | None:
    o, n = old.close_date, new.close_date
    if o is not None and n is not None and n != o:
        if period_end is not None and o <= period_end < n:
            return "slipped"
        return "pushed" if n > o else "pulled_in"
    if _num(old.amount) != _num(new.amount):
        return "amount_changed"
    if abs(expected_value(new) - expected_value(old)) > _EPSILON or old.stage != new.stage:
        return "probability_changed"
    return None


def _change(category: str, old: ForecastDealSnapshot | None, new: ForecastDealSnapshot | None,
            new_expected: float | None = None) -> DealChange:
    ref = new or old
    assert ref is not None
    return DealChange(
        deal_id=ref.deal_id, name=ref.name, owner_id=ref.owner_id, category=category,
        old_stage=old.stage if old else None, new_stage=new.stage if new else None,
        old_amount=_num(old.amount) if old else None, new_amount=_num(new.amount) if new else None,
        old_close_date=old.close_date if old else None, new_close_date=new.close_date if new else None,
        old_expected=expected_value(old) if old else 0.0,
        new_expected=new_expected if new_expected is not None else (expected_value(new) if new else 0.0))


def _closed_outcomes(session: Session, deal_ids: list[int], until: datetime) -> dict[int, Opportunity]:
    if not deal_ids:
        return {}
    out: dict[int, Opportunity] = {}
    for start in range(0, len(deal_ids), 900):
        chunk = deal_ids[start:start + 900]
        stmt = select(Opportunity).where(Opportunity.id.in_(chunk), Opportunity.outcome != Outcome.OPEN,
                                         Opportunity.closed_at.is_not(None), Opportunity.closed_at <= until)
        out.update({o.id: o for o in session.scalars(stmt)})
    return out


def classify_changes(older: list[ForecastDealSnapshot], newer: list[ForecastDealSnapshot],
                     closed: dict[int, Opportunity], period: tuple[date | None, date | None]) -> list[DealChange]:
    """Pair two snapshots by deal and name each deal's change (deals that did not change are left out)."""
    start, end = period
    old_by_id = {d.deal_id: d for d in older}
    new_by_id = {d.deal_id: d for d in newer}
    changes: list[DealChange] = []
    for deal_id, old in old_by_id.items():
        new = new_by_id.get(deal_id)
        if new is not None:
            category = _classify_both(old, new, end)
            if category is not None:
                changes.append(_change(category, old, new))
            continue
        opp = closed.get(deal_id)
        if opp is None:
            changes.append(_change("removed", old, None))
        elif opp.outcome == Outcome.WON:
            day = opp.closed_at.date() if opp.closed_at else None
            inside = day is not None and (start is None or day >= start) and (end is None or day <= end)
            booked = float(opp.amount if opp.amount is not None else (old.amount or 0))
            changes.append(_change("won", old, None, new_expected=booked if inside else 0.0))
        else:
            changes.append(_change("lost", old, None))
    changes.extend(_change("new", None, new) for deal_id, new in new_by_id.items() if deal_id not in old_by_id)
    return changes


def _summary_number(run: ForecastRun, key: str) -> float:
    value = (run.summary or {}).get(key)
    return float(value) if value is not None else 0.0


def build_bridge(older: ForecastRun, newer: ForecastRun, changes: list[DealChange]) -> Bridge:
    """Old mean -> effect of each category -> other bookings -> run-rate change -> the rest -> new mean."""
    bridge = Bridge(start=_summary_number(older, "mean"))
    for category in CATEGORIES:
        bridge.steps.append((category, sum(c.effect for c in changes if c.category == category)))
    booked_by_listed = sum(c.new_expected for c in changes if c.category == "won")
    won_delta = _summary_number(newer, "won_to_date") - _summary_number(older, "won_to_date")
    bridge.steps.append(("other_bookings", won_delta - booked_by_listed))
    bridge.steps.append(("run_rate", _summary_number(newer, "new_pipeline_mean")
                         - _summary_number(older, "new_pipeline_mean")))
    bridge.steps.append(("model_and_simulation", _summary_number(newer, "mean") - bridge.end))
    return bridge


def changes_between(session: Session, older_run: ForecastRun, newer_run: ForecastRun) -> ChangeReport:
    """Compare two stored pipeline runs: every changed deal with its effect, and the bridge between them."""
    for run in (older_run, newer_run):
        if run.kind != "pipeline":
            raise UserInputError(f"forecast run {run.id} is a {run.kind} forecast; changes compare pipeline runs")
    if older_run.as_of > newer_run.as_of:
        older_run, newer_run = newer_run, older_run
    older, newer = run_deals(session, older_run.id), run_deals(session, newer_run.id)
    gone = sorted({d.deal_id for d in older} - {d.deal_id for d in newer})
    closed = _closed_outcomes(session, gone, newer_run.as_of)
    changes = classify_changes(older, newer, closed, (newer_run.period_start, newer_run.period_end))
    notes = []
    if (older_run.period_start, older_run.period_end) != (newer_run.period_start, newer_run.period_end):
        notes.append("the two runs forecast different periods; effects use each run's own period probabilities")
    return ChangeReport(older_run.id, newer_run.id, older_run.as_of, newer_run.as_of, newer_run.period_start,
                        newer_run.period_end, changes, build_bridge(older_run, newer_run, changes), notes)
