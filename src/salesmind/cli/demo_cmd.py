"""``salesmind demo``: build the simulated demo company into the configured database."""

from __future__ import annotations

from datetime import date, datetime

import typer
from rich.table import Table

from salesmind.cli.context import open_database, progress_bar
from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError, UserInputError
from salesmind.core.timeutil import UTC
from salesmind.demo import build_demo, reset_database


@app.command()
def demo(
    size: str = typer.Option("small", "--size", help="small (~2,000 leads), medium (~50,000) or large (~1,000,000)."),
    seed: int = typer.Option(42, "--seed", help="Random seed: the same seed and date give the same company."),
    as_of: str = typer.Option(None, "--as-of", help="Last simulated day, YYYY-MM-DD (default: today, UTC)."),
    reset: bool = typer.Option(False, "--reset", help="Delete every record in the database first."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Build the demo company: reps, leads with their events, deals, calls, emails and customers."""
    try:
        day = _parse_day(as_of)
        database = open_database(migrate=True)
        if reset:
            reset_database(database)
        with progress_bar(transient=True, disable=as_json) as bar:
            tasks: dict[str, int] = {}

            def progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.update(tasks[step], completed=done, total=total)

            summary = build_demo(database, size, seed, as_of=day, progress=progress)
        from salesmind.engagement.booking import seed_demo_calendars  # loaded here: icalendar is not needed before
        seed_demo_calendars(database)  # a booking page /book/<name> for every demo rep
        from salesmind.engagement.cadences.defaults import seed_demo_cadences
        seed_demo_cadences(database)  # default sequences and 60 new leads enrolled (sent once serve has a mail server)
        from salesmind.engagement.inbound.routing import seed_demo_routing
        with database.transaction() as session:
            seed_demo_routing(session)  # the inbound form's leads go to account owners, territories, then in turn
        database.dispose()
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json(summary.to_dict())
        return
    console.print(f"[green]demo company built[/] ({summary.size}, seed {summary.seed}, as of "
                  f"{summary.as_of.date().isoformat()}) in {summary.seconds:.1f} s")
    counts = Table("table", "rows", title="Rows written")
    for name, count in summary.counts.items():
        counts.add_row(name, f"{count:,}")
    console.print(counts)
    logins = Table("role", "name", "email", title=f"Log in with password '{summary.password}'")
    for login in summary.logins:
        logins.add_row(login["role"], login["name"], login["email"])
    console.print(logins)


def _parse_day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"--as-of {text!r} is not a date: use YYYY-MM-DD") from None
