"""Accounts and the people at them (leads and contacts) for one chunk of the simulation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from salesmind.demo import catalog
from salesmind.demo.context import Context
from salesmind.demo.writer import rows

#: accounts per lead: most accounts have one lead, some several colleagues
ACCOUNTS_PER_LEAD = 0.6


@dataclass
class Accounts:
    """The accounts of one chunk (arrays aligned by account)."""

    ids: np.ndarray
    name: np.ndarray
    domain: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    region: np.ndarray
    country: np.ndarray
    timezone: np.ndarray
    owner: np.ndarray          # position in ctx.team
    created: np.ndarray
    is_customer: np.ndarray


def segment_of(employees: np.ndarray) -> np.ndarray:
    """Sales segment by head count: smb under 200, mid_market under 1,000, else enterprise."""
    return np.where(employees < 200, "smb", np.where(employees < 1000, "mid_market", "enterprise")).astype(object)


def size_band_of(employees: np.ndarray) -> np.ndarray:
    """The employee band name used by the lead model's size fit."""
    lows = np.array([b[0] for b in catalog.SIZE_BANDS])
    names = np.array([b[1] for b in catalog.SIZE_BANDS], dtype=object)
    return names[np.searchsorted(lows, employees, side="right") - 1]


def make_accounts(ctx: Context, rng: np.random.Generator, n: int) -> Accounts:
    """Draw ``n`` companies (their creation day is set once their leads are known)."""
    name_counts = ctx.account_names
    ids = ctx.ids.take("accounts", n)
    industry = rng.choice(np.array(catalog.INDUSTRIES, dtype=object), n, p=catalog.INDUSTRY_SHARE)
    employees = np.clip(np.round(np.exp(rng.normal(np.log(180), 1.5, n))), 5, 120000).astype(np.int64)
    revenue = np.round(employees * np.exp(rng.normal(np.log(180000), 0.5, n)), -3)
    region = rng.choice(np.array(catalog.REGIONS, dtype=object), n, p=catalog.REGION_SHARE)
    country = np.empty(n, dtype=object)
    zone = np.empty(n, dtype=object)
    pick = rng.random(n)
    for r in catalog.REGIONS:
        places = catalog.COUNTRIES[r]
        mask = region == r
        idx = (pick[mask] * len(places)).astype(int)
        country[mask] = [places[i][0] for i in idx]
        zone[mask] = [places[i][1] for i in idx]
    heads = rng.integers(0, len(catalog.COMPANY_HEADS), n)
    tails = rng.integers(0, len(catalog.COMPANY_TAILS), n)
    kinds = rng.random(n)
    names, domains = [], []
    for i in range(n):
        kind_bank = catalog.COMPANY_KINDS[industry[i]]
        kind = kind_bank[int(kinds[i] * len(kind_bank))]
        base = f"{catalog.COMPANY_HEADS[heads[i]]}{catalog.COMPANY_TAILS[tails[i]]} {kind}"
        seen = name_counts.get(base, 0) + 1
        name_counts[base] = seen
        names.append(base if seen == 1 else f"{base} {_ordinal_suffix(seen)}")
        slug = base.lower().replace(" ", "")
        domains.append(f"{slug}.example" if seen == 1 else f"{slug}{seen}.example")
    owner = np.empty(n, dtype=np.int64)
    for r in catalog.REGIONS:
        mask = region == r
        owner[mask] = rng.choice(ctx.team.in_region(r), int(mask.sum()))
    return Accounts(ids=ids, name=np.array(names, dtype=object), domain=np.array(domains, dtype=object),
                    industry=industry, employees=employees, revenue=revenue, region=region, country=country,
                    timezone=zone, owner=owner, created=np.zeros(n),
                    is_customer=np.zeros(n, dtype=bool))


def _ordinal_suffix(seen: int) -> str:
    groups = ("Group", "Holdings", "International", "Global", "Partners", "Co")
    return groups[(seen - 2) % len(groups)] + ("" if seen - 2 < len(groups) else f" {seen}")


def write_accounts(ctx: Context, acc: Accounts) -> None:
    """Insert the chunk's accounts."""
    created = ctx.clock.times(acc.created)
    ctx.insert("accounts", rows({
        "id": acc.ids, "external_id": [f"demo-account-{i}" for i in acc.ids.tolist()],
        "name": acc.name, "domain": acc.domain, "industry": acc.industry, "employees": acc.employees,
        "annual_revenue": [Decimal(int(v)) for v in acc.revenue], "currency": ["USD"] * len(acc.ids),
        "region": acc.region, "country": acc.country, "owner_id": ctx.team.ids[acc.owner],
        "is_customer": acc.is_customer, "description": [None] * len(acc.ids),
        "created_at": created, "updated_at": created}))


@dataclass
class Persons:
    """People drawn for leads or contacts (arrays aligned by person)."""

    first: np.ndarray
    last: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    seniority: np.ndarray
    title: np.ndarray
    department: np.ndarray


def make_persons(rng: np.random.Generator, domains: np.ndarray, serial: np.ndarray,
                 seniority: np.ndarray | None = None) -> Persons:
    """Draw names, work emails at ``domains``, titles and seniority (unless given)."""
    n = len(domains)
    first = rng.choice(np.array(catalog.FIRST_NAMES, dtype=object), n)
    last = rng.choice(np.array(catalog.LAST_NAMES, dtype=object), n)
    if seniority is None:
        seniority = rng.choice(np.array(catalog.SENIORITIES, dtype=object), n, p=catalog.SENIORITY_SHARE)
    pick = rng.random(n)
    title = np.array([catalog.TITLES[s][int(p * len(catalog.TITLES[s]))] or None
                      for s, p in zip(seniority, pick)], dtype=object)
    department = rng.choice(np.array(catalog.DEPARTMENTS, dtype=object), n)
    email = np.array([f"{f.lower()}.{ln.lower()}{k % 97}@{d}" for f, ln, k, d in zip(first, last, serial, domains)],
                     dtype=object)
    phone = np.array([f"+1-555-{(k * 7919) % 10000:04d}" for k in serial], dtype=object)
    return Persons(first, last, email, phone, seniority, title, department)
