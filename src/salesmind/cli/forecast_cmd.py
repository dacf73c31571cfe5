"""``salesmind forecast``: bookings from history, the pipeline of a period, accuracy over time, what changed."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError

forecast_app = typer.Typer(help="Forecast bookings and the pipeline; track accuracy; see what changed.",
                           no_args_is_help=True)
app.add_typer(forecast_app, name="forecast")

AS_OF_HELP = "Forecast as of this day or time (ISO 8601, UTC; default: now)."


def _as_of(text: Optional[str], days_back: int = 0) -> datetime:
    from salesmind.cli.context import parse_as_of
    from salesmind.forecasting.service import days_before

    return days_before(parse_as_of(text), days_back)


def _money(x: Any) -> str:
    return "—" if x is None else f"{float(x):,.0f}"


def _run(make: Callable[[Callable[[str], None]], Any], as_json: bool) -> Any:
    """Call ``make(progress)`` under a spinner (none with --json); user errors end the command cleanly."""
    from salesmind.cli.context import run_with_status

    return run_with_status("forecasting", make, as_json)


def _run_json(run: Any) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "as_of": run.as_of.isoformat(), "freq": run.freq,
            "group_by": run.group_by, "horizon": run.horizon,
            "period_start": run.period_start, "period_end": run.period_end, "summary": run.summary}


@forecast_app.command("history")
def history(
    freq: str = typer.Option("month", "--freq", help="week, month or quarter."),
    group_by: Optional[str] = typer.Option(None, "--group-by", help="team, region, product or owner."),
    horizon: int = typer.Option(3, "--horizon", help="Periods to forecast."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    n_jobs: int = typer.Option(1, "--jobs", help="Series fitted in parallel."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored run as JSON."),
) -> None:
    """Forecast bookings per period (and group) from history with the model ensemble; store the run."""
    from salesmind.cli.context import open_database
    from salesmind.forecasting.service import run_history_forecast
    from salesmind.forecasting.store import run_points

    database = open_database()
    run = _run(lambda progress: run_history_forecast(
        database, as_of=_as_of(as_of), freq=freq, group_by=group_by, horizon=horizon, n_jobs=n_jobs,
        progress=progress), as_json)
    with database.transaction() as session:
        points = run_points(session, run.id)
    if as_json:
        emit_json({**_run_json(run), "points": [
            {"unique_id": p.unique_id, "ds": p.ds, "mean": p.mean, "lo_80": p.lo_80, "hi_80": p.hi_80,
             "lo_95": p.lo_95, "hi_95": p.hi_95} for p in points]})
        return
    table = Table(title=f"Bookings forecast #{run.id} as of {run.as_of:%Y-%m-%d} ({freq}"
                        f"{', by ' + group_by if group_by else ''})")
    for head in ("series", "period", "forecast", "80% interval", "95% interval", "models"):
        table.add_column(head, justify="left" if head in ("series", "period", "models") else "right")
    members = (run.summary or {}).get("members", {})
    for p in points:
        table.add_row(p.unique_id, p.ds.isoformat(), _money(p.mean), f"{_money(p.lo_80)} – {_money(p.hi_80)}",
                      f"{_money(p.lo_95)} – {_money(p.hi_95)}", members.get(p.unique_id, ""))
    console.print(table)


def _pipeline_table(run: Any) -> Table:
    s = run.summary or {}
    table = Table(title=f"Pipeline forecast #{run.id}: {run.period_start} – {run.period_end}, "
                        f"as of {run.as_of:%Y-%m-%d} ({s.get('open_deals', 0)} open deals)")
    table.add_column("measure")
    table.add_column("amount", justify="right")
    for label, key in (("won to date", "won_to_date"), ("expected (mean)", "mean"), ("P10", "p10"), ("P50", "p50"),
                       ("P90", "p90"), ("commit", "commit"), ("best case", "best_case"), ("pipeline", "pipeline"),
                       ("new pipeline (run-rate)", "new_pipeline_mean")):
        table.add_row(label, _money(s.get(key)))
    return table


@forecast_app.command("pipeline")
def pipeline(
    period: str = typer.Option("quarter", "--period", help="month or quarter (the one containing --as-of)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    days_back: int = typer.Option(0, "--days-back", min=0, help="Forecast as of this many days before --as-of."),
    period_of: Optional[str] = typer.Option(None, "--period-of", help="A day inside the period (default: as of)."),
    simulations: int = typer.Option(10_000, "--simulations", help="Monte Carlo draws."),
    drivers: int = typer.Option(10, "--drivers", help="Driver deals to list."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored run as JSON."),
) -> None:
    """Simulate this period's bookings from the open pipeline; store the run and the deals it saw."""
    from salesmind.cli.context import open_database
    from salesmind.forecasting.service import run_pipeline_forecast

    database = open_database()

    def make(progress: Callable[[str], None]) -> Any:
        day = date.fromisoformat(period_of) if period_of else None
        return run_pipeline_forecast(database, as_of=_as_of(as_of, days_back), period=period, period_of=day,
                                     n_simulations=simulations, progress=progress)

    try:
        run = _run(make, as_json)
    except ValueError:
        fail(UserInputError(f"--period-of {period_of!r} is not a date like 2025-06-30"), as_json)
        return
    if as_json:
        emit_json(_run_json(run))
        return
    console.print(_pipeline_table(run))
    table = Table(title="Deals that drive the range")
    for head in ("deal", "owner", "amount", "win prob.", "in period", "expected", "variance share"):
        table.add_column(head, justify="left" if head in ("deal", "owner") else "right")
    for d in (run.summary or {}).get("drivers", [])[:drivers]:
        table.add_row(str(d.get("name")), str(d.get("owner") or ""), _money(d.get("amount")),
                      f"{d['win_probability']:.0%}", f"{d['p_in_period']:.0%}", _money(d.get("expected")),
                      f"{d['variance_share']:.1%}")
    console.print(table)


@forecast_app.command("accuracy")
def accuracy(
    kind: Optional[str] = typer.Option(None, "--kind", help="history or pipeline (default: both)."),
    window: int = typer.Option(4, "--window", min=1, help="Runs pooled in the rolling accuracy."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Fill in actuals for ended periods, then show MAPE, bias and 80/95% coverage per run and rolling."""
    from salesmind.cli.context import open_database
    from salesmind.forecasting.accuracy import accuracy_report, fill_actuals

    database = open_database()
    try:
        with database.transaction() as session:
            filled = fill_actuals(session, datetime.now(timezone.utc))
            report = accuracy_report(session, kind, window)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json({"filled": filled, **report})
        return
    pct = lambda v: "—" if v is None else f"{v:.1%}"  # noqa: E731
    table = Table(title=f"Forecast accuracy ({filled} actuals filled; {report['pending_points']} periods pending)")
    for head in ("run", "kind", "as of", "points", "MAPE", "bias", "80% coverage", "95% coverage",
                 f"rolling MAPE ({window})"):
        table.add_column(head, justify="left" if head in ("kind", "as of") else "right")
    rolling = {r["run_id"]: r for r in report["rolling"]}
    for r in report["runs"]:
        table.add_row(str(r["run_id"]), r["kind"], r["as_of"][:10], str(r["n"]), pct(r["mape"]), pct(r["bias"]),
                      pct(r["coverage_80"]), pct(r["coverage_95"]), pct(rolling[r["run_id"]]["mape"]))
    o = report["overall"]
    table.add_row("all", "", "", str(o["n"]), pct(o["mape"]), pct(o["bias"]), pct(o["coverage_80"]),
                  pct(o["coverage_95"]), "", style="bold")
    console.print(table)


@forecast_app.command("changes")
def changes(
    run_id: Optional[int] = typer.Option(None, "--run", help="The newer pipeline run (default: the latest)."),
    against: Optional[int] = typer.Option(None, "--against", help="The older run (default: the one before)."),
    limit: int = typer.Option(10, "--limit", help="Deals listed per category."),
    as_json: bool = typer.Option(False, "--json", help="Print the change view as JSON."),
) -> None:
    """What changed between two pipeline runs: won, lost, slipped, pushed, new ... and the bridge."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.forecasting.changes import CATEGORY_LABELS
    from salesmind.forecasting.views import change_view

    database = open_database()
    try:
        with database.transaction() as session:
            _, payload = change_view(session, Scope.everything(), run_id, against)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if payload is None:
        fail(UserInputError("no two pipeline runs of the same period to compare: run `salesmind forecast "
                            "pipeline --days-back 7` and `salesmind forecast pipeline`"), as_json)
        return
    if as_json:
        emit_json(payload)
        return
    bridge = payload["bridge"]
    table = Table(title=f"Expected bookings {payload['period_start']} – {payload['period_end']}: run "
                        f"#{payload['older_run_id']} ({payload['older_as_of'][:10]}) → #{payload['newer_run_id']} "
                        f"({payload['newer_as_of'][:10]})")
    table.add_column("step")
    table.add_column("deals", justify="right")
    table.add_column("effect", justify="right")
    table.add_row("old expected", "", _money(bridge["start"]), style="bold")
    for step in bridge["steps"]:
        n = len(payload["changes"].get(step["name"], []))
        table.add_row(CATEGORY_LABELS.get(step["name"], step["name"].replace("_", " ")), str(n) if n else "",
                      f"{step['effect']:+,.0f}")
    table.add_row("new expected", "", _money(bridge["end"]), style="bold")
    console.print(table)
    for category, items in payload["changes"].items():
        if not items:
            continue
        listing = Table(title=CATEGORY_LABELS[category], title_justify="left")
        for head in ("deal", "stage", "amount", "close date", "effect"):
            listing.add_column(head, justify="right" if head in ("amount", "effect") else "left")
        for c in items[:limit]:
            listing.add_row(str(c["name"]), f"{c['old_stage'] or '—'} → {c['new_stage'] or '—'}",
                            f"{_money(c['old_amount'])} → {_money(c['new_amount'])}",
                            f"{c['old_close_date'] or '—'} → {c['new_close_date'] or '—'}", f"{c['effect']:+,.0f}")
        console.print(listing)
