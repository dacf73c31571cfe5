"""``salesmind import``: load a CSV, Excel or JSON Lines file into the CRM tables."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from salesmind.cli.context import open_database, progress_bar
from salesmind.cli.main import app, console, emit_json, err_console, fail
from salesmind.core.errors import SalesmindError


@app.command("import")
def import_command(
    file: Optional[Path] = typer.Argument(None, help="CSV/TSV, .xlsx or .jsonl file to import."),
    entity: Optional[str] = typer.Option(None, "--entity", "-e",
                                         help="What the rows are (leads, accounts, opportunities, ...); "
                                              "detected from the header when omitted."),
    profile: str = typer.Option("auto", "--profile", "-p",
                                help="auto, salesforce, hubspot, canonical, or PATH.yaml of your own mapping."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid",
                                      help="Import the valid rows and write the others to a reject file."),
    reject_file: Optional[Path] = typer.Option(None, "--reject-file", help="Where rejected rows go."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of times written without one."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    list_profiles: bool = typer.Option(False, "--list-profiles", help="Show the built-in mappings and exit."),
) -> None:
    """Import a file; nothing is written if any row is invalid (unless --skip-invalid)."""
    from salesmind.ingest import import_file

    if list_profiles:
        _show_profiles(as_json)
        return
    if file is None:
        err_console.print("[bold red]error:[/] give the FILE to import (or --list-profiles)")
        raise typer.Exit(2)
    try:
        database = open_database()
        with progress_bar(transient=True, disable=as_json) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            report = import_file(database, file, entity, profile, skip_invalid=skip_invalid,
                                 reject_path=reject_file, timezone=timezone,
                                 progress=lambda done, total: bar.update(task, completed=done, total=total))
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(report.to_dict())
        return
    _show_report(report)


def _show_report(report) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"{report.file} -> {report.entity} ({report.profile} profile)")
    for column in ("read", "inserted", "updated", "unchanged", "rejected", "merged"):
        table.add_column(column, justify="right")
    table.add_row(*(str(n) for n in (report.rows_read, report.inserted, report.updated, report.unchanged,
                                     report.rejected, report.merged)))
    console.print(table)
    for note in report.merges[:20]:
        console.print(f"  merged: {note}", highlight=False)
    if report.skipped:
        console.print(f"{report.skipped} rows left out by the mapping (skip_rows_without)", highlight=False)
    if report.rejected:
        console.print(f"[yellow]{report.rejected} invalid rows skipped[/]; they are in {report.reject_file}",
                      highlight=False)
        _issue_table(report.issues)


def _issue_table(issues) -> None:  # type: ignore[no-untyped-def]
    table = Table(title="problems found", title_style="bold red")
    for column in ("file", "line", "column", "value", "reason"):
        table.add_column(column, overflow="fold")
    for issue in issues[:50]:
        table.add_row(issue.file, "" if issue.line is None else str(issue.line), issue.column or "",
                      "" if issue.value is None else issue.value[:40], issue.reason)
    err_console.print(table)
    if len(issues) > 50:
        err_console.print(f"... and {len(issues) - 50} more (use --json for all)")


def _show_profiles(as_json: bool) -> None:
    from salesmind.ingest import list_profiles

    rows = list_profiles()
    if as_json:
        emit_json(rows)
        return
    table = Table(title="built-in mapping profiles")
    for column in ("profile", "entity", "detected by columns"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["profile"], row["entity"], ", ".join(row["detect"]))
    console.print(table)
