"""Attachments in an outbox row's details (a booking's invitation) go out as MIME parts that read back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

from icalendar import Calendar

from salesmind.data.models import OutboxMessage
from salesmind.engagement.booking.invite import Invitation, invitation_ics
from salesmind.engagement.mail.outbox import mime_message

START = datetime(2026, 3, 9, 14, 0, tzinfo=timezone.utc)


def _row(attachments: list[dict]) -> OutboxMessage:
    return OutboxMessage(message_id="<m1@salesmind.test>", from_address="rita@seller.io", to_address="jane@acme.com",
                         subject="Meeting booked", body_text="Your invitation is attached.", headers={},
                         details={"attachments": attachments})


def test_an_invitation_goes_out_as_a_text_calendar_request_that_parses_back() -> None:
    ics = invitation_ics(Invitation(uid="booking-1@salesmind", start=START, end=START + timedelta(minutes=30),
                                    organizer_email="rita@seller.io", organizer_name="Rita Rep",
                                    attendee_email="jane@acme.com", attendee_name="Jane Doe", summary="Intro call",
                                    description="Booked online", created=START))
    raw = mime_message(_row([{"filename": "invite.ics", "content_type": "text/calendar; method=REQUEST",
                              "content": ics.decode("utf-8")}]), START).as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    parts = [p for p in parsed.iter_attachments()]
    assert [p.get_filename() for p in parts] == ["invite.ics"]
    assert parts[0].get_content_type() == "text/calendar" and parts[0].get_param("method") == "REQUEST"
    event = next(c for c in Calendar.from_ical(parts[0].get_content()).walk() if c.name == "VEVENT")
    assert str(event["UID"]) == "booking-1@salesmind" and event.decoded("DTSTART") == START
    assert parsed.get_body(("plain",)).get_content().strip() == "Your invitation is attached."


def test_binary_attachments_and_rows_without_any() -> None:
    raw = mime_message(_row([{"filename": "a.pdf", "content_type": "application/pdf", "content": "%PDF-1.4"}]),
                       START).as_bytes()
    part = next(message_from_bytes(raw, policy=policy.default).iter_attachments())
    assert part.get_content_type() == "application/pdf" and part.get_content() == b"%PDF-1.4"
    plain = mime_message(_row([]), START)
    assert not plain.is_multipart() and plain.get_content().strip() == "Your invitation is attached."
