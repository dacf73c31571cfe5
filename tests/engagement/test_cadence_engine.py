"""The cadence engine end to end through a real SMTP server on loopback: first email, stop on reply, unsubscribe,
booking, out-of-office, no duplicates after a crash, the per-owner daily cap."""

from __future__ import annotations

import pytest
from cadence_world import (  # noqa: F401
    MONDAY,
    World,
    classified_reply,
    days,
    eml,
    enrol_lead,
    mail_db,
    run_tick,
    send,
    smtp,
    world,
)
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import EmailMessage
from salesmind.data.models.cadences import Enrolment, Task, Touch
from salesmind.data.models.outreach import Booking, OutboxMessage
from salesmind.engagement.cadences import (
    create_sequence,
    engine,
    enrol,
    on_meeting_booked,
    on_reply,
    on_suppressed,
)
from salesmind.engagement.mail.inbound import process_inbound
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.suppression import suppress


def enrolment(db: Database, enrolment_id: int) -> Enrolment:
    with db.transaction() as s:
        row = s.get(Enrolment, enrolment_id)
        assert row is not None
        return row


def count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_first_email_arrives_and_a_reply_stops_the_cadence(mail_db: Database, smtp: LoopbackSMTP,
                                                           world: World) -> None:
    eid = enrol_lead(mail_db, world.sequence, world.lea)
    counts = run_tick(mail_db, MONDAY)
    assert (counts.due, counts.emails, counts.tasks) == (1, 1, 0)
    [got] = send(mail_db, smtp, MONDAY, 1)
    msg = got.message
    assert got.rcpt_tos == ["lea@buyer.example"]
    assert "Buyer GmbH" in msg["Subject"] and "Lea" in msg.get_body(("plain",)).get_content()
    assert msg["List-Unsubscribe"] and msg["Message-ID"]
    row = enrolment(mail_db, eid)
    assert row.position == 1 and row.next_due_at == MONDAY + days(2)  # Wednesday 14:00 Berlin: inside the window

    result = process_inbound(mail_db, eml("reply.eml", msg["Message-ID"]), classify=False, now=MONDAY + days(1))
    assert result.kind == "reply" and result.lead_id == world.lea
    assert enrolment(mail_db, eid).stopped_reason == "replied"  # the inbound path calls the reply hook at once

    later = run_tick(mail_db, MONDAY + days(3))
    assert later.stopped == {} and later.emails == 0
    row = enrolment(mail_db, eid)
    assert (row.status, row.stopped_reason, row.position) == ("stopped", "replied", 1)
    assert send(mail_db, smtp, MONDAY + days(3), 1) and len(smtp.received) == 1  # no second email
    with mail_db.transaction() as s:
        [task] = s.scalars(select(Task)).all()
        assert task.user_id == world.rep and "reply" in task.title and task.enrolment_id == eid
        [touch] = s.scalars(select(Touch)).all()
        assert touch.outcome == "replied"  # settled at the tick: the reply is threaded to this touch
    assert run_tick(mail_db, MONDAY + days(10)).due == 0


def test_an_unsubscribe_suppresses_for_good(mail_db: Database, smtp: LoopbackSMTP, world: World) -> None:
    eid = enrol_lead(mail_db, world.sequence, world.lea)
    run_tick(mail_db, MONDAY)
    [got] = send(mail_db, smtp, MONDAY, 1)
    result = process_inbound(mail_db, eml("unsubscribe_reply.eml", got.message["Message-ID"]), classify=False,
                             now=MONDAY + days(1))
    assert result.unsubscribe
    assert enrolment(mail_db, eid).stopped_reason == "unsubscribed"  # the suppression hook, at once
    assert run_tick(mail_db, MONDAY + days(2)).stopped == {}
    with mail_db.transaction() as s, pytest.raises(UserInputError, match="may not be emailed"):
        enrol(s, sequence_id=world.sequence, lead_id=world.lea, now=MONDAY + days(30))
    with mail_db.transaction() as s:
        other = create_sequence(s, "Another", [{"kind": "email", "template": "value"}]).id
    with mail_db.transaction() as s, pytest.raises(UserInputError, match="may not be emailed"):
        enrol(s, sequence_id=other, lead_id=world.lea, now=MONDAY + days(30))
    for day in (3, 5, 40):
        run_tick(mail_db, MONDAY + days(day))
    assert len(send(mail_db, smtp, MONDAY + days(40), 1)) == 1


def test_a_booking_stops_the_cadence_by_pull_and_by_hook(mail_db: Database, smtp: LoopbackSMTP,
                                                         world: World) -> None:
    lea, leo = enrol_lead(mail_db, world.sequence, world.lea), enrol_lead(mail_db, world.sequence, world.leo)
    run_tick(mail_db, MONDAY)
    with mail_db.transaction() as s:
        s.add(Booking(uid="b-1", user_id=world.rep, starts_at=MONDAY + days(4), ends_at=MONDAY + days(4.02),
                      visitor_email="LEA@buyer.example", visitor_timezone="Europe/Berlin", lead_id=None))
        hooked = Booking(uid="b-2", user_id=world.rep, starts_at=MONDAY + days(5), ends_at=MONDAY + days(5.02),
                         visitor_email="leo@other.example", visitor_timezone="Europe/Berlin", lead_id=world.leo)
        s.add(hooked)
        s.flush()
        assert on_meeting_booked(s, hooked, now=MONDAY + days(1)) == 1
    assert enrolment(mail_db, leo).stopped_reason == "meeting booked"
    counts = run_tick(mail_db, MONDAY + days(2))
    assert counts.stopped == {"meeting booked": 1} and counts.emails == 0
    assert enrolment(mail_db, lea).stopped_reason == "meeting booked"


def test_out_of_office_pauses_until_the_return_date_then_resumes(mail_db: Database, smtp: LoopbackSMTP,
                                                                 world: World) -> None:
    eid = enrol_lead(mail_db, world.sequence, world.lea)
    run_tick(mail_db, MONDAY)
    classified_reply(mail_db, world.lea, MONDAY + days(1), "out_of_office", {"return_date": "2024-06-12"})
    assert run_tick(mail_db, MONDAY + days(2)).paused == 1
    row = enrolment(mail_db, eid)
    back = MONDAY.replace(day=12, hour=6)  # Wednesday 12 June, 08:00 in Berlin
    assert (row.status, row.paused_until) == ("paused", back)
    assert run_tick(mail_db, back - days(0.01)).due == 0
    resumed = run_tick(mail_db, back)
    assert (resumed.resumed, resumed.emails) == (1, 1)
    row = enrolment(mail_db, eid)
    assert row.status == "active" and row.position == 2


def test_not_now_stops_and_enrols_in_the_nurture_sequence(mail_db: Database, world: World) -> None:
    with mail_db.transaction() as s:
        nurture = create_sequence(s, "Nurture", [{"kind": "email", "wait_days": 30, "template": "value"}]).id
        main = create_sequence(s, "Main", [{"kind": "email", "template": "intro"},
                                           {"kind": "email", "wait_days": 2, "template": "value"}],
                               settings={"nurture_sequence": "Nurture"}).id
    eid = enrol_lead(mail_db, main, world.lea)
    run_tick(mail_db, MONDAY)
    classified_reply(mail_db, world.lea, MONDAY + days(1), "objection_timing")
    assert run_tick(mail_db, MONDAY + days(2)).stopped == {"not now": 1}
    with mail_db.transaction() as s:
        moved = s.scalars(select(Enrolment).where(Enrolment.sequence_id == nurture)).one()
        assert moved.lead_id == world.lea and moved.status == "active"
        assert moved.next_due_at == MONDAY + days(32)  # a Wednesday, 14:00 in Berlin
    assert enrolment(mail_db, eid).details["nurture_enrolment_id"] == moved.id


def test_referral_creates_a_task_to_add_the_referred_contact(mail_db: Database, world: World) -> None:
    enrol_lead(mail_db, world.sequence, world.lea)
    run_tick(mail_db, MONDAY)
    classified_reply(mail_db, world.lea, MONDAY + days(1), "referral",
                     {"referral": {"name": "Ana Boss", "email": "ana@buyer.example"}})
    assert run_tick(mail_db, MONDAY + days(2)).stopped == {"referred": 1}
    with mail_db.transaction() as s:
        task = s.scalars(select(Task)).one()
        assert "Ana Boss" in task.title and task.details["referral"]["email"] == "ana@buyer.example"


def test_a_second_tick_at_the_same_moment_makes_no_duplicate(mail_db: Database, smtp: LoopbackSMTP,
                                                             world: World) -> None:
    enrol_lead(mail_db, world.sequence, world.lea)
    assert run_tick(mail_db, MONDAY).emails == 1
    assert run_tick(mail_db, MONDAY).due == 0
    assert (count(mail_db, Touch), count(mail_db, OutboxMessage)) == (1, 1)
    assert len(send(mail_db, smtp, MONDAY, 1)) == 1


def test_a_tick_killed_before_its_commit_leaves_nothing_and_the_retry_sends_once(
        mail_db: Database, smtp: LoopbackSMTP, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    enrol_lead(mail_db, world.sequence, world.lea)
    original = engine._run_step

    def killed(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)  # the email is queued and the touch flushed ...
        raise KeyboardInterrupt("killed")  # ... and the process dies before the commit

    monkeypatch.setattr(engine, "_run_step", killed)
    with pytest.raises(KeyboardInterrupt):
        run_tick(mail_db, MONDAY)
    assert (count(mail_db, Touch), count(mail_db, OutboxMessage)) == (0, 0)
    monkeypatch.setattr(engine, "_run_step", original)
    assert run_tick(mail_db, MONDAY).emails == 1
    assert len(send(mail_db, smtp, MONDAY, 1)) == 1


def test_a_racing_tick_that_finds_the_touch_recorded_rolls_back_its_message(mail_db: Database, world: World) -> None:
    eid = enrol_lead(mail_db, world.sequence, world.lea)
    with mail_db.transaction() as s:  # another worker recorded step 0 but our read of the enrolment is stale
        s.add(Touch(enrolment_id=eid, position=0, kind="email", due_at=MONDAY, done_at=MONDAY, status="queued"))
    counts = run_tick(mail_db, MONDAY)
    assert counts.emails == 0 and "already run" in counts.errors[0]  # the rolled-back work is not counted
    assert (count(mail_db, Touch), count(mail_db, OutboxMessage)) == (1, 0)


def test_the_daily_cap_per_owner_defers_the_rest_to_the_next_day(mail_db: Database, world: World) -> None:
    with mail_db.transaction() as s:
        capped = create_sequence(s, "Capped", [{"kind": "email", "template": "intro"}],
                                 settings={"daily_limit": 1}).id
    first, second = enrol_lead(mail_db, capped, world.lea), enrol_lead(mail_db, capped, world.leo)
    counts = run_tick(mail_db, MONDAY)
    assert (counts.emails, counts.capped) == (1, 1)
    assert enrolment(mail_db, second).next_due_at == MONDAY + days(1) - days(6 / 24)  # Tuesday 08:00 Berlin
    assert run_tick(mail_db, MONDAY + days(0.1)).due == 0
    assert run_tick(mail_db, MONDAY + days(1)).emails == 1
    assert enrolment(mail_db, first).status == enrolment(mail_db, second).status == "finished"


def test_a_friday_evening_enrolment_first_sends_monday_morning_in_the_leads_zone(mail_db: Database,
                                                                                world: World) -> None:
    friday_evening = MONDAY + days(4) + days(7 / 24)  # Friday 21:00 in Berlin
    eid = enrol_lead(mail_db, world.sequence, world.lea, at=friday_evening)
    assert enrolment(mail_db, eid).next_due_at == MONDAY + days(7) - days(6 / 24)  # Monday 08:00 Berlin
    assert run_tick(mail_db, friday_evening + days(1)).due == 0


def test_call_and_manual_email_steps_become_tasks_due_in_the_window(mail_db: Database, world: World) -> None:
    with mail_db.transaction() as s:
        seq = create_sequence(s, "Manual", [{"kind": "email", "template": "intro", "manual": True},
                                            {"kind": "call", "wait_days": 1, "instructions": "ask about budget"}]).id
    enrol_lead(mail_db, seq, world.lea)
    assert run_tick(mail_db, MONDAY).tasks == 1
    assert run_tick(mail_db, MONDAY + days(1)).tasks == 1
    with mail_db.transaction() as s:
        review, call = s.scalars(select(Task).order_by(Task.id)).all()
        assert review.title.startswith("Review and send:") and "Lea" in review.details["text"]
        assert call.kind == "call" and "ask about budget" in call.title and call.due_at == MONDAY + days(1)
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_bounce_stops_by_pull_and_the_suppression_hook_stops_at_once(mail_db: Database, world: World) -> None:
    lea, leo = enrol_lead(mail_db, world.sequence, world.lea), enrol_lead(mail_db, world.sequence, world.leo)
    with mail_db.transaction() as s:
        suppress(s, "lea@buyer.example", "bounce")
        suppress(s, "leo@other.example", "unsubscribe")
        assert on_suppressed(s, "Leo@Other.example", now=MONDAY) == 1
    assert enrolment(mail_db, leo).stopped_reason == "unsubscribed"
    assert run_tick(mail_db, MONDAY).stopped == {"bounced": 1}
    assert enrolment(mail_db, lea).stopped_reason == "bounced"
    assert count(mail_db, OutboxMessage) == 0


def test_the_reply_hook_acts_at_once_and_the_intent_decides_the_task(mail_db: Database, world: World) -> None:
    eid = enrol_lead(mail_db, world.sequence, world.lea)
    run_tick(mail_db, MONDAY)
    reply_id = classified_reply(mail_db, world.lea, MONDAY + days(0.1), "positive_meeting")
    with mail_db.transaction() as s:
        assert on_reply(s, s.get(EmailMessage, reply_id), now=MONDAY + days(0.1)) == 1
    row = enrolment(mail_db, eid)
    assert (row.status, row.stopped_reason) == ("stopped", "replied")
    with mail_db.transaction() as s:
        task = s.scalars(select(Task)).one()
        assert "calendar link" in task.title and task.priority == 3 and task.user_id == world.rep
    assert run_tick(mail_db, MONDAY + days(3)).due == 0  # the pull check finds nothing left to do


def test_a_contact_is_emailed_in_its_own_zone_with_its_account_in_the_subject(mail_db: Database, smtp: LoopbackSMTP,
                                                                              world: World) -> None:
    from salesmind.data.models import Account, Contact

    with mail_db.transaction() as s:
        account = Account(name="Kolkata Traders")
        s.add(account)
        s.flush()
        contact = Contact(first_name="Ira", email="ira@traders.example", consent_email=True, account_id=account.id,
                          timezone="Asia/Kolkata", owner_id=world.rep)
        s.add(contact)
        s.flush()
        seq = create_sequence(s, "Contacts", [{"kind": "email", "template": "intro",
                                               "subject_variants": ["{first_name} at {company}"]}]).id
        row = enrol(s, sequence_id=seq, contact_id=contact.id, now=MONDAY)  # 17:30 in Kolkata: inside the window
        assert row.next_due_at == MONDAY and row.owner_id == world.rep
    assert run_tick(mail_db, MONDAY).emails == 1
    [got] = send(mail_db, smtp, MONDAY, 1)
    assert got.rcpt_tos == ["ira@traders.example"] and got.message["Subject"] == "Ira at Kolkata Traders"
