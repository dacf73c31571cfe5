"""``salesmind territories``: solve an account assignment plan, show it, apply or discard it."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError
from salesmind.territories.problem import DEFAULT_BALANCE, DEFAULT_MOVE_COST

territories_app = typer.Typer(help="Territory plans: who should own which account, solved exactly and explained.",
                              no_args_is_help=True)
app.add_typer(territories_app, name="territories")


def _plan_dict(plan: Any) -> dict[str, Any]:
    return {k: getattr(plan, k) for k in ("id", "name", "status", "created_at", "solver", "solve_seconds", "accounts",
                                          "moves", "objective", "current_objective", "round_robin_objective",
                                          "greedy_objective", "settings", "summary", "applied_at", "applied_by_id")}


def _gap(value: float | None) -> str:
    return "none (time limit)" if value is None else f"{value:.2e}"


def _print_plan(plan: Any) -> None:
    summary = plan.summary or {}
    console.print(f"[bold]Plan {plan.id}[/] {escape(plan.name)} ({plan.status}): {plan.accounts:,} accounts, "
                  f"{plan.moves:,} moves, solved in {plan.solve_seconds:.2f} s by {plan.solver} "
                  f"({summary.get('status')}, proven gap {_gap(summary.get('mip_gap'))}, "
                  f"{summary.get('variables', 0):,} variables for {summary.get('groups', 0):,} account groups)")
    table = Table(title="Expected won revenue")
    for head in ("assignment", "expected won", "vs current", "moves", "feasible"):
        table.add_column(head, justify="left" if head == "assignment" else "right")
    base = plan.current_objective or 0.0
    for key, label in (("plan", "this plan"), ("current", "current owners"), ("round_robin", "round-robin"),
                       ("greedy", "greedy")):
        b = summary.get("baselines", {}).get(key, {})
        change = f"{(b.get('objective', 0) / base - 1):+.1%}" if base else "—"
        table.add_row(label, f"{b.get('objective', 0):,.0f}", change, str(b.get("moves", 0)),
                      "yes" if b.get("feasible") else "no")
    console.print(table)


@territories_app.command("plan")
def plan_command(
    capacity: int | None = typer.Option(None, "--capacity", help="Most accounts per rep."),
    capacity_value: float | None = typer.Option(None, "--capacity-value", help="Most total account value per rep."),
    balance: float = typer.Option(DEFAULT_BALANCE, "--balance", help="Each rep's value within +-this share of the mean."),
    no_balance: bool = typer.Option(False, "--no-balance", help="No balance constraint (value may pile up on few reps)."),
    move_cost: float = typer.Option(DEFAULT_MOVE_COST, "--move-cost",
                                    help="A move must gain more than this share of its value."),
    any_region: bool = typer.Option(False, "--any-region", help="Let reps take accounts outside their region."),
    no_locks: bool = typer.Option(False, "--no-locks", help="Do not lock accounts with a late-stage open deal."),
    value_bands: int = typer.Option(0, "--value-bands", help="0 = exact values; n = n value bands per cell (faster)."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit in seconds."),
    name: str | None = typer.Option(None, "--name"),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Solve a plan over every active rep and their accounts and store it as a draft."""
    from salesmind.cli.context import open_database, run_with_status
    from salesmind.data.scope import Scope
    from salesmind.territories import PlanSettings, plan

    database = open_database()
    try:
        settings = PlanSettings(capacity=capacity, capacity_value=capacity_value, balance=None if no_balance else balance,
                                move_cost=move_cost, same_region=not any_region, lock_late_stage=not no_locks,
                                value_bands=value_bands, time_limit=time_limit)

        def make(_status):  # type: ignore[no-untyped-def]
            with database.transaction() as session:
                made = plan(session, Scope.everything(), settings, name=name)
                return _plan_dict(made)

        data = run_with_status("solving the assignment", make, as_json)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(data)
        return
    show(data["id"], limit=10, as_json=False)


@territories_app.command("show")
def show(plan_id: int = typer.Argument(..., help="Plan id."),
         limit: int = typer.Option(25, "--limit", min=1, max=100_000, help="Moves to list (largest gain first)."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """A plan against the alternatives, and its moves with their reasons."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.territories import get_plan, plan_assignments
    from salesmind.territories.views import move_rows

    database = open_database()
    try:
        with database.transaction() as session:
            item = get_plan(session, Scope.everything(), plan_id)
            rows = move_rows(session, plan_assignments(session, plan_id, moved_only=True))
            rows.sort(key=lambda r: -(r["gain"] or 0))
            if as_json:
                emit_json({**_plan_dict(item), "moves_list": rows[:limit]})
                return
            _print_plan(item)
    except SalesmindError as exc:
        fail(exc, as_json)
    table = Table(title=f"Moves (top {min(limit, len(rows))} of {len(rows)} by gain)")
    for head in ("account", "from", "to", "gain", "reason"):
        table.add_column(head, justify="right" if head == "gain" else "left")
    for r in rows[:limit]:
        table.add_row(escape(str(r["account"])), escape(r["from_owner"] or "—"), escape(r["to_owner"] or "—"),
                      f"{r['gain'] or 0:+,.0f}", escape(r["reason"] or ""))
    console.print(table)


@territories_app.command("apply")
def apply(plan_id: int = typer.Argument(..., help="Plan id."), as_json: bool = typer.Option(False, "--json")) -> None:
    """Move the owners of the plan's moved accounts (all or none; refused if an owner changed since)."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.territories import apply_plan

    database = open_database()
    try:
        with database.transaction() as session:
            item = apply_plan(session, Scope.everything(), plan_id, None)
            data = _plan_dict(item)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(data)
        return
    console.print(f"Plan {plan_id} applied: {data['moves']:,} accounts moved.")


@territories_app.command("discard")
def discard(plan_id: int = typer.Argument(..., help="Plan id."), as_json: bool = typer.Option(False, "--json")) -> None:
    """Discard a draft plan."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.territories import discard_plan

    database = open_database()
    try:
        with database.transaction() as session:
            data = _plan_dict(discard_plan(session, Scope.everything(), plan_id))
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(data)
        return
    console.print(f"Plan {plan_id} discarded.")
