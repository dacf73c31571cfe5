"""Enrolment refusals, subject experiments (bandit state persisted and updated from replies), reports and tasks."""

from __future__ import annotations

import pytest
from cadence_world import MONDAY, World, days, eml, enrol_lead, mail_db, run_tick, send, smtp, world  # noqa: F401
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Lead, Role, User
from salesmind.data.models.cadences import Experiment, Task, Touch
from salesmind.data.models.outreach import OutboxMessage
from salesmind.data.scope import Scope
from salesmind.engagement.bandits import wilson_interval
from salesmind.engagement.cadences import (
    create_experiment,
    create_sequence,
    enrol,
    ensure_default_sequences,
    steps_of,
)
from salesmind.engagement.cadences.reports import experiment_report, sequence_report
from salesmind.engagement.cadences.tasks import complete_task, todays_tasks
from salesmind.engagement.mail.inbound import process_inbound
from salesmind.engagement.mail.loopback import LoopbackSMTP


@pytest.mark.parametrize("kwargs, message", [
    ({"lead_id": 1, "contact_id": 1}, "exactly one"),
    ({}, "exactly one"),
    ({"lead_id": 999}, "does not exist"),
])
def test_enrol_refuses_bad_targets(mail_db: Database, world: World, kwargs: dict, message: str) -> None:
    with mail_db.transaction() as s, pytest.raises((UserInputError, NotFound), match=message):
        enrol(s, sequence_id=world.sequence, now=MONDAY, **kwargs)


def test_enrol_refuses_a_second_enrolment_people_who_may_not_be_emailed_and_empty_sequences(
        mail_db: Database, world: World) -> None:
    enrol_lead(mail_db, world.sequence, world.lea)
    with mail_db.transaction() as s, pytest.raises(UserInputError, match="already enrolled"):
        enrol(s, sequence_id=world.sequence, lead_id=world.lea, now=MONDAY)
    with mail_db.transaction() as s:
        quiet = Lead(first_name="Noe", email="noe@buyer.example", consent_email=False)
        blocked = Lead(first_name="Dan", email="dan@buyer.example", consent_email=True, do_not_contact=True)
        s.add_all([quiet, blocked])
        s.flush()
        ids = quiet.id, blocked.id
        calls_only = create_sequence(s, "Calls", [{"kind": "call"}]).id
    for lead_id, reason in zip(ids, ("no consent", "do-not-contact")):
        with mail_db.transaction() as s, pytest.raises(UserInputError, match=reason):
            enrol(s, sequence_id=world.sequence, lead_id=lead_id, now=MONDAY)
    with mail_db.transaction() as s:  # a sequence of calls only may reach someone without email consent
        assert enrol(s, sequence_id=calls_only, lead_id=ids[0], now=MONDAY).status == "active"
    with mail_db.transaction() as s, pytest.raises(NotFound):
        enrol(s, sequence_id=12345, lead_id=world.lea, now=MONDAY)


@pytest.mark.parametrize("steps, message", [
    ([], "at least one step"),
    ([{"kind": "fax"}], "kind must be one of"),
    ([{"kind": "email"}], "needs a template"),
    ([{"kind": "call", "wait_days": -1}], "between 0 and 365"),
    ([{"kind": "call", "colour": "red"}], "unknown field"),
])
def test_sequence_steps_are_validated(mail_db: Database, steps: list, message: str) -> None:
    with mail_db.transaction() as s, pytest.raises(UserInputError, match=message):
        create_sequence(s, "Bad", steps)


def test_default_sequences_have_ten_touches_over_three_weeks(mail_db: Database) -> None:
    with mail_db.transaction() as s:
        outbound, nurture = ensure_default_sequences(s)
        again = ensure_default_sequences(s)
        assert [x.id for x in again] == [outbound.id, nurture.id]
        report = sequence_report(s, Scope.everything(), outbound.id)
        kinds = [step.kind for step in report.steps]
        assert len(kinds) == 10 and kinds.count("email") == 8 and {"call", "task"} <= set(kinds)
        assert 21 <= sum(step.wait_days for step in report.steps) <= 25
        assert outbound.settings["nurture_sequence"] == nurture.name


def test_the_subject_experiment_chooses_arms_and_learns_from_replies(mail_db: Database, smtp: LoopbackSMTP,
                                                                    world: World) -> None:
    with mail_db.transaction() as s:
        seq = create_sequence(s, "One email", [{"kind": "email", "template": "intro"}]).id
        step_id = steps_of(s, seq)[0].id
        exp = create_experiment(s, step_id=step_id, arms=["Quick question, {first_name}", "An idea for {company}"],
                                control_share=0.0, min_samples=0).id
    with mail_db.transaction() as s, pytest.raises(UserInputError, match="already has a running"):
        create_experiment(s, step_id=step_id, arms=["a", "b"])
    enrol_lead(mail_db, seq, world.lea)
    enrol_lead(mail_db, seq, world.leo)
    assert run_tick(mail_db, MONDAY).emails == 2
    received = send(mail_db, smtp, MONDAY, 2)
    with mail_db.transaction() as s:
        touches = {t.enrolment_id: t for t in s.scalars(select(Touch))}
        subjects = {m.to_address: m.subject for m in s.scalars(select(OutboxMessage))}
    assert {t.variant for t in touches.values()} <= {"Quick question, {first_name}", "An idea for {company}"}
    assert subjects["lea@buyer.example"] in ("Quick question, Lea", "An idea for Buyer GmbH")
    to_lea = next(r for r in received if r.rcpt_tos == ["lea@buyer.example"])
    process_inbound(mail_db, eml("reply.eml", to_lea.message["Message-ID"]), classify=False, now=MONDAY + days(1))
    assert run_tick(mail_db, MONDAY + days(1)).settled == 1  # Lea replied; Leo's email is not old enough yet
    assert run_tick(mail_db, MONDAY + days(8)).settled == 1  # seven days without a reply: a failure
    with mail_db.transaction() as s:
        state = s.get(Experiment, exp).state
        report = experiment_report(s, exp)
    pooled = state["segments"]["__all__"]
    assert sum(pooled["sends"]) == 2 and sum(pooled["successes"]) == 1
    lea_arm = touches[1].variant
    by_arm = {a.arm: a for a in report.arms}
    assert by_arm[lea_arm].successes == 1 and sum(a.sends for a in report.arms) == 2
    assert report.control == "Quick question, {first_name}" and by_arm["An idea for {company}"].lift is not None
    assert run_tick(mail_db, MONDAY + days(9)).settled == 0  # each touch updates the bandit once


def test_sequence_report_counts_the_funnel_with_wilson_intervals(mail_db: Database, smtp: LoopbackSMTP,
                                                                 world: World) -> None:
    enrol_lead(mail_db, world.sequence, world.lea)
    enrol_lead(mail_db, world.sequence, world.leo)
    run_tick(mail_db, MONDAY)
    received = send(mail_db, smtp, MONDAY, 2)
    to_lea = next(r for r in received if r.rcpt_tos == ["lea@buyer.example"])
    process_inbound(mail_db, eml("reply.eml", to_lea.message["Message-ID"]), classify=False, now=MONDAY + days(1))
    run_tick(mail_db, MONDAY + days(2))
    with mail_db.transaction() as s:
        report = sequence_report(s, Scope.everything(), world.sequence)
        rep_scope = Scope(user_id=999, role=Role.REP, owner_ids=frozenset({999}))
        assert sequence_report(s, rep_scope, world.sequence).enrolled == 0
    assert (report.enrolled, report.active, report.stopped) == (2, 1, {"replied": 1})
    first, second, _call = report.steps
    assert (first.touches, first.emails_sent, first.replies) == (2, 2, 1)
    assert (first.reply_low, first.reply_high) == tuple(round(x, 4) for x in wilson_interval(1, 2))
    assert (second.touches, second.emails_sent) == (1, 0)  # Leo's second email is queued, not sent yet
    assert report.touches == 3 and report.emails_sent == 2 and report.replies == 1


def test_todays_tasks_overdue_first_then_by_priority_and_done_or_skipped(mail_db: Database, world: World) -> None:
    with mail_db.transaction() as s:
        other = User(email="other@seller.example", name="Other", role=Role.REP)
        s.add(other)
        s.flush()
        rows = [Task(user_id=world.rep, kind="call", title="today low", priority=1, due_at=MONDAY),
                Task(user_id=world.rep, kind="call", title="today high", priority=3, due_at=MONDAY + days(0.1)),
                Task(user_id=world.rep, kind="task", title="overdue", priority=0, due_at=MONDAY - days(2)),
                Task(user_id=world.rep, kind="task", title="tomorrow", priority=3, due_at=MONDAY + days(1)),
                Task(user_id=other.id, kind="call", title="not mine", priority=3, due_at=MONDAY)]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
        mine = Scope(user_id=world.rep, role=Role.REP, owner_ids=frozenset({world.rep}))
        assert [t.title for t in todays_tasks(s, mine, MONDAY)] == ["overdue", "today high", "today low"]
        with pytest.raises(NotFound):
            todays_tasks(s, mine, MONDAY, user_id=other.id)
        assert complete_task(s, mine, ids[0], MONDAY).status == "done"
        assert complete_task(s, mine, ids[1], MONDAY, skip=True).status == "skipped"
        with pytest.raises(UserInputError, match="already done"):
            complete_task(s, mine, ids[0], MONDAY)
        with pytest.raises(NotFound):
            complete_task(s, mine, ids[4], MONDAY)
        assert [t.title for t in todays_tasks(s, mine, MONDAY)] == ["overdue"]


def test_completing_a_manual_email_task_sends_the_reviewed_draft_once(mail_db: Database, smtp: LoopbackSMTP,
                                                                      world: World) -> None:
    with mail_db.transaction() as s:
        seq = create_sequence(s, "Manual", [{"kind": "email", "template": "intro", "manual": True}]).id
    enrol_lead(mail_db, seq, world.lea)
    run_tick(mail_db, MONDAY)
    with mail_db.transaction() as s:
        task = s.scalars(select(Task)).one()
        complete_task(s, Scope.everything(), task.id, MONDAY, subject="Edited subject", text="Hi Lea, edited.",
                      settings=mail_db.settings)
        touch = s.scalars(select(Touch)).one()
        assert touch.outbox_message_id is not None and touch.status == "queued"
    [got] = send(mail_db, smtp, MONDAY, 1)
    assert got.message["Subject"] == "Edited subject" and "edited" in got.message.get_body(("plain",)).get_content()
