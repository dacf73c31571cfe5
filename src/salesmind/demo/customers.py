"""Customers after the sale: subscriptions with monthly usage, tickets, NPS, churn and repeat orders.

Churn follows :class:`salesmind.demo.causal.ChurnModel`, evaluated at the end of every 30-day usage
period on what that period shows; repeat orders follow :class:`salesmind.demo.causal.PurchaseModel`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import numpy as np

from salesmind.demo import catalog, scripts
from salesmind.demo.causal import sigmoid
from salesmind.demo.context import Context
from salesmind.demo.deals import Contacts, Deals
from salesmind.demo.events import EventLog
from salesmind.demo.people import Accounts

PERIOD_DAYS = 30.0
MONTH_DAYS = 30.44
PRIORITY = {"outage": "high", "integration": "high", "feature request": "low"}
OTHER_CHURN = ("budget cuts", "acquired by another company", "consolidating vendors")


def simulate_customers(ctx: Context, rng: np.random.Generator, deals: Deals, contacts: Contacts, acc: Accounts,
                       log: EventLog) -> dict[str, list[dict[str, Any]]]:
    """Subscriptions, usage, tickets, NPS and orders for the deals won before the end."""
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    won = np.flatnonzero(deals.outcome == "won")
    if len(won) == 0:
        return tables
    model = ctx.causal.churn
    n = len(won)
    start = deals.closed[won]
    months = np.floor((ctx.end - start) / PERIOD_DAYS).astype(int) + 1
    price = np.array([catalog.PLANS[deals.segment[i]][3] for i in won], dtype=float)
    net = np.array([deals.net_amount(i) for i in won])
    seats = np.maximum(3, np.round(net / 12.0 / (price * (1 - np.nan_to_num(deals.discount[won]) / 100.0)))).astype(int)
    util = rng.beta(6.0, 3.0, n)
    slope = rng.normal(-0.005, 0.02, n)
    ticket_taste = rng.gamma(2.0, 0.5, n)
    history = np.full((n, 4), np.nan)   # utilisation of the last four periods
    tickets = np.zeros((n, 3))          # tickets of the last three periods
    nps = np.full(n, np.nan)
    gone = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    ended = np.full(n, np.nan)
    reason = np.full(n, None, dtype=object)
    sub_ids = ctx.ids.take("subscriptions", n)
    contact_pos = {int(c): k for k, c in enumerate(contacts.ids)}
    for k in range(int(months.max())):
        period = start + k * PERIOD_DAYS
        active = alive & (period < ctx.end)
        if not active.any():
            break
        leaves = active & ~gone & (rng.random(n) < model.champion_leave_monthly)
        util = np.clip(util + slope + rng.normal(0.0, 0.04, n) - model.champion_shock * leaves, 0.02, 1.0)
        slope = slope - 0.01 * leaves
        for j in np.flatnonzero(leaves):
            _champion_left(ctx, deals, contacts, contact_pos, won[j], period[j] + rng.uniform(0, PERIOD_DAYS), log)
        gone |= leaves
        grow = active & (util > 0.85) & (rng.random(n) < 0.15)
        seats = np.where(grow, np.ceil(seats * 1.2).astype(int), seats)
        history = np.roll(history, -1, axis=1)
        history[:, -1] = util
        users = np.round(seats * util).astype(int)
        units = np.round(users * rng.gamma(4.0, 5.0, n), 1)
        for j in np.flatnonzero(active):
            tables["subscription_usage"].append({
                "id": ctx.ids.next("subscription_usage"), "subscription_id": int(sub_ids[j]),
                "period_start": ctx.clock.time(period[j]).date(), "active_users": int(users[j]),
                "seats": int(seats[j]), "usage_units": float(units[j])})
        count = rng.poisson((model.ticket_base_monthly + model.ticket_low_usage * (1 - util)) * ticket_taste) * active
        tickets = np.roll(tickets, -1, axis=1)
        tickets[:, -1] = count
        for j in np.flatnonzero(count):
            _tickets(ctx, rng, deals, won[j], int(count[j]), period[j], tables)
        asked = active & (k % model.nps_every_months == 3)
        score = np.clip(np.round(model.nps_base + model.nps_utilisation * (util - 0.5)
                                 - model.nps_ticket * tickets.sum(axis=1) + rng.normal(0, 1.5, n)), 0, 10)
        nps = np.where(asked, score, nps)
        for j in np.flatnonzero(asked):
            _nps(ctx, rng, deals, won[j], gone[j], int(score[j]), period[j], tables)
        decline = np.nan_to_num(history[:, 0] - history[:, -1], nan=0.0)
        terms = {
            "usage decline": model.usage_decline * np.maximum(decline, 0.0),
            "low usage": model.low_utilisation * (util < model.low_threshold),
            "champion left": model.champion_left * gone,
            "support issues": model.ticket * np.minimum(tickets.sum(axis=1), model.ticket_cap),
            "low NPS": model.detractor * (nps <= 6),
        }
        logit = model.logit(decline=decline, utilisation=util, champion_gone=gone.astype(float),
                            tickets_90d=tickets.sum(axis=1), nps=nps)
        churn = active & (rng.random(n) < sigmoid(logit)) & (period + PERIOD_DAYS < ctx.end)
        stacked = np.vstack(list(terms.values()))
        names = np.array(list(terms), dtype=object)
        for j in np.flatnonzero(churn):
            top = int(np.argmax(stacked[:, j]))
            reason[j] = names[top] if stacked[top, j] > 0 else OTHER_CHURN[int(rng.integers(len(OTHER_CHURN)))]
        ended = np.where(churn, period + PERIOD_DAYS, ended)
        alive &= ~churn
    for j, i in enumerate(won):
        seat_price = price[j] * (1.0 - np.nan_to_num(deals.discount[i]) / 100.0)
        mrr = Decimal(f"{seats[j] * seat_price:.2f}")
        tables["subscriptions"].append({
            "id": int(sub_ids[j]), "external_id": f"demo-subscription-{int(sub_ids[j])}",
            "account_id": int(deals.account_id[i]), "product_id": ctx.plan_ids[deals.segment[i]],
            "mrr": mrr, "currency": "USD", "seats": int(seats[j]),
            "started_at": ctx.clock.time(start[j]),
            "ended_at": None if np.isnan(ended[j]) else ctx.clock.time(ended[j]),
            "status": "active" if np.isnan(ended[j]) else "churned", "churn_reason": reason[j],
            "created_at": ctx.clock.time(start[j]),
            "updated_at": ctx.clock.time(start[j] if np.isnan(ended[j]) else ended[j])})
        acc.is_customer[deals.account[i]] |= bool(np.isnan(ended[j]))
    _orders(ctx, rng, deals, won, start, ended, tables)
    return tables


def _champion_left(ctx: Context, deals: Deals, contacts: Contacts, contact_pos: dict[int, int], i: int,
                   day: float, log: EventLog) -> None:
    """The champion leaves: they become do-not-contact and the next email to them bounces."""
    champion = int(deals.primary[i])
    contacts.do_not_contact[contact_pos[champion]] = True
    log.add("email_bounced", np.array([day + 5.0]), contact_id=champion, account_id=int(deals.account_id[i]),
            subject="Undeliverable: recipient is no longer with the company",
            details={"event": "champion_left", "reason": "left company"})


def _tickets(ctx: Context, rng: np.random.Generator, deals: Deals, i: int, count: int, period: float,
             tables: dict[str, list[dict[str, Any]]]) -> None:
    for _ in range(count):
        opened = period + rng.uniform(0, PERIOD_DAYS)
        if opened >= ctx.end:
            continue
        category = catalog.TICKET_CATEGORIES[int(rng.integers(len(catalog.TICKET_CATEGORIES)))]
        closed = opened + rng.exponential(2.5)
        priority = PRIORITY.get(category, "normal")
        subject = catalog.TICKET_SUBJECTS[category]
        people = deals.committee[i]
        contact = int(people[int(rng.integers(len(people)))])
        tables["support_tickets"].append({
            "id": ctx.ids.next("support_tickets"), "external_id": None, "account_id": int(deals.account_id[i]),
            "contact_id": contact, "opened_at": ctx.clock.time(opened),
            "closed_at": ctx.clock.time(closed) if closed < ctx.end else None, "priority": priority,
            "category": category, "status": "closed" if closed < ctx.end else "open", "subject": subject,
            "body_text": scripts.TICKET_BODY.format(subject=subject, first="Team"),
            "created_at": ctx.clock.time(opened), "updated_at": ctx.clock.time(min(closed, ctx.end - 1e-3))})


def _nps(ctx: Context, rng: np.random.Generator, deals: Deals, i: int, champion_gone: bool, score: int,
         period: float, tables: dict[str, list[dict[str, Any]]]) -> None:
    day = period + rng.uniform(0, PERIOD_DAYS)
    if day >= ctx.end:
        return
    people = deals.committee[i]
    contact = int(people[0] if not champion_gone or len(people) == 1 else people[1])
    band = "detractor" if score <= 6 else ("passive" if score <= 8 else "promoter")
    bank = catalog.NPS_COMMENTS[band]
    tables["nps_responses"].append({
        "id": ctx.ids.next("nps_responses"), "external_id": None, "account_id": int(deals.account_id[i]),
        "contact_id": contact, "responded_at": ctx.clock.time(day), "score": score,
        "comment": bank[int(rng.integers(len(bank)))]})


def _orders(ctx: Context, rng: np.random.Generator, deals: Deals, won: np.ndarray, start: np.ndarray,
            ended: np.ndarray, tables: dict[str, list[dict[str, Any]]]) -> None:
    """The first order (the plan) at the win, then BG/NBD repeat orders of add-ons until dropout."""
    model = ctx.causal.purchases
    n = len(won)
    rate = rng.gamma(model.r, 1.0 / model.alpha, n)          # purchases per month while alive
    dropout = rng.beta(model.a, model.b, n)
    nu = rng.gamma(model.q_spend, 1.0 / model.gamma_spend, n)
    affinity = np.array(catalog.ADD_ON_AFFINITY)
    for j, i in enumerate(won):
        stop = min(ctx.end, ended[j]) if not np.isnan(ended[j]) else ctx.end
        plan_id = ctx.plan_ids[deals.segment[i]]
        _order(ctx, tables, deals, i, start[j], [(plan_id, 1, deals.net_amount(i), deals.discount[i])], True)
        t, last = start[j], int(rng.integers(len(catalog.ADD_ONS)))
        while True:
            t += rng.exponential(1.0 / rate[j]) * MONTH_DAYS
            if t >= stop:
                break
            value = round(float(rng.gamma(model.p_spend, 1.0 / nu[j])), 2)
            first = int(rng.choice(len(catalog.ADD_ONS), p=affinity[last]))
            lines = [(int(ctx.add_on_ids[first]), 1, value, np.nan)]
            if rng.random() < 0.2:
                second = int(rng.choice(len(catalog.ADD_ONS), p=affinity[first]))
                share = round(value * 0.4, 2)
                lines = [(int(ctx.add_on_ids[first]), 1, round(value - share, 2), np.nan),
                         (int(ctx.add_on_ids[second]), 1, share, np.nan)]
            _order(ctx, tables, deals, i, t, lines, False)
            last = first
            if rng.random() < dropout[j]:
                break


def _order(ctx: Context, tables: dict[str, list[dict[str, Any]]], deals: Deals, i: int, day: float,
           lines: list[tuple[int, int, float, float]], from_deal: bool) -> None:
    order_id = ctx.ids.next("orders")
    when = ctx.clock.time(day)
    total = sum(Decimal(f"{amount:.2f}") for _, _, amount, _ in lines)
    tables["orders"].append({
        "id": order_id, "external_id": f"demo-order-{order_id}", "account_id": int(deals.account_id[i]),
        "contact_id": int(deals.primary[i]), "opportunity_id": int(deals.ids[i]) if from_deal else None,
        "ordered_at": when, "total": total, "currency": "USD",
        "created_at": when, "updated_at": when})
    for product, qty, amount, discount in lines:
        tables["order_lines"].append({
            "id": ctx.ids.next("order_lines"), "order_id": order_id, "product_id": product, "quantity": qty,
            "unit_price": Decimal(f"{amount / qty:.2f}"),
            "discount_pct": None if np.isnan(discount) else Decimal(f"{discount:.2f}")})
