"""``salesmind booking``: a rep's booking calendar, the free slots of a booking page, the booked meetings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import typer
from rich.table import Table

from salesmind.cli.main import app, console, emit_json, fail
from salesmind.core.errors import SalesmindError

booking_app = typer.Typer(help="Meeting booking: calendars, free slots, booked meetings.", no_args_is_help=True)
app.add_typer(booking_app, name="booking")


@booking_app.command("set-calendar")
def set_calendar_cmd(
    email: str = typer.Argument(..., help="The rep's login email."),
    timezone: Optional[str] = typer.Option(None, "--timezone", help="IANA zone of the hours (default: the rep's)."),
    hours: Optional[str] = typer.Option(None, "--hours",
                                        help='JSON {"mon": [["09:00", "17:00"]]} or "mon-fri 09:00-17:00".'),
    ics: Optional[str] = typer.Option(None, "--ics", help="Busy times: an ICS file or http(s) feed ('' removes it)."),
    slot: Optional[int] = typer.Option(None, "--slot", help="Meeting length in minutes (default 30)."),
    buffer: Optional[int] = typer.Option(None, "--buffer", help="Minutes kept free around other meetings."),
    notice: Optional[int] = typer.Option(None, "--notice", help="Minimum notice in minutes (default 120)."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="Days ahead that can be booked (default 14)."),
    slug: Optional[str] = typer.Option(None, "--slug", help="The page address /book/SLUG (default: from the name)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create or update a rep's booking calendar."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.booking import set_calendar

    try:
        cal = set_calendar(open_database(), email, timezone=timezone, working_hours=hours, ics_source=ics,
                           slot_minutes=slot, buffer_minutes=buffer, min_notice_minutes=notice,
                           horizon_days=horizon, slug=slug)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    data = {"slug": cal.slug, "timezone": cal.timezone, "working_hours": cal.working_hours,
            "slot_minutes": cal.slot_minutes, "buffer_minutes": cal.buffer_minutes,
            "min_notice_minutes": cal.min_notice_minutes, "horizon_days": cal.horizon_days,
            "ics_source": cal.ics_source}
    if as_json:
        emit_json(data)
        return
    console.print(f"Booking page [bold]/book/{cal.slug}[/] ({cal.timezone}, {cal.slot_minutes}-minute slots).")


@booking_app.command("slots")
def slots_cmd(
    slug: str = typer.Argument(..., help="The booking page's slug."),
    tz: str = typer.Option("UTC", "--tz", help="Show the slots in this IANA zone."),
    limit: int = typer.Option(40, "--limit", min=1, max=5000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The free slots of a booking page, soonest first."""
    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.engagement.booking import page_slots

    database = open_database()
    try:
        with database.transaction() as session:
            page = page_slots(session, slug, utcnow(), tz)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    shown = page.slots[:limit]
    if as_json:
        emit_json({"slug": page.slug, "rep": page.rep_name, "rep_timezone": page.rep_timezone, "timezone": tz,
                   "total": len(page.slots),
                   "slots": [{"start": s.key, "local": s.visitor_start.isoformat(),
                              "rep_local": s.rep_start.isoformat()} for s in shown]})
        return
    table = Table(title=f"{page.rep_name}: {len(page.slots)} free slots (first {len(shown)}), in {tz}")
    for head in ("day", "time", f"rep ({page.rep_timezone})", "start (UTC)"):
        table.add_column(head)
    for s in shown:
        table.add_row(f"{s.visitor_start:%a %d %b}", f"{s.visitor_start:%H:%M}", f"{s.rep_start:%a %H:%M}", s.key)
    console.print(table)


@booking_app.command("list")
def list_cmd(
    all_: bool = typer.Option(False, "--all", help="Past and cancelled meetings too."),
    limit: int = typer.Option(100, "--limit", min=1, max=5000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Booked meetings of every rep, soonest first (upcoming and confirmed unless --all)."""
    from salesmind.cli.context import open_database
    from salesmind.core.timeutil import utcnow
    from salesmind.data.scope import Scope
    from salesmind.engagement.booking import list_bookings

    database = open_database()
    try:
        with database.transaction() as session:
            items, total = list_bookings(session, Scope.everything(), since=None if all_ else utcnow(),
                                         status=None if all_ else "confirmed", limit=limit)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json({"total": total, "items": [asdict(i) for i in items]})
        return
    table = Table(title=f"Meetings ({len(items)} of {total})")
    for head in ("when (UTC)", "rep", "visitor", "email", "status", "uid"):
        table.add_column(head)
    for b in items:
        table.add_row(f"{b.starts_at:%Y-%m-%d %H:%M}", b.rep_name, b.visitor_name or "", b.visitor_email, b.status,
                      b.uid)
    console.print(table)


@booking_app.command("cancel")
def cancel_cmd(uid: str = typer.Argument(..., help="The booking's UID."),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Cancel a booked meeting (its slot becomes free again)."""
    from salesmind.cli.context import open_database
    from salesmind.engagement.booking import cancel

    try:
        booking = cancel(open_database(), uid)
    except SalesmindError as exc:
        fail(exc, as_json)
        return
    if as_json:
        emit_json({"uid": booking.uid, "status": booking.status})
        return
    console.print(f"Meeting {booking.uid} cancelled.")
