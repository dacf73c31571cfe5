"""A hand-made book for deal-health tests, with known answers.

Ann (team East, managed by Boss) owns the "sick" deal with Acme in negotiation, as of ``AS_OF``:

- created 90 days before; history: close date pushed 3 times (days 60, 40, 30 before);
- call A 50 days before: champion Carla speaks (sentiment +0.6), a next step, no competitors;
- an inbound email from Dan 25 days before, negative text;
- call B 20 days before: Dan speaks (sentiment -0.5), 2 competitor mentions, no next step;
- nothing about pricing on any call; nothing else after day 20, so the last touch is 20 days old.

Bob (team West, no manager) owns the "fine" deal with Beta in discovery: a meeting with champion
Eve 3 days before, a reply from Finn 5 days before, and a call 5 days before where pricing is
discussed, a next step agreed and Eve sounds positive (+0.5).

Both deals also have records dated after ``AS_OF`` (a call, an activity, a history row), which the
leak test removes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete

from salesmind.core.db import Database
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Call,
    CallAnalysis,
    CallParticipant,
    Contact,
    Direction,
    EmailMessage,
    EmailThread,
    Opportunity,
    OpportunityContact,
    OpportunityHistory,
    Role,
    SpeakerRole,
    Team,
    Utterance,
)
from salesmind.data.users import create_api_key, create_user

AS_OF = datetime(2025, 6, 1, tzinfo=timezone.utc)


def days_before(n: float) -> datetime:
    """``n`` days before AS_OF (negative: after)."""
    return AS_OF - timedelta(days=n)


@dataclass
class DealWorld:
    """Ids and API keys of the seeded book."""

    users: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    deals: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)


def _call(s, deal: Opportunity, at: datetime, rep_id: int, speaker: tuple[str, int], text: str,  # type: ignore[no-untyped-def]
          sentiment: float, competitors: int, next_step: bool) -> None:
    call = Call(title="call", started_at=at, duration_seconds=60.0, user_id=rep_id, opportunity_id=deal.id,
                account_id=deal.account_id)
    name, contact_id = speaker
    call.participants.append(CallParticipant(speaker_label=name, role=SpeakerRole.PROSPECT, contact_id=contact_id))
    call.participants.append(CallParticipant(speaker_label="Rep", role=SpeakerRole.REP, user_id=rep_id))
    s.add(call)
    s.flush()
    call.utterances.append(Utterance(participant_id=call.participants[0].id, speaker_label=name,
                                     start_seconds=0.0, end_seconds=30.0, text=text))
    topics = {"topics": {}, "objections": [],
              "competitor_mentions": [{"name": "Veloxa", "speaker": name, "at_seconds": 1.0}] * competitors,
              "next_steps": [{"text": "I will send it", "owner": "Rep"}] if next_step else []}
    s.add(CallAnalysis(call_id=call.id, version="test", metrics={}, topics=topics,
                       sentiment={"buckets": 4, "speakers": {name: {"overall": sentiment, "over_time": []},
                                                             "Rep": {"overall": 0.9, "over_time": []}}}))


def _history(s, deal: Opportunity, rows: list[tuple[float, str, date]]) -> None:  # type: ignore[no-untyped-def]
    for before, stage, close in rows:
        s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=days_before(before), stage=stage,
                                 amount=deal.amount, expected_close_date=close))


def seed_deals(database: Database) -> DealWorld:
    """Seed the book described in the module docstring."""
    world = DealWorld()
    with database.transaction() as s:
        admin = create_user(s, "admin@c.io", "Admin", Role.ADMIN)
        boss = create_user(s, "boss@c.io", "Boss", Role.MANAGER)
        east, west = Team(name="East", manager_id=boss.id), Team(name="West")
        s.add_all([east, west])
        s.flush()
        ann = create_user(s, "ann@c.io", "Ann Lee", Role.REP, team_id=east.id)
        bob = create_user(s, "bob@c.io", "Bob Kim", Role.REP, team_id=west.id)
        acme, beta = Account(name="Acme", owner_id=ann.id), Account(name="Beta", owner_id=bob.id)
        s.add_all([acme, beta])
        s.flush()
        people = {"carla": Contact(account_id=acme.id, first_name="Carla", last_name="Diaz", email="carla@acme.com"),
                  "dan": Contact(account_id=acme.id, first_name="Dan", last_name="Wu", email="dan@acme.com"),
                  "eve": Contact(account_id=beta.id, first_name="Eve", last_name="Ng", email="eve@beta.io"),
                  "finn": Contact(account_id=beta.id, first_name="Finn", last_name="Ode", email="finn@beta.io")}
        s.add_all(people.values())
        s.flush()
        sick = Opportunity(name="Acme platform", account_id=acme.id, owner_id=ann.id, stage="negotiation",
                           amount=100000, currency="USD", expected_close_date=date(2025, 6, 20),
                           created_at=days_before(90), primary_contact_id=people["dan"].id)
        fine = Opportunity(name="Beta pilot", account_id=beta.id, owner_id=bob.id, stage="discovery",
                           amount=20000, currency="USD", expected_close_date=date(2025, 7, 15),
                           created_at=days_before(30), primary_contact_id=people["eve"].id)
        s.add_all([sick, fine])
        s.flush()
        s.add_all([OpportunityContact(opportunity_id=sick.id, contact_id=people["carla"].id, role="champion"),
                   OpportunityContact(opportunity_id=sick.id, contact_id=people["dan"].id, role="decision_maker"),
                   OpportunityContact(opportunity_id=fine.id, contact_id=people["finn"].id, role="influencer")])
        _history(s, sick, [(90, "qualification", date(2025, 4, 1)), (60, "proposal", date(2025, 4, 20)),
                           (40, "negotiation", date(2025, 5, 10)), (30, "negotiation", date(2025, 6, 20)),
                           (-5, "negotiation", date(2025, 7, 30))])
        _history(s, fine, [(30, "qualification", date(2025, 7, 15)), (10, "discovery", date(2025, 7, 15)),
                           (-3, "discovery", date(2025, 8, 30))])
        _call(s, sick, days_before(50), ann.id, ("Carla Diaz", people["carla"].id),
              "This looks great, we love the product.", 0.6, 0, True)
        _call(s, sick, days_before(20), ann.id, ("Dan Wu", people["dan"].id),
              "We are also looking at Veloxa, they seem stronger.", -0.5, 2, False)
        thread = EmailThread(subject="Re: proposal", opportunity_id=sick.id, account_id=acme.id,
                             contact_id=people["dan"].id)
        s.add(thread)
        s.flush()
        s.add(EmailMessage(thread_id=thread.id, direction=Direction.INBOUND, from_address="dan@acme.com",
                           body_text="This is terrible and disappointing, we are very unhappy.",
                           sent_at=days_before(25), contact_id=people["dan"].id))
        _call(s, fine, days_before(5), bob.id, ("Eve Ng", people["eve"].id),
              "The price works for our budget. Let's meet on Friday.", 0.5, 0, True)
        s.add_all([Activity(type=ActivityType.MEETING, occurred_at=days_before(3), opportunity_id=fine.id,
                            contact_id=people["eve"].id, user_id=bob.id),
                   Activity(type=ActivityType.EMAIL_REPLIED, occurred_at=days_before(5), opportunity_id=fine.id,
                            contact_id=people["finn"].id),
                   Activity(type=ActivityType.EMAIL_SENT, occurred_at=days_before(45), opportunity_id=sick.id,
                            contact_id=people["carla"].id, user_id=ann.id)])
        # After the cut-off: a new meeting with Carla, a call with a next step and a push (the leak test removes them).
        s.add(Activity(type=ActivityType.MEETING, occurred_at=days_before(-2), opportunity_id=sick.id,
                       contact_id=people["carla"].id, user_id=ann.id))
        _call(s, sick, days_before(-3), ann.id, ("Carla Diaz", people["carla"].id),
              "Great, the price is fine, next step is signing.", 0.8, 0, True)
        for name, user in {"admin": admin, "boss": boss, "ann": ann, "bob": bob}.items():
            world.users[name] = user.id
            world.keys[name] = create_api_key(s, user, "tests")[1]
        world.deals = {"sick": sick.id, "fine": fine.id}
        world.contacts = {k: c.id for k, c in people.items()}
    return world


def delete_after(database: Database, cut: datetime) -> int:
    """Delete every dated record at or after ``cut``; returns how many rows went."""
    gone = 0
    with database.transaction() as s:
        for stmt in (delete(Activity).where(Activity.occurred_at >= cut),
                     delete(Call).where(Call.started_at >= cut),
                     delete(EmailMessage).where(EmailMessage.sent_at >= cut),
                     delete(OpportunityHistory).where(OpportunityHistory.changed_at >= cut)):
            gone += s.execute(stmt).rowcount
    return gone
