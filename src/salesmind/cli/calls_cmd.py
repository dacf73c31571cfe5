"""``salesmind calls``: import call transcripts, analyse calls, show one call's metrics, topics and next steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

calls_app = typer.Typer(help="Call transcripts: import, analyse, inspect.", no_args_is_help=True)
app.add_typer(calls_app, name="calls")


@calls_app.command("import")
def import_call(
    file: Path = typer.Argument(..., help="A .vtt, .srt or .json transcript export."),
    opportunity: Optional[int] = typer.Option(None, "--opportunity", help="The deal the call belongs to."),
    started_at: Optional[str] = typer.Option(None, "--started-at", help="When the call started (ISO 8601, UTC); now by default."),
    title: Optional[str] = typer.Option(None, "--title"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Store a transcript as a call (speakers matched to CRM users and the deal's contacts), then analyse it."""
    from salesmind.cli.context import open_database, parse_as_of
    from salesmind.conversations import analyse_calls, import_transcript

    try:
        database = open_database()
        call = import_transcript(database, file, started_at=parse_as_of(started_at, "--started-at"),
                                 opportunity_id=opportunity, title=title)
        analyse_calls(database, [call.id])
    except SalesmindError as exc:
        fail(exc, as_json)
    summary = {"call_id": call.id, "utterances": len(call.utterances),
               "participants": {p.speaker_label: str(p.role) for p in call.participants}}
    if as_json:
        emit_json(summary)
        return
    console.print(f"Imported call [bold]{call.id}[/] with {summary['utterances']} utterances.")
    for label, role in summary["participants"].items():
        console.print(f"  {label}: {role}", highlight=False)


@calls_app.command("analyse")
def analyse(as_json: bool = typer.Option(False, "--json")) -> None:
    """Compute and store metrics, topics and sentiment for every call."""
    from salesmind.cli.context import open_database
    from salesmind.conversations import analyse_calls

    try:
        count = analyse_calls(open_database())
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"analysed": count})
    else:
        console.print(f"Analysed [bold]{count:,}[/] calls.")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


@calls_app.command("show")
def show(call_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One call's participants, metrics, topics and next steps."""
    from salesmind.cli.context import open_database
    from salesmind.conversations.call_views import call_detail
    from salesmind.data.scope import Scope

    try:
        with open_database().transaction() as session:
            detail = call_detail(session, Scope.everything(), call_id)
            call, analysis = detail.call, detail.analysis
            data = {"id": call.id, "title": call.title, "started_at": call.started_at,
                    "duration_seconds": call.duration_seconds, "opportunity_id": call.opportunity_id,
                    "participants": [{"speaker": p.speaker_label, "role": str(p.role)} for p in call.participants],
                    "analysis": None if analysis is None else {"version": analysis.version, "metrics": analysis.metrics,
                                                               "topics": analysis.topics, "sentiment": analysis.sentiment}}
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(data)
        return
    console.print(f"[bold]Call {data['id']}[/] {data['title'] or ''} ({_fmt(data['duration_seconds'])} s)")
    for p in data["participants"]:
        console.print(f"  {p['speaker']}: {p['role']}", highlight=False)
    if data["analysis"] is None:
        console.print("Not analysed yet: run `salesmind calls analyse`.")
        return
    table = Table(title="Metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in data["analysis"]["metrics"].items():
        table.add_row(name, _fmt(value))
    console.print(table)
    topics = data["analysis"]["topics"]
    for name, t in topics["topics"].items():
        console.print(f"  topic {name}: {t['seconds']:.0f} s, {t['mentions']} mentions", highlight=False)
    for step in topics["next_steps"]:
        console.print(f"  next step ({step['owner']}, due {step['due'] or '—'}): {step['text']}", highlight=False)
