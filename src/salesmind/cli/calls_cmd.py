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


def _print_team(team: Any) -> None:
    from salesmind.conversations.coaching import SPECS

    table = Table(title=f"Coaching: {len(team['reps'])} reps ({team['top_count']} top performers by win rate, "
                        f"at least {team['min_closed']} closed deals)")
    for column in ("rep", "calls", "win rate (95% Wilson)", "top", "talk ratio", "questions", "work on"):
        table.add_column(column, justify="right" if column in ("calls", "talk ratio", "questions") else "left")
    for r in team["reps"]:
        win = r["win"]
        rate = "—" if win is None else f"{win['rate']:.0%} ({win['low']:.0%}-{win['high']:.0%}) of {win['won'] + win['lost']}"
        metrics = {m["metric"]: m["mean"] for m in r["metrics"]}
        talk = metrics.get("talk_ratio")
        table.add_row(r["name"], str(r["calls"]), rate, "yes" if r["is_top"] else "",
                      "—" if talk is None else f"{talk:.0%}", _fmt(metrics.get("rep_questions")),
                      ", ".join(SPECS[i["metric"]].short for i in r["work_on"]) or "—")
    console.print(table)


def _print_report(rep: Any) -> None:
    from salesmind.conversations.coaching import SPECS

    win = rep["win"]
    console.print(f"[bold]{rep['name']}[/] ({rep['email']}), {rep['calls']} analysed calls"
                  + ("" if win is None else f", win rate {win['rate']:.0%} ({win['low']:.0%}-{win['high']:.0%})")
                  + (", a top performer" if rep["is_top"] else ""), highlight=False)
    table = Table(title="Metrics against the top performers")
    for column in ("metric", "mean", "median", "top performers", "p", "verdict"):
        table.add_column(column)
    for m in rep["metrics"]:
        spec = SPECS[m["metric"]]
        table.add_row(m["label"], spec.fmt(m["mean"]), spec.fmt(m["median"]), spec.fmt(m["top_mean"]),
                      "—" if m["p_value"] is None else f"{m['p_value']:.3g}", m["verdict"].replace("_", " "))
    console.print(table)
    for title, items in (("What to work on", rep["work_on"]), ("Strengths", rep["strengths"])):
        console.print(f"[bold]{title}[/]" + ("" if items else ": nothing significant"))
        for i in items:
            console.print(f"  {i['label']}: {i['rep_value']} (target: {i['target'] or '—'}). {i['reason']}", highlight=False)
            for m in i["moments"]:
                console.print(f"    call {m['call_id']} {m['title'] or ''} at {m['at_seconds']:.0f} s: \"{m['quote']}\"",
                              highlight=False)


@calls_app.command("coaching")
def coaching(rep: Optional[str] = typer.Option(None, "--rep", help="A rep's email: their report with example moments."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Each rep's call metrics against the top performers by win rate and Gong's references: what to work on."""
    from salesmind.cli.context import open_database
    from salesmind.conversations.coaching_views import rep_coaching, rep_dict, rep_id_by_email, team_coaching, team_dict
    from salesmind.data.scope import Scope

    try:
        with open_database().transaction() as session:
            if rep is None:
                data = team_dict(team_coaching(session, Scope.everything()))
            else:
                data = rep_dict(rep_coaching(session, Scope.everything(), rep_id_by_email(session, rep)))
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(data)
    elif rep is None:
        _print_team(data)
    else:
        _print_report(data)
