"""Leads and their behaviour: arrival, web and email events, first response, conversion.

Behaviour is drawn first; conversion is then drawn from the lead model
(:class:`salesmind.demo.causal.LeadModel`) applied to the signals measured on that behaviour at
the signal time, so the documented signals are the only causes of conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from salesmind.demo import catalog
from salesmind.demo.causal import engagement_velocity, sigmoid
from salesmind.demo.context import Context
from salesmind.demo.events import EventLog
from salesmind.demo.people import Accounts, Persons, make_persons, size_band_of

#: days after first touch at which the rep's email cadence sends
CADENCE_DAYS = np.array([0.0, 2.0, 5.0, 9.0, 14.0, 21.0, 30.0])
#: behaviour before the lead is known, per day, by source (purchased lists barely know us)
SOURCE_PRIOR_RATE = {"referral": 0.8, "demo_request": 1.2, "webinar": 1.0, "organic_search": 1.0,
                     "paid_social": 0.6, "purchased_list": 0.15}
BOUNCE_RATE = {"purchased_list": 0.15, "paid_social": 0.04}
OPEN_BETA = {"purchased_list": (1.0, 5.0)}  # others (2, 3)


@dataclass
class Leads:
    """One chunk of leads (arrays aligned by lead) and what happened to them."""

    ids: np.ndarray
    created: np.ndarray
    account: np.ndarray
    owner: np.ndarray
    source: np.ndarray
    timeline: np.ndarray
    person: Persons
    inbound: np.ndarray
    first_response: np.ndarray        # day, NaN when never answered (outbound)
    bounced_at: np.ndarray            # day, NaN when never
    unsubscribed_at: np.ndarray       # day, NaN when never
    probability: np.ndarray
    converts: np.ndarray              # will convert (maybe after as_of)
    converted_at: np.ndarray          # day, NaN when not converting
    signals: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def converted(self) -> np.ndarray:
        """Converted before the end of the simulation."""
        return ~np.isnan(self.converted_at)


def arrival_days(ctx: Context, n: int) -> np.ndarray:
    """Creation day of every lead: growth, seasonality and fewer leads at weekends."""
    rng = ctx.rng(2)
    start = ctx.end - 913.0
    days = np.arange(int(np.floor(start)), int(np.floor(ctx.end)))
    stamps = ctx.clock.times(days.astype(float))
    month = np.array([t.month for t in stamps])
    weekday = np.array([t.weekday() for t in stamps])
    season = np.array([0.9, 1.0, 1.1, 1.05, 1.0, 0.95, 0.8, 0.75, 1.1, 1.15, 1.05, 0.7])[month - 1]
    weight = (1.0 + (days - start) / 913.0) * season * np.where(weekday >= 5, 0.3, 1.0)
    counts = rng.multinomial(n, weight / weight.sum())
    day = np.repeat(days.astype(float), counts)
    return day + rng.random(n)


def make_leads(ctx: Context, rng: np.random.Generator, created: np.ndarray, acc: Accounts) -> Leads:
    """Draw the leads of one chunk and link each to an account of the chunk."""
    n = len(created)
    n_acc = len(acc.ids)
    first = np.arange(n_acc)
    extra = rng.integers(0, n_acc, n - n_acc)
    account = rng.permutation(np.concatenate([first, extra]))
    ids = ctx.ids.take("leads", n)
    source = rng.choice(np.array(catalog.SOURCES, dtype=object), n, p=catalog.SOURCE_SHARE)
    inbound = np.isin(source, list(catalog.INBOUND_SOURCES))
    timeline = np.where(inbound, rng.choice(np.array(catalog.TIMELINES, dtype=object), n, p=[0.25, 0.35, 0.4]), "")
    person = make_persons(rng, acc.domain[account], ids)
    nan = np.full(n, np.nan)
    return Leads(ids=ids, created=created, account=account, owner=acc.owner[account], source=source,
                 timeline=timeline.astype(object), person=person, inbound=inbound, first_response=nan.copy(),
                 bounced_at=nan.copy(), unsubscribed_at=nan.copy(), probability=nan.copy(),
                 converts=np.zeros(n, dtype=bool), converted_at=nan.copy())


def simulate_journeys(ctx: Context, rng: np.random.Generator, leads: Leads, acc: Accounts,
                      log: EventLog) -> dict[str, np.ndarray]:
    """Draw each lead's events up to its signal time, then its conversion, then what followed.

    Returns the replies (lead position, sent day, reply day) for the email threads.
    """
    model = ctx.causal.leads
    n = len(leads.ids)
    ts = leads.created + model.signal_days
    lead_ids, owner_ids = leads.ids, ctx.team.ids[leads.owner]
    account_ids = acc.ids[leads.account]
    prior = np.array([SOURCE_PRIOR_RATE[s] for s in leads.source]) * rng.gamma(0.8, 0.05, n)
    velocity = np.exp(rng.normal(0.0, 1.0, n))
    pricing_taste = rng.beta(0.6, 5.0, n) * np.where(leads.source == "demo_request", 2.0, 1.0)
    demo_taste = rng.beta(0.5, 8.0, n) * np.where(leads.source == "demo_request", 2.5, 1.0)

    def visits(rate: np.ndarray, lo: np.ndarray, hi: np.ndarray, taste: float) -> np.ndarray:
        counts = rng.poisson(rate * (hi - lo))
        who = np.repeat(np.arange(n), counts)
        day = lo[who] + rng.random(len(who)) * (hi - lo)[who]
        kind = rng.random(len(who))
        url = np.where(rng.random(len(who)) < pricing_taste[who] * taste, f"{catalog.SITE}/pricing",
                       np.where(rng.random(len(who)) < demo_taste[who] * taste, f"{catalog.SITE}/demo",
                                rng.choice(np.array([catalog.SITE + p for p in catalog.PAGES], dtype=object),
                                           len(who))))
        web = kind < 0.78
        log.add("web_visit", day[web], lead_id=lead_ids[who[web]], account_id=account_ids[who[web]],
                url=url[web].astype(object), subject=None)
        content = ~web
        asset = rng.integers(0, len(ctx.content_ids), int(content.sum()))
        kinds = ctx.content_kinds[asset]
        log.add(np.where(kinds == "webinar", "webinar", "content_download").astype(object), day[content],
                lead_id=lead_ids[who[content]], account_id=account_ids[who[content]],
                content_asset_id=ctx.content_ids[asset])
        return who, day, url.astype(object), web

    # before the lead is known (the 15-90 days window of velocity) and around sign-up (the last 14)
    early = visits(prior, leads.created - 83.0, leads.created - 7.0, 0.5)
    recent_rate = prior * velocity + np.where(leads.inbound, 0.12, 0.02)
    recent = visits(recent_rate, leads.created - 7.0, ts, 1.0)
    log.add("form_submit", leads.created[leads.inbound], lead_id=lead_ids[leads.inbound],
            account_id=account_ids[leads.inbound], url=f"{catalog.SITE}/demo",
            details=[{"source": s} for s in leads.source[leads.inbound]])

    # the rep's first response (inbound) or first touch (outbound), then the email cadence
    response_minutes = ctx.team.response_median_minutes[leads.owner] * np.exp(
        rng.normal(0.0, ctx.causal.reps.response_lead_sd, n))
    leads.first_response = np.where(leads.inbound, leads.created + response_minutes / 1440.0, np.nan)
    first_touch = np.where(leads.inbound, leads.first_response, leads.created + rng.uniform(0.1, 2.0, n))
    by_call = leads.inbound & (rng.random(n) < 0.3)
    log.add("call", leads.first_response[by_call], lead_id=lead_ids[by_call], account_id=account_ids[by_call],
            user_id=owner_ids[by_call], subject="First response call",
            duration_seconds=rng.uniform(60, 900, int(by_call.sum())),
            details={"first_response": True})
    emails = _cadence(rng, leads, first_touch, by_call)

    # signals at the signal time, measured on the events exactly as documented
    sent_day, opened_day = emails["sent"], emails["opened"]
    before = lambda d: np.nan_to_num(d, nan=np.inf) < ts[:, None]  # noqa: E731
    window = lambda d: before(d) & (np.nan_to_num(d, nan=-np.inf) >= (ts - 30.0)[:, None])  # noqa: E731
    in_recent = _count(recent[0], recent[1] >= (ts - 14.0)[recent[0]], n)
    in_recent += _count(early[0], early[1] >= (ts - 14.0)[early[0]], n)
    in_recent += leads.inbound.astype(int) + (by_call & (leads.first_response < ts)).astype(int)
    in_recent += sum(((emails[k] >= (ts - 14.0)[:, None]) & before(emails[k])).sum(axis=1)
                     for k in ("sent", "opened", "clicked", "replied", "bounced", "unsub"))
    earlier = _count(early[0], (early[1] < (ts - 14.0)[early[0]]) & (early[1] >= (ts - 90.0)[early[0]]), n)
    pricing = _page_count(early, recent, ts, n, "/pricing")
    demo = _page_count(early, recent, ts, n, "/demo")
    unopened = np.maximum(window(sent_day).sum(axis=1) - window(opened_day).sum(axis=1), 0)
    bounced = (leads.bounced_at < ts).astype(float)
    unsubscribed = (leads.unsubscribed_at < ts).astype(float)
    response_hours = np.where(leads.inbound, (leads.first_response - leads.created) * 24.0, np.nan)
    log_velocity = engagement_velocity(in_recent, earlier)
    logit = model.logit(source=leads.source, seniority=leads.person.seniority,
                        industry=acc.industry[leads.account],
                        size_band=size_band_of(acc.employees[leads.account]), timeline=leads.timeline,
                        log_velocity=log_velocity, pricing_visits=pricing, demo_visits=demo,
                        response_hours=response_hours, unopened=unopened, bounced=bounced,
                        unsubscribed=unsubscribed)
    leads.signals = {"log_velocity": log_velocity, "pricing_visits": pricing, "demo_visits": demo,
                     "unopened": unopened, "response_hours": response_hours}
    leads.probability = sigmoid(logit)
    leads.converts = rng.random(n) < leads.probability
    lag = model.min_lag_days + rng.gamma(model.lag_shape, model.lag_scale, n)
    when = np.where(leads.converts, ts + lag, np.nan)
    leads.converted_at = np.where(when < ctx.end, when, np.nan)

    _after_signal(ctx, rng, leads, ts, prior, log, account_ids, owner_ids, pricing_taste)
    return _email_events(leads, emails, log, account_ids, owner_ids)


def _count(who: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(who[mask], minlength=n)


def _page_count(early: tuple, recent: tuple, ts: np.ndarray, n: int, page: str) -> np.ndarray:
    total = np.zeros(n, dtype=int)
    for who, day, url, web in (early, recent):
        hit = web & np.array([u.endswith(page) for u in url], dtype=bool) & (day < ts[who]) & (day >= ts[who] - 30.0)
        total += np.bincount(who[hit], minlength=n)
    return total


def _cadence(rng: np.random.Generator, leads: Leads, first_touch: np.ndarray,
             by_call: np.ndarray) -> dict[str, np.ndarray]:
    """Email sends and their opens, clicks, replies, bounces and unsubscribes (n leads x K sends)."""
    n, k = len(leads.ids), len(CADENCE_DAYS)
    sent = first_touch[:, None] + CADENCE_DAYS[None, :] + rng.uniform(0.0, 0.4, (n, k))
    sent[by_call, 0] = np.nan  # the first response was a call, not an email
    a_b = np.array([OPEN_BETA.get(s, (2.0, 3.0)) for s in leads.source])
    p_open = rng.beta(a_b[:, 0], a_b[:, 1])
    opened = rng.random((n, k)) < p_open[:, None]
    clicked = opened & (rng.random((n, k)) < 0.25)
    unsub = opened & (rng.random((n, k)) < np.where(leads.source == "purchased_list", 0.08, 0.02)[:, None])
    replied = opened & ~unsub & (rng.random((n, k)) < 0.07)
    stop = replied | unsub
    after_stop = np.cumsum(stop, axis=1) - stop > 0
    sent[after_stop] = np.nan
    bounce = rng.random(n) < np.array([BOUNCE_RATE.get(s, 0.02) for s in leads.source])
    first_sent = np.nanmin(np.where(np.isnan(sent), np.inf, sent), axis=1)
    sent[bounce, :] = np.nan
    sent[bounce, 0] = first_sent[bounce]
    live = ~np.isnan(sent) & ~bounce[:, None]
    delay = rng.exponential(0.3, (n, k))
    out = {
        "sent": sent,
        "opened": np.where(live & opened, sent + delay, np.nan),
        "clicked": np.where(live & clicked, sent + delay + 0.01, np.nan),
        "replied": np.where(live & replied, sent + delay + rng.exponential(0.5, (n, k)), np.nan),
        "unsub": np.where(live & unsub, sent + delay + 0.02, np.nan),
        "bounced": np.where(bounce[:, None] & (np.arange(k) == 0)[None, :], sent + 0.001, np.nan),
    }
    leads.bounced_at = np.where(bounce, first_sent + 0.001, np.nan)
    leads.unsubscribed_at = np.nanmin(np.where(np.isnan(out["unsub"]), np.inf, out["unsub"]), axis=1)
    leads.unsubscribed_at[np.isinf(leads.unsubscribed_at)] = np.nan
    return out


def _after_signal(ctx: Context, rng: np.random.Generator, leads: Leads, ts: np.ndarray, prior: np.ndarray,
                  log: EventLog, account_ids: np.ndarray, owner_ids: np.ndarray, pricing_taste: np.ndarray) -> None:
    """Events after the signal time: converters look at pricing and meet the rep; others fade."""
    conv = leads.converts
    end = ts + np.clip(np.where(conv, np.nan_to_num(leads.converted_at, nan=ctx.end) - ts, 60.0), 0.0, None)
    rate = np.where(conv, 0.25, prior * 0.5)
    counts = rng.poisson(rate * (end - ts))
    who = np.repeat(np.arange(len(ts)), counts)
    day = ts[who] + rng.random(len(who)) * (end - ts)[who]
    paths = ("/pricing", "/demo", "/customers", "/integrations", "/")
    pages = np.array([catalog.SITE + p for p in paths], dtype=object)
    url = np.where(rng.random(len(who)) < np.maximum(pricing_taste[who], 0.2), pages[0],
                   rng.choice(pages[1:], len(who)))
    log.add("web_visit", day, lead_id=leads.ids[who], account_id=account_ids[who], url=url.astype(object))
    met = leads.converted
    meet_day = leads.converted_at[met] - rng.uniform(0.05, 1.0, int(met.sum()))
    log.add("meeting", meet_day, lead_id=leads.ids[met], account_id=account_ids[met], user_id=owner_ids[met],
            subject="Discovery meeting", duration_seconds=rng.choice([1800.0, 2700.0, 3600.0], int(met.sum())))


def _email_events(leads: Leads, emails: dict[str, np.ndarray], log: EventLog, account_ids: np.ndarray,
                  owner_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Log the cadence (cut at conversion) and return the replies for the email threads."""
    stop = np.where(leads.converted, leads.converted_at, np.inf)[:, None]
    n, k = emails["sent"].shape
    who = np.repeat(np.arange(n), k).reshape(n, k)
    kinds = {"sent": "email_sent", "opened": "email_opened", "clicked": "email_clicked",
             "bounced": "email_bounced", "unsub": "email_unsubscribed"}
    for key, kind in kinds.items():
        mask = ~np.isnan(emails[key]) & (emails[key] < stop)
        by_rep = key == "sent"
        log.add(kind, emails[key][mask], lead_id=leads.ids[who[mask]], account_id=account_ids[who[mask]],
                user_id=owner_ids[who[mask]] if by_rep else None,
                subject=_SUBJECTS[np.nonzero(mask)[1] % len(_SUBJECTS)].astype(object))
    mask = ~np.isnan(emails["replied"]) & (emails["replied"] < stop)
    return {"lead": who[mask], "sent": emails["sent"][mask], "replied": emails["replied"][mask],
            "step": np.nonzero(mask)[1]}


_SUBJECTS = np.array(["Quick question about your pipeline", "Following up", "A forecasting idea for your team",
                      "Worth a 20-minute call?", "Case study: forecast error cut in half", "Checking in",
                      "Should I close your file?"], dtype=object)
