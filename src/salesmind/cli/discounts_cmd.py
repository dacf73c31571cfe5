"""``salesmind discounts``: train the discount model, recommend a deal's discount, set the guardrails."""

from __future__ import annotations

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

discounts_app = typer.Typer(help="Discount guidance: win probability by discount, the best discount, guardrails.",
                            no_args_is_help=True)
app.add_typer(discounts_app, name="discounts")


@discounts_app.command("train")
def train_cmd(as_json: bool = typer.Option(False, "--json", help="Print the run as JSON.")) -> None:
    """Train the monotone discount model on closed deals with a discount and register it."""
    from salesmind.cli.context import open_database, parse_as_of
    from salesmind.discounts import train

    database = open_database()
    try:
        with database.transaction() as session:
            out = train(session, database.settings.models_dir, parse_as_of(None))
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(out)
        return
    split = out["split"]
    console.print(f"discount model [bold]{out['version']}[/] is {out['status']} ({out['decision']}); "
                  f"{split['training']} training, {split['calibration']} calibration ({split['calibration_method']}), "
                  f"{split['test']} test deals (closed {split['test_from'][:10]} to {split['test_to'][:10]}).")
    table = Table(title="Test slice (newest closed deals)")
    for head in ("model", "ROC-AUC", "log loss", "ECE"):
        table.add_column(head, justify="left" if head == "model" else "right")
    for name, m in out["metrics"].items():
        table.add_row(name.replace("_", " "), f"{m['roc_auc']:.3f}", f"{m['log_loss']:.3f}", f"{m['ece']:.3f}")
    console.print(table)


@discounts_app.command("recommend")
def recommend_cmd(deal_id: int = typer.Argument(..., help="The open opportunity's id."),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """The discount that maximises an open deal's expected revenue (or margin) under its guardrail."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.discounts import deal_discount

    database = open_database()
    try:
        with database.transaction() as session:
            rec = deal_discount(session, Scope.everything(), deal_id)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(rec.to_dict())
        return
    console.print(f"deal {rec.deal_id}: list {rec.list_amount:,.0f}, objective {rec.objective}, "
                  f"guardrail {rec.max_pct:g}%")
    console.print(f"  current {rec.current_pct:g}%: p(win) {rec.current_p:.2f}, expected {rec.current_value:,.0f}")
    console.print(f"  [bold]recommended {rec.recommended_pct:g}%[/]: p(win) {rec.recommended_p:.2f}, "
                  f"expected {rec.recommended_value:,.0f} ({rec.uplift:+,.0f})")
    for r in rec.reasons:
        console.print(f"  {r['feature']} = {r['value']}: {r['effect']:+.2f} log-odds")


@discounts_app.command("guardrail")
def guardrail_cmd(
    max_pct: float = typer.Option(..., "--max", help="Largest discount to recommend, in percent (0-100)."),
    segment: str = typer.Option("", "--segment", help="smb, mid_market or enterprise; empty for the default rule."),
    objective: str = typer.Option("revenue", "--objective", help="revenue or margin."),
    cost: float | None = typer.Option(None, "--cost", help="Cost in percent of list price (margin objective)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add or replace one guardrail rule (the others are kept)."""
    from salesmind.cli.context import open_database, parse_as_of
    from salesmind.discounts import upsert_guardrail

    database = open_database()
    try:
        with database.transaction() as session:
            rules = upsert_guardrail(session, {"segment": segment, "max_pct": max_pct, "objective": objective,
                                               "cost_pct": cost}, user_id=None, now=parse_as_of(None))
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"items": [g.to_dict() for g in rules]})
        return
    for g in rules:
        cost_text = "" if g.cost_pct is None else f", cost {g.cost_pct:g}%"
        console.print(f"{g.segment or 'default'}: at most {g.max_pct:g}%, {g.objective}{cost_text}")
