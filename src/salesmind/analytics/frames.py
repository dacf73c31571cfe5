"""The frames manager analytics read: one row per deal, and each deal's stage visits.

Every analysis (pipeline, performance, win/loss, discounts) starts from :func:`deal_frame`, which
applies the caller's :class:`~salesmind.data.scope.Scope`, and :func:`stage_events`, which turns the
``opportunity_history`` rows into visits (a stage, when the deal entered it and when it left).
Imported CRMs keep their own stage names, so :func:`stage_order` finds the funnel order from the
data when the names are not salesmind's default ladder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.customers.account_features import company_segment
from salesmind.data.models import (
    STAGES,
    Account,
    Opportunity,
    OpportunityContact,
    OpportunityHistory,
    Product,
    Team,
    User,
)
from salesmind.data.scope import Scope

#: Stage names that mean a deal is closed (any case); the outcome column decides won or lost.
CLOSED_STAGE_NAMES = frozenset({"closed_won", "closed_lost", "won", "lost", "closedwon", "closedlost",
                                "closed won", "closed lost"})
DEAL_COLUMNS = ["deal_id", "name", "owner_id", "owner", "team_id", "team", "account_id", "account", "industry",
                "region", "employees", "segment", "source", "product", "competitor", "loss_reason", "discount_pct",
                "amount", "currency", "stage", "outcome", "created_at", "closed_at", "expected_close_date",
                "stakeholders"]
EVENT_COLUMNS = ["deal_id", "stage", "entered_at", "exited_at", "next_stage"]


def is_closed_stage(stage: object) -> bool:
    """True for a closed stage name (``Closed Won``, ``won``, ``closed_lost``, ...)."""
    return str(stage).strip().lower().replace("-", " ") in CLOSED_STAGE_NAMES


def _outcome(value: object) -> str:
    return str(getattr(value, "value", value))


def deal_frame(session: Session, scope: Scope, *, owner_ids: Iterable[int] | None = None,
               created_before: datetime | None = None) -> pd.DataFrame:
    """Every deal the scope may see, with owner, team, account firmographics and stakeholder count.

    ``outcome`` is ``open``, ``won`` or ``lost``; ``amount`` is a float (NaN when unknown);
    ``segment`` is smb / mid_market / enterprise by the account's employees (None when unknown);
    ``stakeholders`` counts the deal's contacts (at least 1 when it has a primary contact).
    """
    stakeholders = (select(OpportunityContact.opportunity_id, func.count().label("n"))
                    .group_by(OpportunityContact.opportunity_id).subquery())
    stmt = (select(Opportunity.id, Opportunity.name, Opportunity.owner_id, User.name, User.team_id, Team.name,
                   Opportunity.account_id, Account.name, Account.industry, Account.region, Account.employees,
                   Opportunity.lead_source, Product.name, Opportunity.competitor, Opportunity.loss_reason,
                   Opportunity.discount_pct, Opportunity.amount, Opportunity.currency, Opportunity.stage,
                   Opportunity.outcome, Opportunity.created_at, Opportunity.closed_at,
                   Opportunity.expected_close_date, stakeholders.c.n, Opportunity.primary_contact_id)
            .outerjoin(User, User.id == Opportunity.owner_id)
            .outerjoin(Team, Team.id == User.team_id)
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .outerjoin(Product, Product.id == Opportunity.product_id)
            .outerjoin(stakeholders, stakeholders.c.opportunity_id == Opportunity.id))
    stmt = scope.restrict(stmt, Opportunity.owner_id)
    if owner_ids is not None:
        stmt = stmt.where(Opportunity.owner_id.in_(list(owner_ids)))
    if created_before is not None:
        stmt = stmt.where(Opportunity.created_at < created_before)
    rows = session.execute(stmt.order_by(Opportunity.id)).all()
    columns = [c for c in DEAL_COLUMNS if c not in ("segment", "stakeholders")] + ["n_contacts", "primary"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for column in ("amount", "discount_pct", "employees"):
        frame[column] = pd.to_numeric(frame[column].astype(object), errors="coerce").astype(float)
    for column in ("created_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["outcome"] = frame["outcome"].map(_outcome)
    frame["segment"] = [company_segment(e) for e in frame["employees"]]
    n = pd.to_numeric(frame["n_contacts"], errors="coerce").fillna(0)
    frame["stakeholders"] = np.maximum(n, frame["primary"].notna().astype(int)).astype(int)
    for column in ("owner_id", "team_id", "account_id"):
        frame[column] = frame[column].astype("Int64")
    return frame[DEAL_COLUMNS]


def stage_events(session: Session, deals: pd.DataFrame) -> pd.DataFrame:
    """The stage visits of ``deals`` (a :func:`deal_frame`), oldest first per deal.

    Consecutive history rows with the same stage (amount or date changes) are one visit. A deal
    with no history row is one visit of its current stage from ``created_at``. ``exited_at`` and
    ``next_stage`` are missing for the visit a deal is still in (closed stages never exit).
    """
    if deals.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    ids = [int(i) for i in deals["deal_id"]]
    rows: list[tuple] = []
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk:chunk + 5000]
        rows += session.execute(
            select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.stage)
            .where(OpportunityHistory.opportunity_id.in_(part))).all()
    history = pd.DataFrame([tuple(r) for r in rows], columns=["deal_id", "entered_at", "stage"])
    history["entered_at"] = pd.to_datetime(history["entered_at"], utc=True)
    missing = deals[~deals["deal_id"].isin(history["deal_id"])]
    if len(missing):
        history = pd.concat([history, pd.DataFrame({"deal_id": missing["deal_id"].astype(int),
                                                    "entered_at": missing["created_at"],
                                                    "stage": missing["stage"]})], ignore_index=True)
    history = history.sort_values(["deal_id", "entered_at"], kind="stable").reset_index(drop=True)
    same = (history["deal_id"] == history["deal_id"].shift()) & (history["stage"] == history["stage"].shift())
    visits = history[~same].reset_index(drop=True)
    nxt = visits.groupby("deal_id").shift(-1)
    visits["exited_at"] = nxt["entered_at"]
    visits["next_stage"] = nxt["stage"]
    return visits[EVENT_COLUMNS]


def stage_order(events: pd.DataFrame) -> list[str]:
    """The open stages in funnel order (closed stages left out).

    salesmind's own ladder when every open stage is on it; otherwise the stages sorted by their
    mean position in deals' visit sequences (0 = first visit, 1 = last), which recovers the order of
    any ladder deals mostly walk forward; ties (stages no deal visits both of) go to the share of visits
    that end in a close, so the stage deals close from comes last.
    """
    if events.empty:
        return []
    open_events = events[~events["stage"].map(is_closed_stage)]
    names = list(dict.fromkeys(open_events["stage"].tolist()))
    ladder = [s for s in STAGES if not is_closed_stage(s)]
    if all(n in ladder for n in names):
        return [s for s in ladder if s in names]
    position = open_events.groupby("deal_id").cumcount()
    size = open_events.groupby("deal_id")["stage"].transform("size")
    relative = np.where(size > 1, position / (size - 1).clip(lower=1), 0.0)
    first_seen = open_events.groupby("stage")["entered_at"].min()
    mean = pd.Series(relative, index=open_events.index).groupby(open_events["stage"]).mean().round(3)
    # when deals never walk between two stages (an export of final states), the one deals close from is later
    closes = open_events["next_stage"].map(is_closed_stage) if "next_stage" in open_events else None
    closing = (closes.groupby(open_events["stage"]).mean() if closes is not None
               else pd.Series(0.0, index=mean.index))
    return sorted(names, key=lambda s: (mean[s], closing[s], first_seen[s]))
