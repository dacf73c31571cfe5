"""Booking service: calendar settings, page slots, booking (all or nothing, no double booking), cancel, lists."""

from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, SalesmindError, UserInputError
from salesmind.data.models import (
    Activity,
    ActivityType,
    Booking,
    Lead,
    LeadStatus,
    OutboxMessage,
    RepCalendar,
)
from salesmind.data.scope import Scope
from salesmind.data.users import create_user
from salesmind.engagement.booking import service
from salesmind.engagement.booking.service import (
    SlotTaken,
    book,
    cancel,
    list_bookings,
    page_slots,
    seed_demo_calendars,
    set_calendar,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from booking_world import NOW, BookingWorld, seed_booking_world  # noqa: E402

UTC = timezone.utc


@pytest.fixture
def world(database: Database) -> BookingWorld:
    return seed_booking_world(database)


def first_free(database: Database, slug: str = "rita-rep", tz: str = "UTC") -> datetime:
    with database.transaction() as s:
        return page_slots(s, slug, NOW, tz).slots[0].start


def test_calendar_settings_are_validated(database: Database, world: BookingWorld) -> None:
    cal = set_calendar(database, "RITA@seller.example", slot_minutes=45, working_hours="mon-thu 08:00-12:00")
    assert (cal.slug, cal.timezone, cal.slot_minutes) == ("rita-rep", "Europe/Berlin", 45)
    assert cal.working_hours == {d: [["08:00", "12:00"]] for d in ("mon", "tue", "wed", "thu")}
    for settings, message in [({"timezone": "Europe/Atlantis"}, "unknown time zone"),
                              ({"slot_minutes": 0}, "slot minutes"), ({"horizon_days": 1000}, "horizon days"),
                              ({"slug": "Bad Slug!"}, "slug"), ({"slug": "bob-rep"}, "already used"),
                              ({"working_hours": {"mon": [["10:00", "09:00"]]}}, "start before"),
                              ({"colour": "red"}, "unknown calendar setting")]:
        with pytest.raises(UserInputError, match=message):
            set_calendar(database, "rita@seller.example", **settings)
    with pytest.raises(NotFound):
        set_calendar(database, "nobody@seller.example")


def test_page_slots_respect_notice_and_the_ics(database: Database, world: BookingWorld) -> None:
    with database.transaction() as s:
        page = page_slots(s, "rita-rep", NOW, "Asia/Kolkata")
        assert (page.rep_name, page.rep_timezone) == ("Rita Rep", "Europe/Berlin")
        # Thursday 13:00 in Berlin plus two hours' notice: 15:00 Berlin = 14:00 UTC = 19:30 in Kolkata.
        assert page.slots[0].start == datetime(2026, 3, 5, 14, tzinfo=UTC)
        assert page.slots[0].visitor_start.strftime("%H:%M") == "19:30"
        starts = {sl.start for sl in page.slots}
        assert datetime(2026, 3, 9, 9, tzinfo=UTC) not in starts  # the weekly Monday sync
        assert datetime(2026, 3, 16, 9, tzinfo=UTC) in starts  # that Monday's sync is an EXDATE
        with pytest.raises(NotFound):
            page_slots(s, "nobody", NOW, "UTC")
        with pytest.raises(UserInputError, match="unknown time zone"):
            page_slots(s, "rita-rep", NOW, "Not/AZone")


def test_booking_creates_a_lead_logs_a_meeting_and_takes_the_slot(database: Database, world: BookingWorld) -> None:
    start = first_free(database)
    booking = book(database, "rita-rep", start.astimezone(timezone(timedelta(hours=5, minutes=30))), "Vic Visitor",
                   " vic@buyer.example ", "Asia/Kolkata", "Pricing questions", now=NOW)
    assert (booking.starts_at, booking.ends_at - booking.starts_at) == (start, timedelta(minutes=30))
    assert booking.slot_key == f"{world.users['rita']}:{start:%Y-%m-%dT%H:%M:%SZ}"
    with database.transaction() as s:
        lead = s.get(Lead, booking.lead_id)
        assert (lead.email, lead.source, lead.owner_id, lead.first_name, lead.last_name) == (
            "vic@buyer.example", "booking page", world.users["rita"], "Vic", "Visitor")
        assert lead.status == LeadStatus.WORKING  # on_meeting_booked
        meeting = s.scalars(select(Activity).where(Activity.lead_id == lead.id)).one()
        assert meeting.type == ActivityType.MEETING and meeting.details["booking_uid"] == booking.uid
        assert start not in {sl.start for sl in page_slots(s, "rita-rep", NOW, "UTC").slots}
    with pytest.raises(SlotTaken, match="not free any more"):
        book(database, "rita-rep", start, "Other", "other@buyer.example", "UTC", now=NOW)


def test_a_known_contact_is_linked_not_duplicated(database: Database, world: BookingWorld) -> None:
    booking = book(database, "bob-rep", first_free(database, "bob-rep"), "Cora Known", "Cora@Buyer.example",
                   "America/New_York", now=NOW)
    assert (booking.contact_id, booking.lead_id) == (world.contact_id, None)
    with database.transaction() as s:
        assert s.scalar(select(Lead.id).where(Lead.email.ilike("cora@buyer.example"))) is None


@pytest.mark.parametrize("name, email, tz, start_shift, message", [
    ("Vic", "not-an-email", "UTC", 0, "not a valid email"),
    ("", "vic@buyer.example", "UTC", 0, "your name"),
    ("Vic", "vic@buyer.example", "Mars/Base", 0, "unknown time zone"),
    ("Vic", "vic@buyer.example", "UTC", 7, "not free any more"),  # 09:07 is not a slot start
])
def test_bad_bookings_change_nothing(database: Database, world: BookingWorld, name: str, email: str, tz: str,
                                     start_shift: int, message: str) -> None:
    start = first_free(database) + timedelta(minutes=start_shift)
    with pytest.raises(UserInputError, match=message):
        book(database, "rita-rep", start, name, email, tz, now=NOW)
    with pytest.raises(UserInputError, match="time zone"):
        book(database, "rita-rep", start.replace(tzinfo=None), "Vic", "vic@buyer.example", "UTC", now=NOW)
    with database.transaction() as s:
        assert s.scalars(select(Booking)).all() == [] and s.scalars(select(Lead)).all() == []


def test_a_stale_check_is_stopped_by_the_unique_slot(database: Database, world: BookingWorld,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    start = first_free(database)
    book(database, "rita-rep", start, "First", "first@buyer.example", "UTC", now=NOW)
    # The second visitor's check ran before the first booking committed: it still sees the slot free.
    monkeypatch.setattr(service, "booked_intervals", lambda *_a, **_k: [])
    with pytest.raises(SlotTaken, match="that time was just taken"):
        book(database, "rita-rep", start, "Second", "second@buyer.example", "UTC", now=NOW)
    with database.transaction() as s:  # all or nothing: no lead or activity left from the refused booking
        assert s.scalar(select(Lead.id).where(Lead.email == "second@buyer.example")) is None
        assert len(s.scalars(select(Booking)).all()) == 1


def test_two_visitors_racing_for_one_slot_get_one_booking(database: Database, world: BookingWorld) -> None:
    start = first_free(database)
    barrier, outcomes = threading.Barrier(2), []

    def visit(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(book(database, "rita-rep", start, f"V{n}", f"v{n}@buyer.example", "UTC", now=NOW).uid)
        except SalesmindError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(o.endswith("@salesmind") for o in outcomes) == 1, outcomes
    assert any("taken" in o or "not free" in o for o in outcomes), outcomes


def test_cancel_frees_the_slot(database: Database, world: BookingWorld) -> None:
    start = first_free(database)
    booking = book(database, "rita-rep", start, "Vic", "vic@buyer.example", "UTC", now=NOW)
    key = booking.slot_key
    with database.transaction() as s:
        rita_scope = Scope.for_user(s, s.get(service.User, world.users["rita"]))
        bob_scope = Scope.for_user(s, s.get(service.User, world.users["bob"]))
    with pytest.raises(NotFound):
        cancel(database, booking.uid, bob_scope)
    cancelled = cancel(database, booking.uid, rita_scope)
    assert (cancelled.status, cancelled.slot_key) == ("cancelled", None)
    with pytest.raises(UserInputError, match="already cancelled"):
        cancel(database, booking.uid)
    again = book(database, "rita-rep", start, "Other", "other@buyer.example", "UTC", now=NOW)
    assert again.slot_key == key and again.uid != booking.uid


def test_lists_are_scoped(database: Database, world: BookingWorld) -> None:
    book(database, "rita-rep", first_free(database), "Vic", "vic@buyer.example", "UTC", now=NOW)
    book(database, "bob-rep", first_free(database, "bob-rep"), "Wes", "wes@buyer.example", "UTC", now=NOW)
    with database.transaction() as s:
        def seen(who: str) -> set[str]:
            scope = Scope.for_user(s, s.get(service.User, world.users[who]))
            return {b.visitor_email for b in list_bookings(s, scope)[0]}

        assert seen("rita") == {"vic@buyer.example"}
        assert seen("bob") == {"wes@buyer.example"}
        assert seen("mia") == {"vic@buyer.example"}  # Rita's manager
        assert seen("ada") == {"vic@buyer.example", "wes@buyer.example"}


def test_invitation_is_queued_once_in_the_outbox(database: Database, world: BookingWorld) -> None:
    pytest.importorskip("salesmind.engagement.mail.outbox")
    booking = book(database, "rita-rep", first_free(database), "Vic", "vic@buyer.example", "Asia/Kolkata", now=NOW)
    with database.transaction() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"booking:{booking.uid}")).one()
        assert row.to_address == "vic@buyer.example" and row.status == "queued"
        attachment = row.details["attachments"][0]
        event = icalendar.Calendar.from_ical(attachment["content"]).walk("VEVENT")[0]
        assert str(event["UID"]) == booking.uid and event["DTSTART"].dt == booking.starts_at


def test_demo_calendars_are_seeded_once(database: Database, world: BookingWorld) -> None:
    with database.transaction() as s:
        create_user(s, "zoe@seller.example", "Zoë O'Neil", "rep", timezone="Asia/Kolkata")
        create_user(s, "rita2@seller.example", "Rita Rep", "rep")
    assert seed_demo_calendars(database) == 2
    assert seed_demo_calendars(database) == 0
    with database.transaction() as s:
        cals = {c.slug: c.timezone for c in s.scalars(select(RepCalendar))}
    assert cals["zo-o-neil"] == "Asia/Kolkata" and "rita-rep-2" in cals and "mia-manager" not in cals
