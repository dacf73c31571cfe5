"""Build a :class:`TerritoryProblem` from the CRM: the scope's reps and accounts, values, locks, win rates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salesmind.analytics.frames import deal_frame, stage_events, stage_order
from salesmind.customers.account_features import company_segment
from salesmind.data.models import Account, Role, User
from salesmind.data.scope import Scope
from salesmind.territories.problem import PlanSettings, TerritoryProblem
from salesmind.territories.winrates import UNKNOWN, RepWinModel

#: how many of the last open stages count as "late" (their open deals lock the account to its owner)
LATE_STAGES = 2


@dataclass
class ProblemData:
    """The problem plus what the explanation and the stored plan need (win model, lock reasons)."""

    problem: TerritoryProblem
    model: RepWinModel
    lock_reasons: dict[int, str] = field(default_factory=dict)


def plan_reps(session: Session, scope: Scope) -> list[User]:
    """Active reps the scope may see, by id."""
    stmt = (select(User).options(selectinload(User.territory))
            .where(User.role == Role.REP, User.is_active.is_(True)).order_by(User.id))
    return list(session.scalars(scope.restrict(stmt, User.id)).all())


def _account_values(accounts: pd.DataFrame, deals: pd.DataFrame) -> np.ndarray:
    """Open pipeline per account, else the average won deal of its segment (else of every won deal)."""
    open_ = deals[deals["outcome"] == "open"].groupby("account_id")["amount"].sum(min_count=1)
    won = deals[deals["outcome"] == "won"]
    overall = float(won["amount"].mean()) if won["amount"].notna().any() else float(deals["amount"].mean() or 0)
    overall = 0.0 if np.isnan(overall) else overall
    by_segment = won.assign(segment=won["segment"].fillna(UNKNOWN)).groupby("segment")["amount"].mean()
    values = []
    for account_id, segment in zip(accounts["id"], accounts["segment"]):
        pipeline = open_.get(account_id, np.nan)
        if pd.notna(pipeline) and pipeline > 0:
            values.append(float(pipeline))
        else:
            seg = by_segment.get(segment, np.nan)
            values.append(float(seg) if pd.notna(seg) else overall)
    return np.array(values, float)


def _late_locks(session: Session, deals: pd.DataFrame) -> dict[int, str]:
    open_deals = deals[deals["outcome"] == "open"]
    if open_deals.empty:
        return {}
    ladder = stage_order(stage_events(session, deals))
    late = set(ladder[-LATE_STAGES:])
    hot = open_deals[open_deals["stage"].isin(late) & open_deals["account_id"].notna()]
    return {int(a): f"open deal in {stage}" for a, stage in zip(hot["account_id"], hot["stage"])}


def build_problem(session: Session, scope: Scope, settings: PlanSettings) -> ProblemData:
    """The scope's reps, their accounts (and unowned accounts for admins), values, locks and win probabilities."""
    reps = plan_reps(session, scope)
    rep_index = {u.id: i for i, u in enumerate(reps)}
    stmt = select(Account.id, Account.name, Account.industry, Account.region, Account.employees, Account.owner_id)
    if scope.is_unrestricted:
        stmt = stmt.where((Account.owner_id.in_(list(rep_index))) | Account.owner_id.is_(None))
    else:
        stmt = stmt.where(Account.owner_id.in_(list(rep_index)))
    accounts = pd.DataFrame([tuple(r) for r in session.execute(stmt.order_by(Account.id)).all()],
                            columns=["id", "name", "industry", "region", "employees", "owner_id"])
    accounts["segment"] = [company_segment(float(e)) if e is not None else None for e in accounts["employees"]]
    deals = deal_frame(session, scope)
    closed = deals[deals["outcome"].isin(["won", "lost"])].assign(won=lambda d: d["outcome"] == "won")
    model = RepWinModel().fit(closed)
    keys = [tuple(UNKNOWN if v is None or pd.isna(v) else str(v) for v in row)
            for row in accounts[["segment", "industry", "region"]].itertuples(index=False)]
    cells = sorted(set(keys))
    cell = np.array([cells.index(k) for k in keys], int) if keys else np.zeros(0, int)
    lock_reasons = _late_locks(session, deals) if settings.lock_late_stage else {}
    lock_reasons.update({int(a): "locked by the planner" for a in settings.locked_account_ids})
    current = np.array([rep_index.get(int(o), -1) if o is not None and not pd.isna(o) else -1 for o in accounts["owner_id"]], int)
    ids = accounts["id"].to_numpy(int)
    locked = np.array([int(a) in lock_reasons for a in ids], bool) & (current >= 0)
    problem = TerritoryProblem(
        rep_ids=[u.id for u in reps], rep_names=[u.name for u in reps],
        rep_regions=[u.territory.region if u.territory else None for u in reps], account_ids=ids,
        value=_account_values(accounts, deals), cell=cell, cells=cells, current=current, locked=locked,
        prob=model.predict([u.id for u in reps], cells), settings=settings,
        account_names=accounts["name"].tolist())
    return ProblemData(problem, model, {a: r for a, r in lock_reasons.items() if a in set(ids[locked])})
