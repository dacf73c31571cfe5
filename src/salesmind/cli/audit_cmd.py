"""``salesmind audit``: data-quality scores per table and the fixes that matter most."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from salesmind.cli.context import open_database
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError
from salesmind.core.timeutil import SystemClock, ensure_utc
from salesmind.quality import AuditReport, run_audit


@app.command()
def audit(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    as_of: str = typer.Option(None, "--as-of", help="Audit as of this ISO date or time (default: now)."),
    top: int = typer.Option(15, "--top", min=1, help="How many fixes to show in the terminal."),
) -> None:
    """Score the data per table and list the fixes with the biggest impact first."""
    try:
        now = _parse_time(as_of) if as_of else SystemClock().now()
        database = open_database(migrate=True)
        with database.transaction() as session:
            report = run_audit(session, now)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(report.to_dict())
    else:
        _print(report, top)


def _parse_time(text: str) -> datetime:
    try:
        return ensure_utc(datetime.fromisoformat(text), "UTC")
    except ValueError:
        raise UserInputError(f"--as-of {text!r} is not an ISO date or time (e.g. 2025-06-30)") from None


def _print(report: AuditReport, top: int) -> None:
    overall = "no data" if report.overall_score is None else f"{report.overall_score}/100"
    console.print(f"[bold]Data quality[/] {overall}  (as of {report.generated_at:%Y-%m-%d %H:%M} UTC)")
    scores = Table(title="Score per table", title_justify="left")
    for name, justify in (("table", "left"), ("rows", "right"), ("completeness", "right"),
                          ("validity", "right"), ("score", "right")):
        scores.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in sorted(report.tables, key=lambda t: (t.rows == 0, t.score)):
        filled = f"{t.completeness:.0%}" if t.fields and t.rows else "-"
        valid, score = (f"{t.validity:.0%}", _coloured(t.score)) if t.rows else ("-", "-")
        scores.add_row(t.table, f"{t.rows:,}", filled, valid, score)
    console.print(scores)
    if not report.fixes:
        console.print("[green]Nothing to fix.[/]")
        return
    fixes = Table(title=f"Fixes, biggest impact first ({len(report.fixes)} in all)", title_justify="left")
    for name, justify in (("#", "right"), ("impact", "right"), ("rows", "right"),
                          ("problem and what to do", "left"), ("e.g. ids", "left")):
        fixes.add_column(name, justify=justify)  # type: ignore[arg-type]
    for fix in report.fixes[:top]:
        fixes.add_row(str(fix.rank), f"{fix.impact:g}", f"{fix.affected:,}",
                      f"[bold]{fix.title}[/]\n{fix.instruction}", ", ".join(map(str, fix.example_ids)))
    console.print(fixes)
    console.print("[dim]score = 100 x (0.4 completeness + 0.6 validity); impact = rows x weight; "
                  "--json gives every fix and field.[/]")


def _coloured(score: int) -> str:
    colour = "green" if score >= 90 else "yellow" if score >= 70 else "red"
    return f"[{colour}]{score}[/]"
