"""The company itself: territories, teams, users with hidden skill, products and content."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sqlalchemy import update

from salesmind.data.models import Team
from salesmind.demo import catalog
from salesmind.demo.context import Context, Reps
from salesmind.demo.writer import rows

DOMAIN = "demo.salesmind.dev"
ADMIN_EMAIL = f"admin@{DOMAIN}"
PASSWORD = "demo-password"
#: Which regions each manager's team covers, by number of managers.
TEAM_REGIONS = {
    2: (("Americas", ("NA", "LATAM")), ("International", ("EMEA", "APAC"))),
    3: (("North America", ("NA",)), ("EMEA", ("EMEA",)), ("APAC & LATAM", ("APAC", "LATAM"))),
}


def build_org(ctx: Context, password_hash: str) -> list[tuple[str, str, str]]:
    """Write territories, teams and users; returns the login accounts as (role, name, email)."""
    rng = ctx.rng(1)
    start = ctx.clock.time(-30.0)
    territory_ids = ctx.ids.take("territories", len(catalog.REGIONS))
    territory_of = dict(zip(catalog.REGIONS, territory_ids.tolist()))
    ctx.insert("territories", rows({
        "id": territory_ids, "name": [f"{r} territory" for r in catalog.REGIONS], "region": catalog.REGIONS,
        "industry": [None] * len(catalog.REGIONS), "created_at": [start] * 4, "updated_at": [start] * 4}))

    teams = TEAM_REGIONS[min(max(ctx.size.managers, 2), 3)]
    team_ids = ctx.ids.take("teams", len(teams))
    n_reps = ctx.size.reps
    rep_regions = _rep_regions(n_reps)
    low, high = ctx.causal.reps.skill_range
    skill = rng.permutation(np.linspace(low, high, n_reps))
    response = np.exp(np.log(ctx.causal.reps.response_median_minutes)
                      + rng.normal(0.0, ctx.causal.reps.response_rep_sd, n_reps))
    user_ids = ctx.ids.take("users", 1 + len(teams) + n_reps)
    manager_ids, rep_ids = user_ids[1:1 + len(teams)], user_ids[1 + len(teams):]
    team_of_region = {region: team_ids[i] for i, (_, regions) in enumerate(teams) for region in regions}

    people = [("admin", "Ada Admin", ADMIN_EMAIL, None, None, "UTC")]
    for i, (team_name, regions) in enumerate(teams):
        name = catalog.MANAGER_NAMES[i]
        people.append(("manager", name, _email(name), team_ids[i], territory_of[regions[0]],
                       catalog.REGION_ZONE[regions[0]]))
    rep_names = catalog.REP_NAMES[:n_reps]
    for j in range(n_reps):
        region = rep_regions[j]
        people.append(("rep", rep_names[j], _email(rep_names[j]), team_of_region[region],
                       territory_of[region], catalog.REGION_ZONE[region]))
    # teams first without their manager (users do not exist yet), then users, then the link
    ctx.insert("teams", rows({"id": team_ids, "name": [t[0] for t in teams], "manager_id": [None] * len(teams),
                              "created_at": [start] * len(teams), "updated_at": [start] * len(teams)}))
    ctx.insert("users", rows({
        "id": user_ids, "email": [p[2] for p in people], "name": [p[1] for p in people],
        "role": [p[0] for p in people], "team_id": [p[3] for p in people],
        "territory_id": [p[4] for p in people], "password_hash": [password_hash] * len(people),
        "timezone": [p[5] for p in people], "is_active": [True] * len(people),
        "external_id": [f"demo-user-{i}" for i in user_ids.tolist()],
        "created_at": [start] * len(people), "updated_at": [start] * len(people)}))
    for team_id, manager_id in zip(team_ids.tolist(), manager_ids.tolist()):
        ctx.conn.execute(update(Team.__table__).where(Team.__table__.c.id == team_id)
                         .values(manager_id=manager_id, updated_at=start))
    ctx.reps = Reps(ids=rep_ids, names=tuple(rep_names), emails=tuple(_email(n) for n in rep_names),
                    skill=skill, region=np.array(rep_regions, dtype=object),
                    response_median_minutes=response)
    return [(p[0], p[1], p[2]) for p in people]


def _rep_regions(n_reps: int) -> list[str]:
    """Spread reps over regions by lead volume, at least one per region."""
    shares = np.array(catalog.REGION_SHARE)
    counts = np.ones(len(shares), dtype=int)
    for _ in range(n_reps - len(shares)):
        counts[np.argmax(shares * n_reps - counts)] += 1
    return [region for region, k in zip(catalog.REGIONS, counts) for _ in range(k)]


def _email(name: str) -> str:
    return f"{name.split()[0].lower()}@{DOMAIN}"


def build_catalog(ctx: Context) -> None:
    """Write the products (plans and add-ons) and the content assets."""
    start = ctx.clock.time(-30.0)
    products = list(catalog.PLANS.values()) + list(catalog.ADD_ONS)
    ids = ctx.ids.take("products", len(products))
    n = len(products)
    ctx.insert("products", rows({
        "id": ids, "sku": [p[0] for p in products], "name": [p[1] for p in products],
        "family": [p[2] for p in products], "list_price": [Decimal(p[3]) for p in products],
        "currency": ["USD"] * n, "is_subscription": [p[4] for p in products],
        "external_id": [f"demo-product-{p[0]}" for p in products],
        "created_at": [start] * n, "updated_at": [start] * n}))
    ctx.plan_ids = dict(zip(catalog.PLANS, ids[:len(catalog.PLANS)].tolist()))
    ctx.add_on_ids = ids[len(catalog.PLANS):]

    assets = [(title, kind, topic, None) for title, kind, topic in catalog.CONTENT]
    heads = catalog.COMPANY_HEADS
    for i, industry in enumerate(catalog.INDUSTRIES):
        company = f"{heads[i]}{catalog.COMPANY_TAILS[i]} {catalog.COMPANY_KINDS[industry][0]}"
        assets.append((catalog.CASE_STUDY_TITLE.format(company=company), "case_study", "customer story", industry))
    ids = ctx.ids.take("content_assets", len(assets))
    n = len(assets)
    ctx.insert("content_assets", rows({
        "id": ids, "title": [a[0] for a in assets], "kind": [a[1] for a in assets],
        "url": [f"{catalog.SITE}/resources/{i}" for i in ids.tolist()], "topic": [a[2] for a in assets],
        "industry": [a[3] for a in assets], "stage": [None] * n,
        "external_id": [f"demo-content-{i}" for i in ids.tolist()],
        "created_at": [start] * n, "updated_at": [start] * n}))
    ctx.content_ids = ids
    ctx.content_kinds = np.array([a[1] for a in assets], dtype=object)
