"""The ICS invitation for a booked meeting (RFC 5545 / iTIP ``METHOD:REQUEST``), built with ``icalendar``.

Times are written in UTC so every calendar program places the meeting at the same instant. A
cancellation is the same UID with ``METHOD:CANCEL``, ``STATUS:CANCELLED`` and a higher ``SEQUENCE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import icalendar

from salesmind.core.timeutil import UTC

PRODID = "-//salesmind//booking//EN"


@dataclass(frozen=True)
class Invitation:
    """What an invitation says: one meeting between a rep (organiser) and a visitor (attendee)."""

    uid: str
    start: datetime
    end: datetime
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    summary: str
    description: str
    created: datetime


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["CN"] = icalendar.vText(name or email)
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = icalendar.vText(value)
    return address


def invitation_ics(invite: Invitation, *, cancel: bool = False) -> bytes:
    """The invitation (or its cancellation) as ICS bytes."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = icalendar.Event()
    event.add("uid", invite.uid)
    event.add("dtstamp", invite.created.astimezone(UTC))
    event.add("dtstart", invite.start.astimezone(UTC))
    event.add("dtend", invite.end.astimezone(UTC))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("organizer", _address(invite.organizer_email, invite.organizer_name))
    event.add("attendee", _address(invite.attendee_email, invite.attendee_name, role="REQ-PARTICIPANT",
                                   partstat="ACCEPTED" if not cancel else "DECLINED", rsvp="FALSE"))
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("sequence", 1 if cancel else 0)
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()
