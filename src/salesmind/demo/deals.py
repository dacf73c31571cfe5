"""Opportunities from converted leads: stages, slips, discounts, competitors, outcomes.

Each deal walks the stage ladder under :class:`salesmind.demo.causal.DealModel`; every stage change
and every push of the expected close date becomes an ``opportunity_history`` row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import numpy as np

from salesmind.demo import catalog
from salesmind.demo.causal import sigmoid
from salesmind.demo.context import Context
from salesmind.demo.events import EventLog
from salesmind.demo.journeys import Leads
from salesmind.demo.people import Accounts, make_persons, segment_of

MAX_PUSHES = 12
EXTRA_CONTACTS = {"smb": (0, 2), "mid_market": (0, 3), "enterprise": (1, 4)}  # [low, high)


@dataclass
class Contacts:
    """Contacts of one chunk: converted leads first, then buying-committee members."""

    ids: np.ndarray
    account: np.ndarray
    first: np.ndarray
    last: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    title: np.ndarray
    seniority: np.ndarray
    department: np.ndarray
    created: np.ndarray
    consent: np.ndarray
    owner: np.ndarray
    do_not_contact: np.ndarray


@dataclass
class Deals:
    """The deals of one chunk, their histories and their people (arrays aligned by deal)."""

    ids: np.ndarray
    names: np.ndarray
    lead: np.ndarray
    account: np.ndarray
    account_id: np.ndarray
    owner: np.ndarray
    segment: np.ndarray
    source: np.ndarray
    competitor: np.ndarray
    created: np.ndarray
    list_amount: np.ndarray
    discount: np.ndarray
    primary: np.ndarray                 # contact id
    committee: list[np.ndarray]         # contact ids, primary first
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    stage: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    expected_close: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss_reason: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    stage_entries: list[list[float]] = field(default_factory=list)
    history: list[tuple] = field(default_factory=list)

    def net_amount(self, i: int) -> float:
        """Booked amount: list amount less the discount (once a proposal was made)."""
        d = self.discount[i]
        return float(np.round(self.list_amount[i] * (1.0 - (0.0 if np.isnan(d) else d) / 100.0), 2))


def open_deals(ctx: Context, rng: np.random.Generator, leads: Leads, acc: Accounts) -> tuple[Deals, Contacts]:
    """Create a contact and a deal for every lead converted before the end, with its committee."""
    conv = np.flatnonzero(leads.converted)
    m = len(conv)
    account = leads.account[conv]
    segment = segment_of(acc.employees[account])
    low = np.array([EXTRA_CONTACTS[s][0] for s in segment])
    high = np.array([EXTRA_CONTACTS[s][1] for s in segment])
    extra = low + (rng.random(m) * (high - low)).astype(int)
    n_contacts = m + int(extra.sum())
    contact_ids = ctx.ids.take("contacts", n_contacts)
    extra_account = np.repeat(account, extra)
    others = make_persons(rng, acc.domain[extra_account], contact_ids[m:],
                          rng.choice(np.array(catalog.SENIORITIES[:5], dtype=object), int(extra.sum()),
                                     p=[0.12, 0.2, 0.28, 0.25, 0.15]))
    p = leads.person
    created = np.concatenate([leads.converted_at[conv], np.repeat(leads.converted_at[conv], extra)
                              + rng.uniform(1.0, 20.0, int(extra.sum()))])
    contacts = Contacts(
        ids=contact_ids, account=np.concatenate([account, extra_account]),
        first=np.concatenate([p.first[conv], others.first]), last=np.concatenate([p.last[conv], others.last]),
        email=np.concatenate([p.email[conv], others.email]), phone=np.concatenate([p.phone[conv], others.phone]),
        title=np.concatenate([p.title[conv], others.title]),
        seniority=np.concatenate([p.seniority[conv], others.seniority]),
        department=np.concatenate([p.department[conv], others.department]), created=created,
        consent=np.concatenate([np.isnan(leads.unsubscribed_at[conv]), rng.random(int(extra.sum())) < 0.6]),
        owner=np.concatenate([leads.owner[conv], np.repeat(leads.owner[conv], extra)]),
        do_not_contact=np.zeros(n_contacts, dtype=bool))
    starts = m + np.concatenate([[0], np.cumsum(extra)[:-1]]) if m else np.zeros(0, dtype=int)
    committee = [np.concatenate([[contact_ids[i]], contact_ids[starts[i]:starts[i] + extra[i]]]) for i in range(m)]
    model = ctx.causal.deals
    comp_present = rng.random(m) < np.array([model.competitor_share[s] for s in segment])
    competitor = np.where(comp_present, rng.choice(np.array(catalog.COMPETITORS, dtype=object), m,
                                                   p=catalog.COMPETITOR_SHARE), "").astype(object)
    median = np.array([model.acv_median[s] for s in segment])
    amount = np.round(median * np.exp(rng.normal(0.0, model.acv_sigma, m)), -2)
    plan = {k: v[1].split()[-1] for k, v in catalog.PLANS.items()}
    names = np.array([f"{acc.name[a]} - {plan[s]}" for a, s in zip(account, segment)], dtype=object)
    deals = Deals(ids=ctx.ids.take("opportunities", m), names=names, lead=conv, account=account,
                  account_id=acc.ids[account], owner=leads.owner[conv],
                  segment=segment, source=leads.source[conv], competitor=competitor,
                  created=leads.converted_at[conv], list_amount=amount, discount=np.full(m, np.nan),
                  primary=contact_ids[:m], committee=committee)
    return deals, contacts


def simulate_deals(ctx: Context, rng: np.random.Generator, deals: Deals, log: EventLog) -> None:
    """Walk every deal through the stages to its close (or to the end), recording history."""
    model = ctx.causal.deals
    m = len(deals.ids)
    skill = ctx.team.skill[deals.owner]
    eta = (model.rep_skill * skill + np.array([model.competitor[c] for c in deals.competitor])
           + np.array([model.segment[s] for s in deals.segment])
           + np.array([model.source.get(s, 0.0) for s in deals.source])
           + model.extra_contact * np.minimum([len(c) - 1 for c in deals.committee], model.extra_contacts_cap))
    mult = np.array([model.cycle_multiplier[s] for s in deals.segment])
    dur = rng.gamma(2.0, 1.0, (m, 5)) * np.array(model.stage_days)[None, :] / 2.0 * mult[:, None]
    advance_u = rng.random((m, 5))
    loss_u = rng.uniform(0.5, 1.5, m)
    policy = (np.array([model.discount_base[s] for s in deals.segment])
              + model.discount_competitor * (deals.competitor != "") + model.discount_skill * skill
              + rng.normal(0.0, model.discount_sd, m))
    discount = np.round(np.clip(policy, 0.0, model.discount_max) * 2.0) / 2.0
    optimism = np.exp(rng.normal(model.optimism + model.optimism_skill * skill, 0.25))
    push_lag = rng.uniform(0.0, model.push_lag_days, (m, MAX_PUSHES))
    push_size = rng.uniform(14.0, 45.0, (m, MAX_PUSHES))
    pull_u, pull_to = rng.random(m), rng.uniform(0.5, model.pull_into_days, m)
    reason_u = rng.random((m, 2))
    deals.outcome = np.full(m, "open", dtype=object)
    deals.stage = np.full(m, "prospecting", dtype=object)
    deals.closed = np.full(m, np.nan)
    deals.expected_close = np.full(m, np.nan)
    deals.loss_reason = np.full(m, None, dtype=object)
    owner_ids = ctx.team.ids[deals.owner]
    for i in range(m):
        entries, won, lost_at, close = _walk(model, deals.created[i], dur[i], advance_u[i], eta[i],
                                             discount[i], loss_u[i])
        if won:
            close = _pull_to_quarter_end(ctx, model, close, entries[-1], pull_u[i], pull_to[i])
        est = first_est = deals.created[i] + (close - deals.created[i]) * optimism[i]
        events = [(entries[s], "stage", model.stages[s]) for s in range(len(entries))]
        for j in range(MAX_PUSHES):
            when = max(est, deals.created[i]) + push_lag[i, j]
            if when >= close:
                break
            est = max(est + push_size[i, j], when + 7.0)
            events.append((when, "push", est))
        final = "closed_won" if won else "closed_lost"
        events.append((close, "close", final))
        events.sort(key=lambda e: e[0])
        stage, est_now, amount = "prospecting", first_est, deals.list_amount[i]
        for when, kind, value in events:
            if when >= ctx.end:
                break
            if kind == "stage":
                stage = value
                if value == "proposal":
                    deals.discount[i] = discount[i]
                    amount = deals.net_amount(i)
            elif kind == "push":
                est_now = value
            else:
                stage, est_now = value, close
                deals.closed[i] = close
                deals.outcome[i] = "won" if won else "lost"
            deals.history.append((deals.ids[i], when, stage, amount, est_now, owner_ids[i]))
        deals.stage[i] = stage
        deals.expected_close[i] = est_now
        deals.stage_entries.append([e for e in entries if e < ctx.end])
        if deals.outcome[i] == "lost":
            deals.loss_reason[i] = _loss_reason(lost_at, deals.competitor[i], discount[i], reason_u[i])
        _deal_activities(rng, ctx, deals, i, entries, close, won, log, owner_ids[i])


def _walk(model, created: float, dur: np.ndarray, u: np.ndarray, eta: float, discount: float,
          loss_u: float) -> tuple[list[float], bool, int, float]:
    """Stage entry days, whether won, the stage index it was lost at (-1) and the close day."""
    entries = [created]
    t = created
    for s in range(5):
        logit = model.stage_intercept[s] + eta + (model.discount_per_point * discount if s == 4 else 0.0)
        if u[s] < sigmoid(logit):
            t += dur[s]
            if s < 4:
                entries.append(t)
        else:
            return entries, False, s, entries[s] + dur[s] * loss_u
    return entries, True, -1, t


def _pull_to_quarter_end(ctx: Context, model, close: float, last_entry: float, u: float, into: float) -> float:
    """Wins gather in the last weeks of a quarter: late-quarter ones wait, early-quarter ones are pulled in."""
    day = ctx.clock.origin.to_pydatetime() + timedelta(days=close)
    q_month = 3 * ((day.month - 1) // 3) + 1
    q_start = day.replace(month=q_month, day=1, hour=0, minute=0, second=0, microsecond=0)
    q_next = (q_start + timedelta(days=95)).replace(day=1)
    into_quarter = (day - q_start).total_seconds() / 86400.0
    left = (q_next - day).total_seconds() / 86400.0
    p = model.year_end_pull if q_next.month == 1 else model.quarter_end_pull
    if left < model.pull_window_days and left > into and u < p:
        return close + left - into
    p = model.year_end_pull if q_month == 1 else model.quarter_end_pull
    if into_quarter < model.pull_window_days and u < p:
        target = close - into_quarter - into
        if target > last_entry + 1.0:
            return target
    return close


def _loss_reason(stage: int, competitor: str, discount: float, u: np.ndarray) -> str:
    if competitor and stage >= 2 and u[0] < 0.6:
        return "Lost to competitor"
    if stage <= 1:
        options, weights = ("No budget", "Timing", "No decision / status quo"), [0.4, 0.3, 0.3]
    else:
        price = 0.3 + max(0.0, 10.0 - discount) / 30.0
        options = ("Price", "Missing feature", "No decision / status quo", "Champion left")
        weights = [price, 0.3, 0.3, 0.1]
    cum = np.cumsum(weights) / np.sum(weights)
    return options[int(np.searchsorted(cum, u[1]))]


def _deal_activities(rng: np.random.Generator, ctx: Context, deals: Deals, i: int, entries: list[float],
                     close: float, won: bool, log: EventLog, owner_id: int) -> None:
    """Meetings at each stage entry, emails to and replies from the committee while the deal is open."""
    bounds = entries + [close]
    people = deals.committee[i]
    account_id = int(deals.account_id[i])
    days, kinds, who = [], [], []
    for s in range(len(entries)):
        lo, hi = bounds[s], bounds[s + 1]
        last = s == len(entries) - 1
        if s > 0:
            days.append(lo + 0.02)
            kinds.append("meeting")
            who.append(people[rng.integers(len(people))])
        damp = 0.5 if (last and not won) else 1.0
        for kind, rate in (("email_sent", 2.0), ("email_replied", 1.0 if won else 0.6)):
            k = rng.poisson(rate * damp)
            days.extend((lo + rng.random(k) * (hi - lo)).tolist())
            kinds.extend([kind] * k)
            who.extend(people[rng.integers(len(people), size=k)].tolist())
    if not days:
        return
    kinds_arr = np.array(kinds, dtype=object)
    user = np.where(kinds_arr == "email_replied", None, owner_id).astype(object)
    log.add(kinds_arr, np.array(days), opportunity_id=int(deals.ids[i]), contact_id=np.array(who, dtype=object),
            account_id=account_id, user_id=user,
            duration_seconds=np.where(kinds_arr == "meeting", 2700.0, None).astype(object))


def history_records(deals: Deals, ctx: Context) -> list[dict]:
    """The ``opportunity_history`` rows of the chunk."""
    if not deals.history:
        return []
    hist = deals.history
    ids = ctx.ids.take("opportunity_history", len(hist))
    times = ctx.clock.times(np.array([h[1] for h in hist]))
    dates = ctx.clock.dates(np.array([h[4] for h in hist]))
    return [{"id": int(k), "opportunity_id": int(h[0]), "changed_at": t, "stage": h[2],
             "amount": Decimal(f"{h[3]:.2f}"), "expected_close_date": d, "changed_by_id": int(h[5])}
            for k, h, t, d in zip(ids, hist, times, dates)]
