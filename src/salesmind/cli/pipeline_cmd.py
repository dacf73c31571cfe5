"""``salesmind pipeline``: stage conversion, velocity, coverage and lead cohorts for a period (whole company)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError

pipeline_app = typer.Typer(help="Pipeline analytics: conversion, time in stage, velocity, coverage, lead cohorts.",
                           no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")

START = typer.Option(None, "--start", help="First day of the period (YYYY-MM-DD; default: this quarter's).")
END = typer.Option(None, "--end", help="Day after the period (YYYY-MM-DD; default: next quarter's first day).")
GROUP = typer.Option(None, "--group-by", help="team, owner, segment, region, source, product or competitor.")
JSON = typer.Option(False, "--json", help="Print the answer as JSON.")


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{what} {text!r} is not a date like 2025-01-31") from None


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    from salesmind.analytics.periods import check_period, quarter_of

    first, last = _day(start, "--start"), _day(end, "--end")
    if first is None and last is None:
        return quarter_of(datetime.now(UTC).date())
    if first is None or last is None:
        raise UserInputError("give both --start and --end, or neither (this quarter)")
    check_period(first, last)
    return first, last


def _run(compute: Any, start: str | None, end: str | None, as_json: bool) -> Any:
    """``compute(session, scope, frames, first, last)`` for the whole company over the chosen period; errors exit."""
    from salesmind.analytics import pipeline_service as service
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope

    try:
        first, last = _period(start, end)
        database = open_database()
        with database.transaction() as session:
            scope = Scope.everything()
            return compute(session, scope, service.load(session, scope), first, last)
    except SalesmindError as exc:
        fail(exc, as_json)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column in ("from_stage", "to_stage", "stage", "source", "month",
                                                              "group", "start", "end") else "right")
    for row in rows:
        table.add_row(*[_fmt(column, row.get(column)) for column in columns])
    console.print(table)


def _fmt(column: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if column in ("rate", "low", "high", "win_rate", "converted_share", "won_share"):
            return f"{value:.1%}"
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


@pipeline_app.command("conversion")
def conversion_cmd(start: str | None = START, end: str | None = END, group_by: str | None = GROUP,
                   as_json: bool = JSON) -> None:
    """Stage-to-stage conversion (95% Wilson), time in stage and the bottlenecks of the period."""
    from salesmind.analytics.pipeline_service import pipeline_analysis

    report = _run(lambda session, scope, data, first, last: pipeline_analysis(data, first, last, group_by),
                  start, end, as_json)
    merged = report["conversion"].merge(report["time_in_stage"].rename(columns={"stage": "from_stage"}),
                                        on="from_stage")
    if as_json:
        emit_json({"conversion": _records(merged), "bottlenecks": report["bottlenecks"],
                   "funnel": _records(report["funnel"]), "flows": _records(report["flows"]),
                   "groups": [{"group": g["group"], "conversion": _records(g["conversion"])} for g in report["groups"]]})
        return
    _table("Stage conversion", _records(merged), ["from_stage", "to_stage", "resolved", "converted", "rate", "low",
                                                  "high", "median_days", "p75_days"])
    for b in report["bottlenecks"]:
        console.print(f"[bold]{b['kind']} bottleneck[/]: {b['message']}")
    for g in report["groups"]:
        _table(f"{group_by}: {g['group']}", _records(g["conversion"]),
               ["from_stage", "to_stage", "resolved", "converted", "rate"])


@pipeline_app.command("velocity")
def velocity_cmd(start: str | None = START, end: str | None = END, group_by: str | None = GROUP,
                 as_json: bool = JSON) -> None:
    """Velocity (open deals x win rate x size / cycle days) by period and its change split into four drivers."""
    from salesmind.analytics.pipeline_service import velocity_analysis

    report = _run(lambda session, scope, data, first, last: velocity_analysis(data, first, last, group_by),
                  start, end, as_json)
    if as_json:
        emit_json({"current": report["current"], "previous": report["previous"], "change": report["change"],
                   "trend": _records(report["trend"]), "groups": report["groups"]})
        return
    _table("Velocity by period", _records(report["trend"]),
           ["start", "end", "open_deals", "win_rate", "deal_size", "cycle_days", "velocity"])
    change = report["change"]
    if change and change["change"] is not None:
        parts = ", ".join(f"{k} {v:+,.0f}" for k, v in change["parts"].items())
        console.print(f"Change on the period before: [bold]{change['change']:+,.0f}[/] per day ({parts})")
    for g in report["groups"]:
        console.print(f"  {g['group']}: {_fmt('velocity', g['current']['velocity'])} per day")


@pipeline_app.command("coverage")
def coverage_cmd(start: str | None = START, end: str | None = END, group_by: str | None = GROUP,
                 target: float | None = typer.Option(None, "--target", min=0.01, help="The period's target."),
                 as_json: bool = JSON) -> None:
    """Open pipeline closing in the period / target (given, else the stored forecast, else last year's bookings)."""
    from salesmind.analytics.pipeline_service import coverage_analysis

    result = _run(lambda session, scope, data, first, last: coverage_analysis(session, scope, data, first, last,
                                                                              target, group_by), start, end, as_json)
    if as_json:
        emit_json(result)
        return
    console.print(f"{result['start']} to {result['end']}: open pipeline [bold]{result['open_pipeline']:,.0f}[/] "
                  f"({result['open_deals']} deals), won {result['won']:,.0f}, target "
                  f"{_fmt('target', result['target'])} ({result['target_source']}), coverage "
                  f"[bold]{_fmt('coverage', result['coverage'])}[/]")
    if result["groups"]:
        _table(f"Open pipeline by {group_by}", result["groups"], ["group", "open_pipeline", "open_deals"])


@pipeline_app.command("cohorts")
def cohorts_cmd(start: str | None = START, end: str | None = END, as_json: bool = JSON) -> None:
    """Leads by source and created month: converted share and won share (traced by link or account)."""
    from salesmind.analytics.pipeline_service import cohort_analysis

    rows = _records(_run(lambda session, scope, data, first, last: cohort_analysis(session, scope, data, first, last),
                         start, end, as_json))
    if as_json:
        emit_json({"rows": rows})
        return
    _table("Lead cohorts", rows, ["source", "month", "leads", "converted", "converted_share", "traced", "won",
                                  "won_share"])
