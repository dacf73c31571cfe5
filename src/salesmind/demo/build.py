"""Build the demo company into a database: chunk by chunk, in bulk, deterministically."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.security import hash_password
from salesmind.core.timeutil import UTC, ensure_utc
from salesmind.demo import catalog
from salesmind.demo.causal import CAUSAL, CausalModel
from salesmind.demo.context import HISTORY_DAYS, SIZES, Context, DemoSize, Progress
from salesmind.demo.conversations import Transcripts, deal_calls, lead_threads
from salesmind.demo.customers import simulate_customers
from salesmind.demo.deals import Contacts, Deals, history_records, open_deals, simulate_deals
from salesmind.demo.events import EventLog
from salesmind.demo.journeys import Leads, arrival_days, make_leads, simulate_journeys
from salesmind.demo.org import PASSWORD, build_catalog, build_org
from salesmind.demo.people import ACCOUNTS_PER_LEAD, Accounts, make_accounts, size_band_of, write_accounts
from salesmind.demo.writer import Clock, ensure_empty, rows, sync_sequences


@dataclass(frozen=True)
class DemoSummary:
    """What was built: size, seed, cut-off, time taken, rows per table and the login accounts."""

    size: str
    seed: int
    as_of: datetime
    seconds: float
    counts: dict[str, int]
    logins: list[dict[str, str]] = field(default_factory=list)
    password: str = PASSWORD
    #: the reps' hidden skill by email (ground truth for coaching and performance analytics)
    rep_skill: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {"size": self.size, "seed": self.seed, "as_of": self.as_of.isoformat(),
                "seconds": round(self.seconds, 2), "counts": dict(self.counts), "logins": self.logins,
                "password": self.password, "rep_skill": self.rep_skill}


def resolve_size(size: str | DemoSize) -> DemoSize:
    """The size called ``size`` (small, medium, large) or a custom :class:`DemoSize`."""
    if isinstance(size, DemoSize):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise UserInputError(f"unknown demo size {size!r}: use one of {', '.join(SIZES)}") from None


def build_demo(database: Database, size: str | DemoSize = "small", seed: int = 42, *,
               as_of: date | datetime, progress: Progress | None = None,
               causal: CausalModel = CAUSAL) -> DemoSummary:
    """Simulate the demo company up to ``as_of`` and write it into an empty ``database``."""
    spec = resolve_size(size)
    end_time = _as_of(as_of)
    ensure_empty(database)
    started = time.perf_counter()
    report = progress or (lambda step, done, total: None)
    origin = end_time - timedelta(days=HISTORY_DAYS)
    password_hash = hash_password(PASSWORD)  # once: Argon2 is slow by design
    with database.engine.connect() as conn:
        ctx = Context(seed=seed, size=spec, causal=causal, clock=Clock(origin), end=float(HISTORY_DAYS), conn=conn)
        report("organisation", 0, 1)
        logins = build_org(ctx, password_hash)
        build_catalog(ctx)
        conn.commit()
        report("organisation", 1, 1)
        created = np.sort(arrival_days(ctx, spec.leads))
        n_chunks = max(1, int(np.ceil(spec.leads / spec.chunk_leads)))
        for k, chunk in enumerate(np.array_split(created, n_chunks)):
            _build_chunk(ctx, k, chunk)
            conn.commit()
            report("leads", min(spec.leads, (k + 1) * int(np.ceil(spec.leads / n_chunks))), spec.leads)
    sync_sequences(database)
    return DemoSummary(size=spec.name, seed=seed, as_of=end_time, seconds=time.perf_counter() - started,
                       counts=dict(sorted(ctx.counts.items())),
                       logins=[{"role": r, "name": n, "email": e} for r, n, e in logins],
                       rep_skill={e: round(float(k), 3) for e, k in zip(ctx.team.emails, ctx.team.skill)})


def _as_of(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return ensure_utc(value, "UTC")
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _build_chunk(ctx: Context, k: int, created: np.ndarray) -> None:
    """Simulate one slice of leads with everything that follows from them, then write it."""
    rng = ctx.rng(10, k)
    n_acc = max(1, min(len(created), int(round(len(created) * ACCOUNTS_PER_LEAD))))
    acc = make_accounts(ctx, rng, n_acc)
    leads = make_leads(ctx, rng, created, acc)
    first_seen = np.full(n_acc, np.inf)
    np.minimum.at(first_seen, leads.account, leads.created)
    acc.created = first_seen - rng.uniform(0.0, 30.0, n_acc)
    log, talk = EventLog(), Transcripts()
    replies = simulate_journeys(ctx, rng, leads, acc, log)
    lead_threads(ctx, rng, leads, replies, log, talk)
    deals, contacts = open_deals(ctx, rng, leads, acc)
    simulate_deals(ctx, rng, deals, log)
    deal_calls(ctx, rng, deals, contacts, log, talk)
    customers = simulate_customers(ctx, rng, deals, contacts, acc, log)

    write_accounts(ctx, acc)
    ctx.insert("contacts", _contact_records(ctx, contacts, acc))
    ctx.insert("opportunities", _deal_records(ctx, deals))
    ctx.insert("leads", _lead_records(ctx, leads, acc, deals))
    ctx.insert("opportunity_history", history_records(deals, ctx))
    ctx.insert("opportunity_contacts", _deal_contact_records(ctx, deals))
    talk.write(ctx)
    log.write(ctx)
    for name in ("subscriptions", "subscription_usage", "orders", "order_lines", "support_tickets", "nps_responses"):
        ctx.insert(name, customers.get(name, []))


def _contact_records(ctx: Context, c: Contacts, acc: Accounts) -> list[dict]:
    created = ctx.clock.times(c.created)
    return rows({
        "id": c.ids, "external_id": [f"demo-contact-{i}" for i in c.ids.tolist()], "account_id": acc.ids[c.account],
        "first_name": c.first, "last_name": c.last, "email": c.email, "phone": c.phone, "title": c.title,
        "seniority": c.seniority, "department": c.department, "timezone": acc.timezone[c.account],
        "consent_email": c.consent & ~c.do_not_contact,
        "consent_source": np.where(c.consent, "web form", None).astype(object),
        "consent_at": np.where(c.consent, created, None).astype(object), "do_not_contact": c.do_not_contact,
        "owner_id": ctx.team.ids[c.owner], "created_at": created, "updated_at": created})


def _deal_records(ctx: Context, d: Deals) -> list[dict]:
    created = ctx.clock.times(d.created)
    closed = [None if np.isnan(x) else t for x, t in zip(d.closed, ctx.clock.times(np.nan_to_num(d.closed)))]
    last_change: dict[int, datetime] = {}
    for opp_id, when, *_ in d.history:
        last_change[int(opp_id)] = when
    updated = ctx.clock.times(np.array([last_change.get(int(i), c) for i, c in zip(d.ids, d.created)]))
    return rows({
        "id": d.ids, "external_id": [f"demo-opportunity-{i}" for i in d.ids.tolist()], "name": d.names,
        "account_id": d.account_id, "primary_contact_id": d.primary, "owner_id": ctx.team.ids[d.owner],
        "amount": [Decimal(f"{d.net_amount(i):.2f}") for i in range(len(d.ids))], "currency": ["USD"] * len(d.ids),
        "stage": d.stage, "expected_close_date": ctx.clock.dates(d.expected_close), "closed_at": closed,
        "outcome": d.outcome, "loss_reason": d.loss_reason,
        "competitor": [c or None for c in d.competitor],
        "discount_pct": [None if np.isnan(x) else Decimal(f"{x:.2f}") for x in d.discount],
        "lead_source": d.source, "product_id": [ctx.plan_ids[s] for s in d.segment],
        "created_at": created, "updated_at": updated})


def _deal_contact_records(ctx: Context, d: Deals) -> list[dict]:
    out = []
    for opp_id, people in zip(d.ids.tolist(), d.committee):
        for k, contact in enumerate(people.tolist()):
            role = "champion" if k == 0 else catalog.DEAL_ROLES[(k - 1) % len(catalog.DEAL_ROLES)]
            out.append({"id": ctx.ids.next("opportunity_contacts"), "opportunity_id": opp_id,
                        "contact_id": int(contact), "role": role})
    return out


def _lead_records(ctx: Context, leads: Leads, acc: Accounts, deals: Deals) -> list[dict]:
    n = len(leads.ids)
    end = ctx.end
    converted = leads.converted
    opp_of = np.full(n, None, dtype=object)
    contact_of = np.full(n, None, dtype=object)
    opp_of[deals.lead] = deals.ids.tolist()
    contact_of[deals.lead] = deals.primary.tolist()
    unsub = np.nan_to_num(leads.unsubscribed_at, nan=np.inf) < end
    dead = unsub | (np.nan_to_num(leads.bounced_at, nan=np.inf) < end)
    age = end - leads.created
    answered = np.nan_to_num(leads.first_response, nan=np.inf) < end
    parked = ctx.rng(11, int(leads.ids[0])).random(n) < 0.65
    status = np.select(
        [converted, dead, (age < 3) & ~answered, age < 45, leads.converts],
        ["converted", "disqualified", "new", "working", "qualified"],
        np.where(parked, "nurturing", "disqualified")).astype(object)
    band = size_band_of(acc.employees[leads.account])
    seed = ctx.rng(12, int(leads.ids[0]))
    use_case = seed.choice(np.array(catalog.USE_CASES, dtype=object), n)
    heard = seed.choice(np.array(catalog.HEARD_FROM, dtype=object), n)
    answers = [{"timeline": t, "team_size": b, "use_case": u, "heard_from": h} if inbound else None
               for inbound, t, b, u, h in zip(leads.inbound, leads.timeline, band, use_case, heard)]
    consent = leads.inbound & (seed.random(n) < 0.8) | (~leads.inbound & (seed.random(n) < 0.2))
    created = ctx.clock.times(leads.created)
    response = ctx.clock.times(np.nan_to_num(leads.first_response))
    conv_times = ctx.clock.times(np.nan_to_num(leads.converted_at))
    p = leads.person
    return rows({
        "id": leads.ids, "external_id": [f"demo-lead-{i}" for i in leads.ids.tolist()], "first_name": p.first,
        "last_name": p.last, "email": p.email, "phone": p.phone, "company": acc.name[leads.account], "title": p.title,
        "seniority": p.seniority, "industry": acc.industry[leads.account], "employees": acc.employees[leads.account],
        "country": acc.country[leads.account], "region": acc.region[leads.account],
        "timezone": acc.timezone[leads.account], "source": leads.source, "status": status,
        "owner_id": ctx.team.ids[leads.owner], "account_id": acc.ids[leads.account],
        "converted_at": np.where(converted, conv_times, None).astype(object), "converted_contact_id": contact_of,
        "converted_opportunity_id": opp_of,
        "first_response_at": np.where(answered, response, None).astype(object), "form_answers": answers,
        "consent_email": consent & ~unsub, "do_not_contact": unsub, "created_at": created,
        "updated_at": np.where(converted, conv_times, created).astype(object)})
