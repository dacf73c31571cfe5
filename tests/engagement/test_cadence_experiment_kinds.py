"""Template and send-time experiments beside subject lines: validation per kind, the engine's use of each arm
(the chosen template arrives through SMTP, the send moment moves into the chosen local window) and rewards that
reach every experiment of a touch once, in the lead's segment."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from cadence_world import MONDAY, World, days, eml, enrol_lead, mail_db, run_tick, send, smtp, world  # noqa: F401
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import Lead
from salesmind.data.models.cadences import Experiment, Task
from salesmind.data.models.outreach import OutboxMessage
from salesmind.data.scope import Scope
from salesmind.engagement.cadences import create_experiment, create_sequence, steps_of, stop_experiment
from salesmind.engagement.cadences.arms import arm_window, describe_arm
from salesmind.engagement.cadences.reports import experiment_report
from salesmind.engagement.cadences.tasks import complete_task
from salesmind.engagement.cadences.windows import zone_named
from salesmind.engagement.drafts import template_library
from salesmind.engagement.drafts.context import lead_slots
from salesmind.engagement.mail.inbound import process_inbound
from salesmind.engagement.mail.loopback import LoopbackSMTP

ONE_EMAIL = [{"kind": "email", "template": "intro"}]


def one_email_step(db: Database, name: str = "One email", manual: bool = False) -> tuple[int, int]:
    """A sequence with a single email step: (sequence id, step id)."""
    with db.transaction() as s:
        seq = create_sequence(s, name, [{**ONE_EMAIL[0], "manual": manual}]).id
        return seq, steps_of(s, seq)[0].id


@pytest.mark.parametrize("kind, arms, message", [
    ("colour", ["a", "b"], "kind must be one of"),
    ("template", ["intro", "no_such_template"], "unknown template 'no_such_template'"),
    ("send_time", ["morning", "noon"], "must be one of morning, midday, afternoon, evening"),
    ("send_time", ["morning", "15:00-14:00"], "start must be before the end"),
    ("send_time", ["morning", "14:00-25:00"], "not a time of day"),
    ("send_time", ["evening", "Evening"], "at least two distinct arms"),
    ("subject", ["one\nline", "two"], "one subject line"),
])
def test_each_kind_refuses_arms_it_cannot_use(mail_db: Database, world: World, kind: str, arms: list[str],
                                              message: str) -> None:
    _, step_id = one_email_step(mail_db)
    with mail_db.transaction() as s, pytest.raises(UserInputError, match=message):
        create_experiment(s, step_id=step_id, kind=kind, arms=arms, settings=mail_db.settings)


def test_one_running_experiment_per_step_and_kind_and_no_send_times_on_manual_steps(mail_db: Database,
                                                                                   world: World) -> None:
    _, step_id = one_email_step(mail_db)
    with mail_db.transaction() as s:
        subject = create_experiment(s, step_id=step_id, arms=["A", "B"])
        timed = create_experiment(s, step_id=step_id, kind="send_time", arms=["Morning", "08:30-10:00"],
                                  settings=mail_db.settings)
        template = create_experiment(s, step_id=step_id, kind="template", arms=["value", "break_up"],
                                     settings=mail_db.settings)
        assert (subject.kind, timed.kind, template.kind) == ("subject", "send_time", "template")
        assert timed.arms == ["morning", "08:30-10:00"] and timed.control_arm == "morning"
        assert len({subject.name, timed.name, template.name}) == 3
    with mail_db.transaction() as s, pytest.raises(UserInputError, match="already has a running send_time"):
        create_experiment(s, step_id=step_id, kind="send_time", arms=["midday", "evening"])
    with mail_db.transaction() as s:
        stop_experiment(s, timed.id)
        assert create_experiment(s, step_id=step_id, kind="send_time", arms=["midday", "evening"],
                                 name="later").status == "running"
        with pytest.raises(UserInputError, match="already stopped"):
            stop_experiment(s, timed.id)
    _, manual = one_email_step(mail_db, "Manual", manual=True)
    with mail_db.transaction() as s, pytest.raises(UserInputError, match="manual email"):
        create_experiment(s, step_id=manual, kind="send_time", arms=["midday", "evening"])


def test_a_template_experiment_renders_the_chosen_template(mail_db: Database, smtp: LoopbackSMTP,
                                                           world: World) -> None:
    seq, step_id = one_email_step(mail_db)
    with mail_db.transaction() as s:
        exp = create_experiment(s, step_id=step_id, kind="template", arms=["value", "break_up"], control_share=0.0,
                                min_samples=0, settings=mail_db.settings).id
    enrol_lead(mail_db, seq, world.lea)
    enrol_lead(mail_db, seq, world.leo)
    assert run_tick(mail_db, MONDAY).emails == 2
    received = {r.rcpt_tos[0]: r.message for r in send(mail_db, smtp, MONDAY, 2)}
    library = template_library(mail_db.settings)
    with mail_db.transaction() as s:
        for message in s.scalars(select(OutboxMessage)):
            pick = message.details["experiments"]["template"]
            assert pick["id"] == exp and pick["arm"] in ("value", "break_up")
            lead = s.scalar(select(Lead).where(Lead.email == message.to_address))
            expected = library.render(pick["arm"], lead_slots(s, lead, MONDAY, None))
            got = received[message.to_address]
            assert got["Subject"] == expected.subject != library.render("intro", lead_slots(s, lead, MONDAY,
                                                                                            None)).subject
            assert expected.text.splitlines()[2] in got.get_body(("plain",)).get_content()


@pytest.mark.parametrize("monday", [MONDAY, datetime(2024, 1, 8, 13, 0, tzinfo=UTC)], ids=["summer", "winter"])
def test_a_send_time_experiment_queues_the_email_in_the_chosen_local_window(mail_db: Database, world: World,
                                                                           monday: datetime) -> None:
    seq, step_id = one_email_step(mail_db)
    with mail_db.transaction() as s:
        s.get(Lead, world.lea).timezone = "America/New_York"
        s.get(Lead, world.leo).timezone = "America/New_York"
        create_experiment(s, step_id=step_id, kind="send_time", arms=["afternoon", "evening"], control_share=0.0,
                          min_samples=0)
    enrol_lead(mail_db, seq, world.lea, monday)
    enrol_lead(mail_db, seq, world.leo, monday)
    run_tick(mail_db, monday)  # 08:00 in New York (EDT in June, EST in January): the sequence's window is open
    zone = zone_named("America/New_York")
    with mail_db.transaction() as s:
        messages = list(s.scalars(select(OutboxMessage)))
        assert len(messages) == 2
        for message in messages:
            arm = message.details["experiments"]["send_time"]["arm"]
            local = message.send_after.replace(tzinfo=UTC).astimezone(zone)
            opens = {"afternoon": time(14, 0), "evening": time(17, 0)}[arm]
            assert (local.date(), local.time()) == (monday.date(), opens)  # the window's opening, same local day
    window = arm_window("afternoon", (0, 1, 2, 3, 4))
    assert (window.start, window.end) == (time(14, 0), time(17, 0))
    assert describe_arm("send_time", "13:15-15:45") == "13:15-15:45 recipient's local time"


def test_rewards_reach_every_experiment_of_a_touch_once_in_the_leads_segment(mail_db: Database, smtp: LoopbackSMTP,
                                                                             world: World) -> None:
    seq, step_id = one_email_step(mail_db)
    with mail_db.transaction() as s:
        ids = {kind: create_experiment(s, step_id=step_id, kind=kind, arms=arms, control_share=0.0, min_samples=0,
                                       segment_by="industry" if kind == "template" else None,
                                       settings=mail_db.settings).id
               for kind, arms in (("subject", ["Hi {first_name}", "An idea for {company}"]),
                                  ("template", ["value", "break_up"]), ("send_time", ["morning", "afternoon"]))}
    enrol_lead(mail_db, seq, world.lea)  # Software
    enrol_lead(mail_db, seq, world.leo)  # Retail
    run_tick(mail_db, MONDAY)
    received = send(mail_db, smtp, MONDAY + days(1.5), 2)
    to_lea = next(r for r in received if r.rcpt_tos == ["lea@buyer.example"])
    process_inbound(mail_db, eml("reply.eml", to_lea.message["Message-ID"]), classify=False, now=MONDAY + days(2))
    assert run_tick(mail_db, MONDAY + days(2)).settled == 1  # Lea replied: a success for her three arms
    assert run_tick(mail_db, MONDAY + days(10)).settled == 1  # Leo: no reply after seven days, a failure
    assert run_tick(mail_db, MONDAY + days(11)).settled == 0
    with mail_db.transaction() as s:
        picks = {m.to_address: m.details["experiments"] for m in s.scalars(select(OutboxMessage))}
        states = {kind: s.get(Experiment, i).state for kind, i in ids.items()}
        reports = {kind: experiment_report(s, i) for kind, i in ids.items()}
    for kind, state in states.items():
        counts = state["segments"].values()  # a segmented bandit keeps per-segment counts (pooled = their sum)
        assert (sum(sum(c["sends"]) for c in counts), sum(sum(c["successes"]) for c in counts)) == (2, 1), kind
        lea_arm = picks["lea@buyer.example"][kind]["arm"]
        assert {a.arm: a.successes for a in reports[kind].arms}[lea_arm] == 1
        assert reports[kind].kind == kind
    segments = states["template"]["segments"]
    arms = states["template"]["params"]["arms"]
    lea_index = arms.index(picks["lea@buyer.example"]["template"]["arm"])
    leo_index = arms.index(picks["leo@other.example"]["template"]["arm"])
    assert segments["Software"]["sends"][lea_index] == 1 and segments["Software"]["successes"][lea_index] == 1
    assert segments["Retail"]["sends"][leo_index] == 1 and sum(segments["Retail"]["successes"]) == 0
    assert set(states["subject"]["segments"]) == {"__all__"}  # not segmented: pooled only


def test_a_manual_step_keeps_its_arms_until_sent_and_drops_the_subject_the_rep_rewrote(mail_db: Database,
                                                                                      world: World) -> None:
    seq, step_id = one_email_step(mail_db, manual=True)
    with mail_db.transaction() as s:
        ids = {kind: create_experiment(s, step_id=step_id, kind=kind, arms=arms, control_share=0.0, min_samples=0,
                                       settings=mail_db.settings).id
               for kind, arms in (("subject", ["Hi {first_name}", "Hello"]), ("template", ["value", "break_up"]))}
    enrol_lead(mail_db, seq, world.lea)
    assert run_tick(mail_db, MONDAY).tasks == 1
    with mail_db.transaction() as s:
        task = s.scalar(select(Task))
        assert {k: v["id"] for k, v in task.details["experiments"].items()} == ids
        assert task.details["template"] == task.details["experiments"]["template"]["arm"]
        complete_task(s, Scope.everything(), task.id, MONDAY, subject="My own subject line")
        message = s.scalar(select(OutboxMessage))
        assert set(message.details["experiments"]) == {"template"}  # the rewritten subject is not the arm tested
