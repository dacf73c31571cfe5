"""The response-time report: how fast inbound leads got their first reply, by source, by owner and by day.

Times are minutes from the submission to the reply being queued and to the SMTP server accepting
it. Medians and 90th percentiles use linear interpolation (numpy's default). The share within the
target counts every submission in the denominator: one never answered counts as late. A lead is
"never answered" when it has no sent first reply and its owner logged no call or email to it since.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import Activity, ActivityType, Direction, EmailMessage, InboundSubmission, User
from salesmind.data.models.outreach import OutboxMessage
from salesmind.data.scope import Scope

OWNER_TOUCHES = (ActivityType.CALL, ActivityType.EMAIL_SENT)


@dataclass
class Timing:
    """One submission's timings (minutes; None when it did not happen)."""

    submission_id: int
    lead_id: int | None
    received_at: datetime
    source: str
    owner: str
    queued_minutes: float | None
    sent_minutes: float | None
    answered: bool


@dataclass
class Summary:
    """Counts and percentiles of one group of submissions."""

    label: str
    submissions: int
    median_queued_minutes: float | None
    p90_queued_minutes: float | None
    median_sent_minutes: float | None
    p90_sent_minutes: float | None
    share_within_target: float | None
    never_answered: int


@dataclass
class ResponseTimeReport:
    """The whole report for ``start`` (inclusive) to ``end`` (exclusive)."""

    start: datetime
    end: datetime
    target_minutes: float
    overall: Summary
    by_source: list[Summary]
    by_owner: list[Summary]
    daily: list[Summary]
    never_answered_leads: list[int] = field(default_factory=list)
    sent_minutes: list[float] = field(default_factory=list)


def _minutes(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else (later - earlier).total_seconds() / 60.0


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def summarise(label: str, timings: Iterable[Timing], target_minutes: float) -> Summary:
    """Counts, medians, 90th percentiles and the share answered within the target, of some timings."""
    rows = list(timings)
    queued = [t.queued_minutes for t in rows if t.queued_minutes is not None]
    sent = [t.sent_minutes for t in rows if t.sent_minutes is not None]
    within = sum(1 for m in sent if m <= target_minutes)
    return Summary(label, len(rows), _percentile(queued, 50), _percentile(queued, 90), _percentile(sent, 50),
                   _percentile(sent, 90), within / len(rows) if rows else None,
                   len({t.lead_id or -t.submission_id for t in rows if not t.answered}))


def _owner_touched(session: Session, subs: list[InboundSubmission]) -> set[int]:
    """Ids of submissions whose owner called or emailed the lead after it arrived (besides the first reply)."""
    leads = {s.lead_id for s in subs if s.lead_id is not None and s.routed_to_id is not None}
    if not leads:
        return set()
    touches: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for lead_id, user_id, at in session.execute(
            select(Activity.lead_id, Activity.user_id, Activity.occurred_at)
            .where(Activity.lead_id.in_(leads), Activity.type.in_(OWNER_TOUCHES))):
        touches[(lead_id, user_id)].append(at)
    for lead_id, user_id, at in session.execute(
            select(EmailMessage.lead_id, EmailMessage.user_id, EmailMessage.sent_at)
            .where(EmailMessage.lead_id.in_(leads), EmailMessage.direction == Direction.OUTBOUND)):
        touches[(lead_id, user_id)].append(at)
    return {s.id for s in subs if any(at is not None and at >= s.received_at
                                      for at in touches.get((s.lead_id, s.routed_to_id), []))}


def submission_timings(session: Session, scope: Scope, start: datetime, end: datetime) -> list[Timing]:
    """The timings of every visible submission received in [start, end), oldest first."""
    stmt = (select(InboundSubmission, OutboxMessage.sent_at)
            .outerjoin(OutboxMessage, OutboxMessage.id == InboundSubmission.first_reply_id)
            .where(InboundSubmission.received_at >= start, InboundSubmission.received_at < end))
    rows = session.execute(scope.restrict(stmt, InboundSubmission.routed_to_id)
                           .order_by(InboundSubmission.received_at, InboundSubmission.id)).all()
    # The outbox's send time counts even before record_sent_replies has copied it (mail sent by cron).
    sent = {s.id: s.reply_sent_at or at for s, at in rows}
    subs = [s for s, _ in rows]
    names = dict(session.execute(select(User.id, User.name).where(
        User.id.in_({s.routed_to_id for s in subs if s.routed_to_id is not None}))).all())
    touched = _owner_touched(session, subs)
    return [Timing(s.id, s.lead_id, s.received_at, s.source or "form", names.get(s.routed_to_id, "Unassigned"),
                   _minutes(s.reply_queued_at, s.received_at), _minutes(sent[s.id], s.received_at),
                   sent[s.id] is not None or s.id in touched) for s in subs]


def _grouped(timings: list[Timing], key: str, target: float) -> list[Summary]:
    groups: dict[str, list[Timing]] = defaultdict(list)
    for t in timings:
        groups[str(getattr(t, key))].append(t)
    return sorted((summarise(label, rows, target) for label, rows in groups.items()),
                  key=lambda s: (-s.submissions, s.label))


def response_time_report(session: Session, scope: Scope, *, start: datetime, end: datetime,
                         target_minutes: float) -> ResponseTimeReport:
    """Median and p90 minutes to the first reply (queued and sent), the share within target, leads never answered."""
    timings = submission_timings(session, scope, start, end)
    days: dict[date, list[Timing]] = defaultdict(list)
    for t in timings:
        days[t.received_at.date()].append(t)
    daily = [summarise(day.isoformat(), days[day], target_minutes) for day in sorted(days)]
    return ResponseTimeReport(
        start=start, end=end, target_minutes=target_minutes, overall=summarise("all", timings, target_minutes),
        by_source=_grouped(timings, "source", target_minutes), by_owner=_grouped(timings, "owner", target_minutes),
        daily=daily, never_answered_leads=sorted({t.lead_id for t in timings if not t.answered and t.lead_id}),
        sent_minutes=[t.sent_minutes for t in timings if t.sent_minutes is not None])


def recent_submissions(session: Session, scope: Scope, *, limit: int = 50) -> list[InboundSubmission]:
    """The newest visible submissions (those routed to the caller's reps; admins see all, unassigned included)."""
    stmt = scope.restrict(select(InboundSubmission), InboundSubmission.routed_to_id)
    return list(session.scalars(stmt.order_by(InboundSubmission.received_at.desc(), InboundSubmission.id.desc())
                                .limit(limit)))
