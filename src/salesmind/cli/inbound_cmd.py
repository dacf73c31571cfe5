"""``salesmind inbound``: the response-time report, recording sent first replies, the public form's key."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

inbound_app = typer.Typer(help="Inbound leads: how fast they were answered, and the public form.", no_args_is_help=True)
app.add_typer(inbound_app, name="inbound")


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@inbound_app.command("report")
def report(days: int = typer.Option(30, "--days", min=1, max=3650, help="The period: the last N days."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Minutes to the first reply (median, p90), the share within the target and leads never answered."""
    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.data.scope import Scope
    from salesmind.engagement.inbound import response_time_report

    try:
        database = open_database()
        end = utcnow() + timedelta(seconds=1)
        with database.transaction() as session:
            found = response_time_report(session, Scope.everything(), start=end - timedelta(days=days), end=end,
                                         target_minutes=database.settings.inbound.reply_minutes)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        data = asdict(found)
        data.pop("sent_minutes")
        emit_json(data)
        return
    table = Table("group", "submissions", "median to queued", "median to sent", "p90 to sent", "within target",
                  "never answered", title=f"Inbound, last {days} days (target {found.target_minutes:g} min)")
    for g in [found.overall, *found.by_source, *found.by_owner]:
        share = "—" if g.share_within_target is None else f"{g.share_within_target:.0%}"
        table.add_row(g.label, str(g.submissions), _minutes(g.median_queued_minutes), _minutes(g.median_sent_minutes),
                      _minutes(g.p90_sent_minutes), share, str(g.never_answered))
    console.print(table)


@inbound_app.command("record-sent")
def record_sent(as_json: bool = typer.Option(False, "--json")) -> None:
    """Copy the send time of delivered first replies to their submissions and leads (after ``mail send-due``)."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.inbound import record_sent_replies

    try:
        database = open_database()
        with database.transaction() as session:
            done = record_sent_replies(session)
    except SalesmindError as exc:
        fail(exc, as_json)
    if as_json:
        emit_json({"recorded": done})
    else:
        console.print(f"recorded {done} sent first replies")


@inbound_app.command("form-url")
def form_url() -> None:
    """The address the embeddable form posts to."""
    from salesmind.core.settings import Settings
    from salesmind.engagement.inbound import form_key

    try:
        settings = Settings.from_env()
    except SalesmindError as exc:
        fail(exc)
    console.print(f"{settings.mail.public_url}/f/{form_key(settings)}", highlight=False)
