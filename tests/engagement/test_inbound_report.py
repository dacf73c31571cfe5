"""The response-time report on hand-made timings whose medians, p90s and shares are worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from salesmind.core.db import Database
from salesmind.data.models import Activity, ActivityType, InboundSubmission, Lead
from salesmind.data.scope import Scope
from salesmind.engagement.inbound import response_time_report

from mail_world import mail_db, smtp  # noqa: F401
from inbound_world import NOW, Team, later, team  # noqa: F401

#: (day offset, source, owner attr, minutes to queued, minutes to sent)
ROWS = [(0, "web", "eve", 0.1, 1.0), (0, "web", "eve", 0.1, 3.0), (0, "web", "gus", 0.2, 4.0),
        (1, "api", "gus", 0.2, 9.0), (1, "api", "gus", 0.5, None), (1, "web", "eve", 0.3, None)]


def _world(db: Database, team: Team) -> list[int]:
    leads = []
    with db.transaction() as s:
        for i, (day, source, owner, queued, sent) in enumerate(ROWS):
            received = NOW + timedelta(days=day, minutes=i)
            lead = Lead(email=f"l{i}@x.example", owner_id=getattr(team, owner))
            s.add(lead)
            s.flush()
            leads.append(lead.id)
            s.add(InboundSubmission(received_at=received, source=source, lead_id=lead.id,
                                    routed_to_id=getattr(team, owner),
                                    reply_queued_at=received + timedelta(minutes=queued),
                                    reply_sent_at=None if sent is None else received + timedelta(minutes=sent)))
        # The owner called the fifth lead after it arrived: answered, though no reply was sent.
        s.add(Activity(type=ActivityType.CALL, occurred_at=NOW + timedelta(days=2), lead_id=leads[4],
                       user_id=team.gus))
        # Someone else's call does not count for the sixth.
        s.add(Activity(type=ActivityType.CALL, occurred_at=NOW + timedelta(days=2), lead_id=leads[5],
                       user_id=team.gus))
    return leads


def test_medians_p90_share_within_target_and_never_answered(mail_db: Database, team: Team) -> None:
    leads = _world(mail_db, team)
    with mail_db.transaction() as s:
        report = response_time_report(s, Scope.everything(), start=NOW, end=later(60 * 72), target_minutes=5)
    overall = report.overall
    assert overall.submissions == 6
    assert overall.median_queued_minutes == pytest.approx(0.2)  # 0.1 0.1 0.2 0.2 0.3 0.5
    assert overall.median_sent_minutes == pytest.approx(3.5)  # 1 3 4 9
    assert overall.p90_sent_minutes == pytest.approx(4 + 0.7 * 5)  # numpy linear: rank 2.7 between 4 and 9
    assert overall.share_within_target == pytest.approx(3 / 6)  # the unanswered count as late
    assert overall.never_answered == 1 and report.never_answered_leads == [leads[5]]
    by_source = {g.label: g for g in report.by_source}
    assert by_source["web"].submissions == 4 and by_source["web"].share_within_target == pytest.approx(3 / 4)
    assert by_source["api"].median_sent_minutes == pytest.approx(9.0)
    by_owner = {g.label: g for g in report.by_owner}
    assert by_owner["Eve"].never_answered == 1 and by_owner["Gus"].never_answered == 0
    assert [(d.label, d.submissions, d.share_within_target) for d in report.daily] == [
        ("2024-06-03", 3, 1.0), ("2024-06-04", 3, 0.0)]
    assert sorted(report.sent_minutes) == [1.0, 3.0, 4.0, 9.0]


def test_a_reps_report_holds_only_their_leads_and_an_empty_period_is_empty(mail_db: Database, team: Team) -> None:
    _world(mail_db, team)
    eve_only = Scope(user_id=team.eve, role=Scope.everything().role, owner_ids=frozenset({team.eve}))
    with mail_db.transaction() as s:
        mine = response_time_report(s, eve_only, start=NOW, end=later(60 * 72), target_minutes=5)
        empty = response_time_report(s, Scope.everything(), start=later(-600), end=NOW, target_minutes=5)
    assert mine.overall.submissions == 3 and {g.label for g in mine.by_owner} == {"Eve"}
    assert empty.overall.submissions == 0 and empty.overall.median_sent_minutes is None
    assert empty.overall.share_within_target is None and empty.daily == []


def test_a_reply_sent_by_cron_counts_before_its_time_is_recorded(mail_db: Database, smtp, team: Team) -> None:
    from salesmind.engagement.inbound import handle_submission
    from salesmind.engagement.mail.outbox import deliver

    from mail_world import rng, transport
    from inbound_world import form

    handle_submission(mail_db, form(), source="web", now=NOW)
    deliver(mail_db, transport(mail_db.settings), now=later(3), rng=rng())  # no record_sent_replies
    with mail_db.transaction() as s:
        report = response_time_report(s, Scope.everything(), start=NOW, end=later(60), target_minutes=5)
    assert report.overall.median_sent_minutes == pytest.approx(3.0) and report.overall.never_answered == 0
