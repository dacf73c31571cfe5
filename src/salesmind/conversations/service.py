"""Calls as a service: import a transcript (roles resolved from the CRM), analyse calls, per-rep aggregates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from statistics import fmean
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from salesmind.conversations.metrics import call_metrics
from salesmind.conversations.redact import redact
from salesmind.conversations.sentiment import call_sentiment
from salesmind.conversations.topics import build_trackers, track_topics
from salesmind.conversations.transcripts import Segment, read_transcript
from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import (
    Call,
    CallAnalysis,
    CallParticipant,
    Contact,
    Lead,
    Opportunity,
    OpportunityContact,
    SpeakerRole,
    User,
    Utterance,
)
from salesmind.data.scope import Scope

#: Bumped when a metric's definition changes, so stored analyses can be told apart.
ANALYSIS_VERSION = "calls-1"
EMAIL_IN_LABEL = re.compile(r"[\w.%+-]+@[\w.-]+\.\w+")
BATCH = 200


def _keys(*values: str | None) -> set[str]:
    return {" ".join(v.lower().split()) for v in values if v and v.strip()}


def _label_keys(label: str) -> set[str]:
    """A speaker label's matchable forms: itself, and any email inside it (``Ana Ruiz <ana@x.com>``)."""
    keys = _keys(label)
    keys.update(m.lower() for m in EMAIL_IN_LABEL.findall(label))
    name = EMAIL_IN_LABEL.sub("", label).strip(" <>()")
    return keys | _keys(name)


@dataclass
class _Resolved:
    role: SpeakerRole
    user_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None


def resolve_roles(session: Session, speakers: Iterable[str],
                  opportunity: Opportunity | None) -> dict[str, _Resolved]:
    """Per speaker: rep when the name or email is a CRM user's; prospect when a contact or lead of the deal's account."""
    users: dict[str, int] = {}
    for user in session.scalars(select(User)):
        for k in _keys(user.name, user.email):
            users.setdefault(k, user.id)
    contacts: dict[str, int] = {}
    leads: dict[str, int] = {}
    if opportunity is not None:
        linked = select(OpportunityContact.contact_id).where(OpportunityContact.opportunity_id == opportunity.id)
        query = select(Contact).where(or_(Contact.id.in_(linked), Contact.id == opportunity.primary_contact_id,
                                          Contact.account_id == opportunity.account_id
                                          if opportunity.account_id is not None else False))
        for c in session.scalars(query):
            for k in _keys(c.email, f"{c.first_name or ''} {c.last_name or ''}"):
                contacts.setdefault(k, c.id)
        if opportunity.account_id is not None:
            for lead in session.scalars(select(Lead).where(Lead.account_id == opportunity.account_id)):
                for k in _keys(lead.email, f"{lead.first_name or ''} {lead.last_name or ''}"):
                    leads.setdefault(k, lead.id)
    resolved = {}
    for speaker in speakers:
        keys = _label_keys(speaker)
        user = next((users[k] for k in keys if k in users), None)
        contact = next((contacts[k] for k in keys if k in contacts), None)
        lead = next((leads[k] for k in keys if k in leads), None)
        if user is not None:
            resolved[speaker] = _Resolved(SpeakerRole.REP, user_id=user)
        elif contact is not None or lead is not None:
            resolved[speaker] = _Resolved(SpeakerRole.PROSPECT, contact_id=contact, lead_id=lead)
        else:
            resolved[speaker] = _Resolved(SpeakerRole.OTHER)
    return resolved


def import_transcript(database: Database, path: str | Path, *, started_at: datetime,
                      opportunity_id: int | None = None, title: str | None = None) -> Call:
    """Store a transcript file as a call with participants and utterances, all or nothing.

    Text (and speaker labels shown) are redacted when ``SALESMIND_REDACT_TRANSCRIPTS=1``.
    """
    segments = read_transcript(path)
    return store_transcript(database, segments, started_at=started_at, opportunity_id=opportunity_id,
                            title=title or Path(path).stem, source=f"import:{Path(path).suffix.lstrip('.').lower()}")


def store_transcript(database: Database, segments: Sequence[Segment], *, started_at: datetime,
                     opportunity_id: int | None = None, title: str | None = None, source: str = "import") -> Call:
    """Store parsed segments as a call in a transaction of its own (what :func:`import_transcript` does)."""
    with database.transaction() as session:
        return add_transcript(session, segments, started_at=started_at, opportunity_id=opportunity_id, title=title,
                              source=source, redact_text=database.settings.redact_transcripts)


def add_transcript(session: Session, segments: Sequence[Segment], *, started_at: datetime,
                   opportunity_id: int | None = None, title: str | None = None, source: str = "import",
                   redact_text: bool = False) -> Call:
    """Add a call with its participants (roles resolved) and utterances to ``session``."""
    if not segments:
        raise UserInputError("the transcript has no spoken text")
    clean = redact if redact_text else (lambda text: text)
    opportunity = None
    if opportunity_id is not None:
        opportunity = session.get(Opportunity, opportunity_id)
        if opportunity is None:
            raise UserInputError(f"opportunity {opportunity_id} does not exist")
    speakers = list(dict.fromkeys(s.speaker for s in segments))
    roles = resolve_roles(session, speakers, opportunity)
    rep_user = next((r.user_id for r in roles.values() if r.user_id is not None), None)
    start = min(s.start for s in segments)
    call = Call(title=title, started_at=started_at, duration_seconds=max(s.end for s in segments) - start,
                user_id=rep_user if rep_user is not None else (opportunity.owner_id if opportunity else None),
                opportunity_id=opportunity_id, account_id=opportunity.account_id if opportunity else None,
                source=source)
    parts = {}
    for speaker in speakers:
        r = roles[speaker]
        label = clean(speaker)
        parts[speaker] = CallParticipant(speaker_label=label, role=r.role, user_id=r.user_id,
                                         contact_id=r.contact_id, lead_id=r.lead_id, name=label)
        call.participants.append(parts[speaker])
    session.add(call)
    session.flush()
    for s in segments:
        call.utterances.append(Utterance(participant_id=parts[s.speaker].id, speaker_label=parts[s.speaker].speaker_label,
                                         start_seconds=s.start, end_seconds=s.end, text=clean(s.text)))
    session.flush()
    return call


def analyse_segments(segments: Sequence[Segment], roles: Mapping[str, str], call_day: date,
                     trackers: Mapping[str, Any], duration_seconds: float | None = None) -> dict[str, Any]:
    """Metrics, topics and sentiment of one call's segments (pure; what :func:`analyse_calls` stores)."""
    return {"metrics": call_metrics(segments, roles, duration_seconds),
            "topics": track_topics(segments, roles, trackers, call_day),
            "sentiment": call_sentiment(segments)}


def call_segments(call: Call) -> tuple[list[Segment], dict[str, str]]:
    """A stored call's utterances as segments, and each speaker's role."""
    roles = {p.speaker_label: str(p.role.value if hasattr(p.role, "value") else p.role) for p in call.participants}
    segments = [Segment(u.speaker_label, u.start_seconds, u.end_seconds, u.text) for u in call.utterances]
    return segments, roles


def crm_competitors(session: Session) -> list[str]:
    """The competitor names recorded on the CRM's deals."""
    return [c for c in session.scalars(select(Opportunity.competitor).distinct()) if c]


def analyse_calls(database: Database, call_ids: Sequence[int] | None = None,
                  custom_trackers: Mapping[str, Iterable[str]] | None = None) -> int:
    """Analyse calls (all when ``call_ids`` is None) and store one :class:`CallAnalysis` each; returns the count."""
    with database.transaction() as session:
        ids = list(call_ids) if call_ids is not None else list(session.scalars(select(Call.id).order_by(Call.id)))
        trackers = build_trackers(crm_competitors(session), custom_trackers)
    done = 0
    for i in range(0, len(ids), BATCH):
        with database.transaction() as session:
            done += analyse_in_session(session, ids[i:i + BATCH], trackers)
    return done


def analyse_in_session(session: Session, call_ids: Sequence[int], trackers: Mapping[str, Any] | None = None) -> int:
    """Analyse the given calls in ``session`` (trackers from the CRM when not given); returns how many."""
    if trackers is None:
        trackers = build_trackers(crm_competitors(session))
    calls = session.scalars(select(Call).where(Call.id.in_(call_ids))
                            .options(selectinload(Call.participants), selectinload(Call.utterances))).all()
    if len(calls) != len(set(call_ids)):
        missing = sorted(set(call_ids) - {c.id for c in calls})
        raise UserInputError(f"call {missing[0]} does not exist")
    existing = {a.call_id: a for a in session.scalars(select(CallAnalysis).where(CallAnalysis.call_id.in_(call_ids)))}
    done = 0
    for call in calls:
        segments, roles = call_segments(call)
        if not segments:
            continue
        result = analyse_segments(segments, roles, call.started_at.date(), trackers, call.duration_seconds)
        row = existing.get(call.id) or CallAnalysis(call_id=call.id)
        row.version, row.metrics = ANALYSIS_VERSION, result["metrics"]
        row.topics, row.sentiment = result["topics"], result["sentiment"]
        row.computed_at = datetime.now(tz=call.started_at.tzinfo)
        session.add(row)
        done += 1
    session.flush()
    return done


@dataclass(frozen=True)
class RepMetrics:
    """One rep's call metrics averaged over their analysed calls."""

    user_id: int
    name: str
    calls: int
    talk_ratio: float | None
    rep_questions: float | None
    patience_seconds: float | None
    interactivity: float | None
    longest_monologue_seconds: float | None
    rep_fillers_per_100_words: float | None


REP_FIELDS = ("talk_ratio", "rep_questions", "patience_seconds", "interactivity", "longest_monologue_seconds",
              "rep_fillers_per_100_words")


def rep_metrics(session: Session, scope: Scope, since: datetime | None = None) -> list[RepMetrics]:
    """Per rep in scope: the mean of each metric over their analysed calls (since ``since``), by name."""
    query = (select(Call.user_id, User.name, CallAnalysis.metrics).join(CallAnalysis, CallAnalysis.call_id == Call.id)
             .join(User, User.id == Call.user_id))
    if since is not None:
        query = query.where(Call.started_at >= since)
    rows: dict[int, tuple[str, list[dict[str, Any]]]] = {}
    for user_id, name, metrics in session.execute(scope.restrict(query, Call.user_id)):
        rows.setdefault(user_id, (name, []))[1].append(metrics)
    out = []
    for user_id, (name, items) in sorted(rows.items(), key=lambda kv: kv[1][0]):
        means = {}
        for f in REP_FIELDS:
            values = [m[f] for m in items if m.get(f) is not None]
            means[f] = fmean(values) if values else None
        out.append(RepMetrics(user_id=user_id, name=name, calls=len(items), **means))
    return out


def count_calls(session: Session) -> tuple[int, int]:
    """Calls stored and calls analysed."""
    return (session.scalar(select(func.count(Call.id))) or 0,
            session.scalar(select(func.count(CallAnalysis.id))) or 0)
