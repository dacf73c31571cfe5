"""Plan, list, apply and discard territory plans: the service the CLI, the API and the pages call.

The functions flush but never commit: the caller's unit of work (``Database.transaction``) commits, so applying
a plan moves every owner or none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Account, TerritoryAssignment, TerritoryPlan, User
from salesmind.data.scope import Scope
from salesmind.territories.baselines import greedy, round_robin
from salesmind.territories.data import build_problem
from salesmind.territories.evaluate import Evaluation, evaluate
from salesmind.territories.explain import explain
from salesmind.territories.problem import PlanSettings, TerritoryProblem
from salesmind.territories.solve import SOLVER, solve


def _finite(value: float) -> float | None:
    """JSON columns cannot hold inf/NaN: None means "no bound proven"."""
    return float(value) if np.isfinite(value) else None


def _summary(result: Evaluation) -> dict[str, Any]:
    return {"objective": round(result.objective, 2), "net_objective": round(result.net_objective, 2),
            "moves": result.moves, "capacity_violations": result.capacity_violations,
            "balance_violations": result.balance_violations, "feasible": result.feasible}


def _rep_loads(problem: TerritoryProblem, assign: np.ndarray, before: Evaluation, after: Evaluation) -> list[dict]:
    gain = np.bincount(assign, weights=problem.expected(assign), minlength=problem.n_reps)
    return [{"id": problem.rep_ids[r], "name": problem.rep_names[r], "region": problem.rep_regions[r],
             "accounts": int(after.load_count[r]), "value": round(float(after.load_value[r]), 2),
             "expected": round(float(gain[r]), 2), "current_accounts": int(before.load_count[r]),
             "current_value": round(float(before.load_value[r]), 2)} for r in range(problem.n_reps)]


def plan(session: Session, scope: Scope, settings: PlanSettings, *, user: User | None = None,
         name: str | None = None) -> TerritoryPlan:
    """Solve an assignment for the scope's reps and accounts and store it with one row per account."""
    data = build_problem(session, scope, settings)
    problem = data.problem
    if not len(problem.account_ids):
        raise UserInputError("no accounts to assign in this scope")
    solution = solve(problem)
    result = evaluate(problem, solution.assign)
    current = evaluate(problem, problem.current)
    rr, gr = evaluate(problem, round_robin(problem)), evaluate(problem, greedy(problem))
    baselines = {"current": _summary(current), "round_robin": _summary(rr), "greedy": _summary(gr),
                 "plan": _summary(result)}

    def stats(r: int, c: int):  # type: ignore[no-untyped-def]
        return data.model.stats(problem.rep_ids[r], problem.cells[c])

    reasons = explain(problem, solution.assign, stats, data.lock_reasons)
    stored = TerritoryPlan(
        name=name or f"Plan {utcnow():%Y-%m-%d %H:%M}", status="draft", created_by_id=user.id if user else None,
        settings={**settings.to_dict(), "scope_owner_ids": None if scope.owner_ids is None
                  else sorted(scope.owner_ids), "rep_ids": problem.rep_ids},
        solver=SOLVER, solve_seconds=solution.solve_seconds, accounts=len(problem.account_ids),
        moves=sum(r["moved"] for r in reasons), objective=result.objective,
        current_objective=current.objective, round_robin_objective=rr.objective,
        greedy_objective=gr.objective,
        summary={"status": solution.status, "mip_gap": _finite(solution.mip_gap),
                 "dual_bound": _finite(solution.dual_bound),
                 "exact": solution.exact, "variables": solution.variables, "groups": solution.groups,
                 "locked": int(problem.locked.sum()), "baselines": baselines,
                 "reps": _rep_loads(problem, solution.assign, current, result)})
    session.add(stored)
    session.flush()
    session.add_all(
        TerritoryAssignment(plan_id=stored.id, account_id=int(problem.account_ids[a]),
                            from_owner_id=problem.rep_ids[o] if (o := int(problem.current[a])) >= 0 else None,
                            to_owner_id=problem.rep_ids[int(solution.assign[a])], moved=reason["moved"],
                            expected_value=reason["expected_to"], current_expected_value=reason["expected_from"],
                            reason={**reason, "account": (problem.account_names or [None] * (a + 1))[a]})
        for a, reason in enumerate(reasons))
    session.flush()
    return stored


def _visible(scope: Scope, item: TerritoryPlan) -> bool:
    if scope.owner_ids is None:
        return True
    owners = (item.settings or {}).get("scope_owner_ids")
    return owners is not None and set(owners) <= set(scope.owner_ids)


def get_plan(session: Session, scope: Scope, plan_id: int) -> TerritoryPlan:
    """One plan the scope may see (a manager sees the plans made over their own teams)."""
    item = session.get(TerritoryPlan, plan_id)
    if item is None or not _visible(scope, item):
        raise NotFound(f"territory plan {plan_id} not found")
    return item


def list_plans(session: Session, scope: Scope, limit: int = 50) -> list[TerritoryPlan]:
    """The newest plans the scope may see."""
    items = session.scalars(select(TerritoryPlan).order_by(TerritoryPlan.id.desc()).limit(limit * 4)).all()
    return [p for p in items if _visible(scope, p)][:limit]


def plan_assignments(session: Session, plan_id: int, *, moved_only: bool = False,
                     rep_id: int | None = None) -> list[TerritoryAssignment]:
    """A plan's per-account rows (only moves, or only rows from or to one rep, when asked)."""
    stmt = select(TerritoryAssignment).where(TerritoryAssignment.plan_id == plan_id)
    if moved_only:
        stmt = stmt.where(TerritoryAssignment.moved.is_(True))
    if rep_id is not None:
        stmt = stmt.where((TerritoryAssignment.to_owner_id == rep_id) | (TerritoryAssignment.from_owner_id == rep_id))
    return list(session.scalars(stmt.order_by(TerritoryAssignment.expected_value.desc(),
                                              TerritoryAssignment.account_id)).all())


def apply_plan(session: Session, scope: Scope, plan_id: int, user: User | None) -> TerritoryPlan:
    """Move the owners of the plan's moved accounts, all or nothing; refuse if any owner changed since."""
    item = get_plan(session, scope, plan_id)
    if item.status != "draft":
        raise UserInputError(f"plan {plan_id} is {item.status}; only a draft plan can be applied")
    rows = plan_assignments(session, plan_id)
    owners = dict(session.execute(select(Account.id, Account.owner_id)
                                  .where(Account.id.in_([r.account_id for r in rows]))).all())
    changed = [r.account_id for r in rows if r.account_id not in owners or owners[r.account_id] != r.from_owner_id]
    if changed:
        raise UserInputError(f"{len(changed)} account(s) changed owner (or were deleted) since plan {plan_id} was "
                             f"made (e.g. account {changed[0]}); make a new plan")
    for row in rows:
        if row.moved and not (scope.can_see(row.to_owner_id) and (row.from_owner_id is None
                                                                 or scope.can_see(row.from_owner_id))):
            raise NotFound(f"territory plan {plan_id} not found")
    for row in rows:  # every check is done: the caller's transaction commits all of it or none
        if row.moved:
            session.get(Account, row.account_id).owner_id = row.to_owner_id  # type: ignore[union-attr]
    item.status, item.applied_at, item.applied_by_id = "applied", utcnow(), user.id if user else None
    session.flush()
    return item


def discard_plan(session: Session, scope: Scope, plan_id: int) -> TerritoryPlan:
    """Mark a draft plan discarded (it stays for the record)."""
    item = get_plan(session, scope, plan_id)
    if item.status != "draft":
        raise UserInputError(f"plan {plan_id} is {item.status}; only a draft plan can be discarded")
    item.status = "discarded"
    session.flush()
    return item
