"""Meeting booking: free slots from working hours and an ICS calendar, a public page, ICS invitations."""

from salesmind.engagement.booking.busy import busy_intervals, read_ics_source
from salesmind.engagement.booking.hours import (
    parse_hours_shorthand,
    parse_working_hours,
    working_intervals,
)
from salesmind.engagement.booking.invite import Invitation, invitation_ics
from salesmind.engagement.booking.service import (
    BookingPage,
    BookingView,
    SlotTaken,
    book,
    cancel,
    deliver_invitation,
    get_booking,
    invitation_for,
    list_bookings,
    on_meeting_booked,
    page_slots,
    seed_demo_calendars,
    set_calendar,
)
from salesmind.engagement.booking.slots import Slot, free_slots, group_by_day

__all__ = [
    "BookingPage", "BookingView", "Invitation", "Slot", "SlotTaken", "book", "busy_intervals", "cancel",
    "deliver_invitation", "free_slots", "get_booking", "group_by_day", "invitation_for", "invitation_ics",
    "list_bookings", "on_meeting_booked", "page_slots", "parse_hours_shorthand", "parse_working_hours",
    "read_ics_source", "seed_demo_calendars", "set_calendar", "working_intervals",
]
