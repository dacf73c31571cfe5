"""Everything known about one person, exported or erased across every table (GDPR and CCPA requests).

A person is found by email: the leads and contacts with that address (and the leads converted into,
or from, those contacts), then everything linked to them: activities, email threads and messages
(linked, or sent from or to the address), the call participants that were them and the utterances
they spoke, deal roles, orders, tickets, NPS answers, stored features and model predictions with
their feedback. Any other row whose text mentions the address or the person's full name is a
*mention*.

Engagement records are the person's too: queued and sent outbox messages (by person or address),
cadence enrolments and tasks about them, meetings they booked, and their form submissions.

Erasure deletes what is only about the person and anonymises what the business must keep:
utterances become ``[erased]`` (the call's other speakers remain), orders keep their totals but
lose the contact, tickets and NPS answers keep their scores and dates but lose the contact and the
person's own words, deals lose the link to the person, outbox messages (sent or still queued, so
nothing more goes out), enrolments and tasks are deleted, a booked meeting stays on the rep's
calendar without the visitor's name, address or notes, and a form submission keeps its timings
(the response-time report) without its answers. The suppression list holds address hashes only
and is kept, so an erased person who unsubscribed is still never mailed. Mentions are rewritten with ``[erased]``
in place of the address or name. Staff accounts (``users``, ``api_keys``) are never changed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Iterator

from pydantic import TypeAdapter
from sqlalchemy import JSON, String, Table, Text, and_, cast, delete, exists, func, or_, select, update
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.data.models import (
    Activity,
    Base,
    Booking,
    Call,
    CallParticipant,
    Contact,
    EmailMessage,
    EmailThread,
    Enrolment,
    FeatureSnapshot,
    InboundSubmission,
    Lead,
    ModelPrediction,
    NpsResponse,
    Opportunity,
    OpportunityContact,
    Order,
    OrderLine,
    OutboxMessage,
    PredictionFeedback,
    ReplyClassification,
    SupportTicket,
    Task,
    User,
    Utterance,
)

ERASED = "[erased]"
STAFF_TABLES = frozenset({"users", "api_keys"})  # logins are managed by the users commands

LEADS = Lead.__table__
CONTACTS = Contact.__table__
ACTIVITIES = Activity.__table__
THREADS = EmailThread.__table__
MESSAGES = EmailMessage.__table__
REPLIES = ReplyClassification.__table__
CALLS = Call.__table__
PARTICIPANTS = CallParticipant.__table__
UTTERANCES = Utterance.__table__
DEAL_ROLES = OpportunityContact.__table__
DEALS = Opportunity.__table__
ORDERS = Order.__table__
ORDER_LINES = OrderLine.__table__
TICKETS = SupportTicket.__table__
NPS = NpsResponse.__table__
SNAPSHOTS = FeatureSnapshot.__table__
PREDICTIONS = ModelPrediction.__table__
FEEDBACK = PredictionFeedback.__table__
USERS = User.__table__
OUTBOX = OutboxMessage.__table__
BOOKINGS = Booking.__table__
ENROLMENTS = Enrolment.__table__
TASKS = Task.__table__
SUBMISSIONS = InboundSubmission.__table__


@dataclass
class Footprint:
    """The ids of every row about one person, by table, and the strings that identify them."""

    email: str
    names: list[str]
    ids: dict[str, set[int]]
    linked_threads: set[int]

    def of(self, table: Table) -> set[int]:
        """Ids found in ``table`` (empty when none)."""
        return self.ids.get(table.name, set())

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        """Regular expressions matching the address and each full name as whole words."""
        return [_address_pattern(self.email)] + [re.compile(rf"\b{re.escape(n)}\b", re.IGNORECASE)
                                                 for n in self.names]


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure changed: rows deleted and rows anonymised, by table."""

    email: str
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows changed in all."""
        return sum(self.deleted.values()) + sum(self.anonymised.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready content (the same the API returns)."""
        return _REPORT.dump_python(self, mode="json")


_REPORT: TypeAdapter[ErasureReport] = TypeAdapter(ErasureReport)


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed address, or a clear error when it is not one."""
    cleaned = (email or "").strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", cleaned):
        raise UserInputError(f"{email!r} is not an email address")
    return cleaned


def find_person(session: Session, email: str) -> Footprint:
    """Every row about the person with this email address."""
    address = normalise_email(email)
    lead_ids = _ids(session, LEADS, func.lower(func.trim(LEADS.c.email)) == address)
    contact_ids = _ids(session, CONTACTS, func.lower(func.trim(CONTACTS.c.email)) == address)
    contact_ids |= set(session.scalars(select(LEADS.c.converted_contact_id).where(
        LEADS.c.id.in_(lead_ids), LEADS.c.converted_contact_id.is_not(None))))
    lead_ids |= _ids(session, LEADS, LEADS.c.converted_contact_id.in_(contact_ids))
    names = _full_names(session, lead_ids, contact_ids)
    ids: dict[str, set[int]] = {"leads": lead_ids, "contacts": contact_ids}

    def linked(table: Table, *conditions: Any) -> set[int]:
        ids[table.name] = _ids(session, table, or_(*conditions))
        return ids[table.name]

    def by_person(table: Table) -> list[Any]:
        return [table.c.lead_id.in_(lead_ids), table.c.contact_id.in_(contact_ids)]

    linked(ACTIVITIES, *by_person(ACTIVITIES))
    threads = _ids(session, THREADS, or_(*by_person(THREADS)))
    messages = linked(MESSAGES, MESSAGES.c.thread_id.in_(threads), *by_person(MESSAGES),
                      MESSAGES.c.id.in_(_messages_by_address(session, address)))
    linked(THREADS, THREADS.c.id.in_(threads),
           THREADS.c.id.in_(select(MESSAGES.c.thread_id).where(MESSAGES.c.id.in_(messages))))
    participants = linked(PARTICIPANTS, *by_person(PARTICIPANTS))
    linked(UTTERANCES, *_spoken_by(session, participants))
    linked(CALLS, CALLS.c.lead_id.in_(lead_ids),
           CALLS.c.id.in_(select(PARTICIPANTS.c.call_id).where(PARTICIPANTS.c.id.in_(participants))))
    roles = linked(DEAL_ROLES, DEAL_ROLES.c.contact_id.in_(contact_ids))
    linked(DEALS, DEALS.c.primary_contact_id.in_(contact_ids),
           DEALS.c.id.in_(select(DEAL_ROLES.c.opportunity_id).where(DEAL_ROLES.c.id.in_(roles))))
    orders = linked(ORDERS, ORDERS.c.contact_id.in_(contact_ids))
    linked(ORDER_LINES, ORDER_LINES.c.order_id.in_(orders))
    linked(TICKETS, TICKETS.c.contact_id.in_(contact_ids))
    linked(NPS, NPS.c.contact_id.in_(contact_ids))
    for t in (SNAPSHOTS, PREDICTIONS):
        linked(t, and_(t.c.entity_type == "lead", t.c.entity_id.in_(lead_ids)),
               and_(t.c.entity_type == "contact", t.c.entity_id.in_(contact_ids)))
    linked(FEEDBACK, FEEDBACK.c.prediction_id.in_(ids["model_predictions"]))
    linked(OUTBOX, *by_person(OUTBOX), func.lower(func.trim(OUTBOX.c.to_address)) == address)
    linked(BOOKINGS, *by_person(BOOKINGS), func.lower(func.trim(BOOKINGS.c.visitor_email)) == address)
    linked(ENROLMENTS, *by_person(ENROLMENTS))
    linked(TASKS, *by_person(TASKS))
    linked(SUBMISSIONS, SUBMISSIONS.c.lead_id.in_(lead_ids))
    return Footprint(email=address, names=names, ids=ids, linked_threads=threads)


def export_person(session: Session, email: str) -> dict[str, Any]:
    """Everything stored about one person, as JSON-ready data: records by table, then mentions."""
    person = find_person(session, email)
    records = {}
    for name, ids in sorted(person.ids.items()):
        table = Base.metadata.tables[name]
        rows = session.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id)).mappings()
        records[name] = [{key: _jsonable(value) for key, value in row.items()} for row in rows]
    mentions = [{"table": t, "id": i, "columns": sorted(cleaned)}
                for t, i, cleaned in _mentions(session, person) if i not in person.ids.get(t, ())]
    return {"email": person.email, "names": person.names,
            "counts": {name: len(rows) for name, rows in records.items() if rows},
            "records": records, "mentions": mentions}


def erase_person(session: Session, email: str) -> ErasureReport:
    """Delete or anonymise everything about one person, in the caller's transaction (idempotent)."""
    person = find_person(session, email)
    report = ErasureReport(email=person.email)
    out_deleted, out_anon = report.deleted, report.anonymised

    def drop(table: Table, ids: set[int]) -> None:
        _count(out_deleted, table, session.execute(delete(table).where(table.c.id.in_(ids))).rowcount)

    def blank(table: Table, where: Any, **values: Any) -> None:
        _count(out_anon, table, session.execute(update(table).where(where).values(**values)).rowcount)

    for table in (FEEDBACK, PREDICTIONS, SNAPSHOTS):
        drop(table, person.of(table))
    activities, messages = person.of(ACTIVITIES), person.of(MESSAGES)
    blank(ACTIVITIES, and_(ACTIVITIES.c.email_message_id.in_(messages), ACTIVITIES.c.id.not_in(activities)),
          email_message_id=None)
    drop(ACTIVITIES, activities)
    drop(REPLIES, _ids(session, REPLIES, REPLIES.c.email_message_id.in_(messages)))  # with its extractions
    drop(MESSAGES, messages)
    for row_id, extracted in _referrals_to(session, person.email):  # replies elsewhere naming the person as a referral
        blank(REPLIES, REPLIES.c.id == row_id, extracted={k: v for k, v in extracted.items() if k != "referral"})
    emptied = {t for t in person.of(THREADS) - person.linked_threads
               if not session.scalar(select(exists().where(MESSAGES.c.thread_id == t)))}
    drop(THREADS, person.linked_threads | emptied)
    blank(UTTERANCES, UTTERANCES.c.id.in_(person.of(UTTERANCES)), text=ERASED, speaker_label=ERASED)
    blank(PARTICIPANTS, PARTICIPANTS.c.id.in_(person.of(PARTICIPANTS)), name=None, speaker_label=ERASED,
          contact_id=None, lead_id=None)
    leads, contacts = person.of(LEADS), person.of(CONTACTS)
    blank(CALLS, CALLS.c.lead_id.in_(leads), lead_id=None)
    drop(DEAL_ROLES, person.of(DEAL_ROLES))
    blank(DEALS, DEALS.c.primary_contact_id.in_(contacts), primary_contact_id=None)
    blank(ORDERS, ORDERS.c.contact_id.in_(contacts), contact_id=None)
    blank(TICKETS, TICKETS.c.contact_id.in_(contacts), contact_id=None, body_text=None)
    blank(NPS, NPS.c.contact_id.in_(contacts), contact_id=None, comment=None)
    for table in (OUTBOX, ENROLMENTS, TASKS):
        drop(table, person.of(table))
    blank(BOOKINGS, BOOKINGS.c.id.in_(person.of(BOOKINGS)), visitor_name=None, visitor_email=ERASED, notes=None,
          lead_id=None, contact_id=None)
    blank(SUBMISSIONS, SUBMISSIONS.c.id.in_(person.of(SUBMISSIONS)), payload=None, lead_id=None)
    drop(LEADS, leads)
    drop(CONTACTS, contacts)
    for table_name, row_id, cleaned in list(_mentions(session, person)):
        table = Base.metadata.tables[table_name]
        blank(table, table.c.id == row_id, **cleaned)
    if session.scalar(select(exists().where(func.lower(USERS.c.email) == person.email))):
        report.notes.append("a salesmind login uses this address; it was left alone "
                            "(deactivate or delete the user separately)")
    session.expire_all()
    return report


def _full_names(session: Session, lead_ids: set[int], contact_ids: set[int]) -> list[str]:
    """Distinct 'First Last' names of the person (single names are too common to search for)."""
    names: set[str] = set()
    for table, ids in ((LEADS, lead_ids), (CONTACTS, contact_ids)):
        for first, last in session.execute(select(table.c.first_name, table.c.last_name)
                                           .where(table.c.id.in_(ids))):
            if first and last and first.strip() and last.strip():
                names.add(f"{first.strip()} {last.strip()}")
    return sorted(names)


def _messages_by_address(session: Session, address: str) -> set[int]:
    """Messages sent from or to the address (to-lists and 'Name <addr>' forms included)."""
    pattern, like = _address_pattern(address), f"%{_escape_like(address)}%"
    sender, to = MESSAGES.c.from_address, MESSAGES.c.to_address
    rows = session.execute(select(MESSAGES.c.id, sender, to).where(
        or_(sender.ilike(like, escape="\\"), to.ilike(like, escape="\\"))))
    return {i for i, came_from, went_to in rows
            if pattern.search(came_from or "") or pattern.search(went_to or "")}


def _referrals_to(session: Session, address: str) -> list[tuple[int, dict[str, Any]]]:
    """Reply classifications whose extracted referral is this address."""
    rows = session.execute(select(REPLIES.c.id, REPLIES.c.extracted).where(
        cast(REPLIES.c.extracted, Text).ilike(f"%{_escape_like(address)}%", escape="\\")))
    return [(i, e) for i, e in rows if str(((e or {}).get("referral") or {}).get("email", "")).lower() == address]


def _spoken_by(session: Session, participants: set[int]) -> list[Any]:
    """Conditions for the utterances of these participants, also those tied only by speaker label."""
    conditions: list[Any] = [UTTERANCES.c.participant_id.in_(participants)]
    for call_id, label in session.execute(select(PARTICIPANTS.c.call_id, PARTICIPANTS.c.speaker_label)
                                          .where(PARTICIPANTS.c.id.in_(participants))):
        conditions.append(and_(UTTERANCES.c.call_id == call_id, UTTERANCES.c.participant_id.is_(None),
                               UTTERANCES.c.speaker_label == label))
    return conditions


def _mentions(session: Session, person: Footprint) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Rows outside staff tables whose text names the person: table, id, and the cleaned values."""
    patterns = person.patterns
    likes = [f"%{_escape_like(n)}%" for n in (person.email, *person.names)]
    for table in Base.metadata.sorted_tables:
        if table.name in STAFF_TABLES:
            continue
        columns = [c for c in table.columns if isinstance(c.type, JSON)
                   or (isinstance(c.type, String) and not isinstance(c.type, SAEnum))]
        if not columns:
            continue
        searchable = [cast(c, Text) if isinstance(c.type, JSON) else c for c in columns]
        where = or_(*(s.ilike(like, escape="\\") for s in searchable for like in likes))
        for row in session.execute(select(table.c.id, *columns).where(where)):
            cleaned = {c.name: _scrub(v, patterns) for c, v in zip(columns, row[1:])}
            changed = {name: v for (name, v), old in zip(cleaned.items(), row[1:]) if v != old}
            if changed:
                yield table.name, row[0], changed


def _scrub(value: Any, patterns: list[re.Pattern[str]]) -> Any:
    """``value`` with every match replaced by [erased], inside JSON structures too."""
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(ERASED, value)
        return value
    if isinstance(value, dict):
        return {_scrub(k, patterns): _scrub(v, patterns) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, patterns) for v in value]
    return value


def _address_pattern(address: str) -> re.Pattern[str]:
    """The address as a whole word: not part of a longer one such as ``mary.jane@x.io``."""
    return re.compile(rf"(?<![\w.+-]){re.escape(address)}(?![\w-]|\.\w)", re.IGNORECASE)


def _ids(session: Session, table: Table, where: Any) -> set[int]:
    return set(session.scalars(select(table.c.id).where(where)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _count(counts: dict[str, int], table: Table, rows: int) -> None:
    if rows and rows > 0:
        counts[table.name] = counts.get(table.name, 0) + rows


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
