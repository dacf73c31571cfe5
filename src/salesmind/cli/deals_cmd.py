"""``salesmind deals``: refresh deal health (red flags, score, alerts), the risk list, one deal's health."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

deals_app = typer.Typer(help="Deal health: named red flags, a 0-100 score, alerts to owners and managers.",
                        no_args_is_help=True)
app.add_typer(deals_app, name="deals")


def _codes(flags: list[dict]) -> str:  # type: ignore[type-arg]
    return ", ".join(f["code"] for f in flags) or "—"


@deals_app.command("health")
def health(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Assess as of this day or time (ISO 8601, UTC)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Assess every open deal, store its health, and alert owners and managers about new high risks."""
    from salesmind.cli.context import open_database, parse_as_of, progress_bar
    from salesmind.deals import refresh_deal_health

    database = open_database()
    try:
        moment = parse_as_of(as_of)
        with progress_bar(transient=True, disable=as_json) as bar:
            task = bar.add_task("deal health", total=None)
            summary = refresh_deal_health(database, moment,
                                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(summary))
        return
    grades = ", ".join(f"{n} {g}" for g, n in sorted(summary.grades.items())) or "none"
    console.print(f"[bold]{summary.deals:,}[/] open deals assessed as of {summary.as_of:%Y-%m-%d %H:%M}: {grades}; "
                  f"[bold]{summary.notifications}[/] new alerts sent.")
    for code, n in summary.flags.items():
        console.print(f"  {code}: {n}")


@deals_app.command("risks")
def risks(
    owner: Optional[str] = typer.Option(None, "--owner", help="Only deals of this owner (email)."),
    flag: Optional[str] = typer.Option(None, "--flag", help="Only deals with this red flag (e.g. no_next_step)."),
    grade: Optional[str] = typer.Option(None, "--grade", help="healthy, 'at risk' or critical."),
    limit: int = typer.Option(25, "--limit", min=1, max=500),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open deals riskiest first: amount x (100 - health score), with their red flags."""
    from salesmind.cli.context import open_database
    from salesmind.data.scope import Scope
    from salesmind.deals import risk_list

    database = open_database()
    try:
        with database.transaction() as session:
            rows = risk_list(session, Scope.everything(), owner_email=owner, flag=flag, grade=grade, limit=limit)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"items": [asdict(r) for r in rows]})
        return
    table = Table(title=f"Deal risks ({len(rows)})")
    for head in ("id", "deal", "owner", "stage", "close", "amount", "score", "grade", "red flags"):
        table.add_column(head, justify="right" if head in ("id", "amount", "score") else "left")
    for r in rows:
        table.add_row(str(r.opportunity_id), r.name, r.owner or "—", r.stage, str(r.expected_close_date or "—"),
                      "—" if r.amount is None else f"{r.amount:,.0f}", f"{r.score:.0f}", r.grade, _codes(r.flags))
    console.print(table)


@deals_app.command("show")
def show(
    opportunity_id: int = typer.Argument(..., help="The deal's id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One deal's health: score, grade, red flags with evidence, the score's history and the sentiment series."""
    from salesmind.cli.context import open_database
    from salesmind.core.errors import NotFound
    from salesmind.data.scope import Scope
    from salesmind.deals import deal_health

    database = open_database()
    try:
        with database.transaction() as session:
            panel = deal_health(session, Scope.everything(), opportunity_id)
        if panel is None:
            raise NotFound(f"opportunity {opportunity_id} has no health yet: run `salesmind deals health`")
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json(asdict(panel))
        return
    console.print(f"Deal {opportunity_id}: health [bold]{panel.score:.0f}[/] ({panel.grade}) as of {panel.as_of:%Y-%m-%d}")
    for f in panel.flags:
        console.print(escape(f"  [{f['severity']}] {f['code']}: {f['message']}"), highlight=False)
    console.print("history: " + ", ".join(f"{p.as_of:%Y-%m-%d} {p.score:.0f}" for p in panel.history))
    if panel.sentiment:
        console.print("prospect sentiment: " + ", ".join(f"{p['at'][:10]} {p['source']} {p['score']:+.2f}"
                                                          for p in panel.sentiment))
