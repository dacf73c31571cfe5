"""Routing: who gets a new inbound lead. Rules are tried in ``position`` order; the first that finds an active rep wins.

Kinds (``RoutingRule.kind``):

* ``account_owner``: the lead's account (linked through a contact, or by the email's domain) -> its owner.
* ``territory``: the territory covering the lead's region or country (and industry, when the territory
  names one; the most specific wins) -> round robin among its active reps (or ``assignee_ids`` among them).
* ``deal_size``: ``conditions`` ``min_employees`` and/or ``min_budget``; either reached -> round robin over
  ``assignee_ids``.
* ``round_robin``: round robin over ``assignee_ids``, the fallback.

Round robin advances ``next_index`` with one ``UPDATE ... SET next_index = next_index + 1 RETURNING``:
the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent submissions take turns, so a
burst is spread evenly. Inactive users are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import Account, Lead, Role, RoutingRule, Territory, User
from salesmind.data.models.cadences import ROUTING_KINDS

CONDITION_KEYS = {"account_owner": set(), "territory": {"territory_ids"},
                  "deal_size": {"min_employees", "min_budget"}, "round_robin": set()}


@dataclass(frozen=True)
class RouteResult:
    """The rep a lead goes to (None: nobody), the rule that decided and why, in words."""

    user_id: int | None
    rule_id: int | None
    reason: str


def email_domain(email: str | None) -> str | None:
    """The domain of an address, lower-case, without a leading ``www.``."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain[4:] if domain.startswith("www.") else domain


def _active(session: Session, ids: list[int]) -> list[User]:
    """The active users among ``ids``, in the order given."""
    if not ids:
        return []
    found = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True)))}
    return [found[i] for i in ids if i in found]


def _take_turn(session: Session, rule: RoutingRule, reps: list[User]) -> User:
    """The next rep of the rule's rotation, advancing its counter atomically."""
    turn = session.execute(update(RoutingRule).where(RoutingRule.id == rule.id)
                           .values(next_index=RoutingRule.next_index + 1).returning(RoutingRule.next_index)
                           .execution_options(synchronize_session=False)).scalar_one()
    return reps[(int(turn) - 1) % len(reps)]


def _account_for(session: Session, lead: Lead) -> Account | None:
    if lead.account_id is not None:
        return session.get(Account, lead.account_id)
    domain = email_domain(lead.email)
    if domain is None:
        return None
    return session.scalars(select(Account).where(or_(func.lower(Account.domain) == domain,
                                                     func.lower(Account.domain) == f"www.{domain}"))
                           .order_by(Account.id)).first()


def _by_account(session: Session, rule: RoutingRule, lead: Lead, budget: float | None) -> RouteResult | None:
    account = _account_for(session, lead)
    if account is None or account.owner_id is None:
        return None
    owner = _active(session, [account.owner_id])
    if not owner:
        return None
    how = "linked through a contact" if lead.account_id == account.id else f"matched by the domain {account.domain}"
    return RouteResult(owner[0].id, rule.id, f"{rule.name}: account {account.name} ({how}) is owned by {owner[0].name}")


def _territories(session: Session, lead: Lead, allowed: list[int] | None) -> list[Territory]:
    """Territories covering the lead's region or country, those naming its industry first."""
    places = {p.strip().lower() for p in (lead.region, lead.country) if p}
    if not places:
        return []
    stmt = select(Territory).where(func.lower(Territory.region).in_(places))
    if allowed:
        stmt = stmt.where(Territory.id.in_(allowed))
    industry = (lead.industry or "").strip().lower()
    found = [t for t in session.scalars(stmt.order_by(Territory.id))
             if not t.industry or t.industry.strip().lower() == industry]
    return sorted(found, key=lambda t: 0 if t.industry else 1)


def _by_territory(session: Session, rule: RoutingRule, lead: Lead, budget: float | None) -> RouteResult | None:
    for territory in _territories(session, lead, (rule.conditions or {}).get("territory_ids")):
        ids = list(session.scalars(select(User.id).where(User.territory_id == territory.id).order_by(User.id)))
        if rule.assignee_ids:
            ids = [i for i in ids if i in set(rule.assignee_ids)]
        reps = _active(session, ids)
        if reps:
            rep = _take_turn(session, rule, reps)
            covers = f"region {territory.region}" + (f" and industry {territory.industry}" if territory.industry else "")
            return RouteResult(rep.id, rule.id, f"{rule.name}: territory {territory.name} covers {covers}; "
                                                f"round robin among {len(reps)} rep(s) gave {rep.name}")
    return None


def _by_size(session: Session, rule: RoutingRule, lead: Lead, budget: float | None) -> RouteResult | None:
    conditions = rule.conditions or {}
    why = None
    min_employees, min_budget = conditions.get("min_employees"), conditions.get("min_budget")
    if min_employees is not None and lead.employees is not None and lead.employees >= min_employees:
        why = f"{lead.employees:,} employees reach {min_employees:,}"
    elif min_budget is not None and budget is not None and budget >= min_budget:
        why = f"a stated budget of {budget:,.0f} reaches {min_budget:,.0f}"
    reps = _active(session, list(rule.assignee_ids or [])) if why else []
    if not reps:
        return None
    rep = _take_turn(session, rule, reps)
    return RouteResult(rep.id, rule.id, f"{rule.name}: {why}; assigned to {rep.name}")


def _by_rotation(session: Session, rule: RoutingRule, lead: Lead, budget: float | None) -> RouteResult | None:
    reps = _active(session, list(rule.assignee_ids or []))
    if not reps:
        return None
    rep = _take_turn(session, rule, reps)
    return RouteResult(rep.id, rule.id, f"{rule.name}: round robin among {len(reps)} rep(s) gave {rep.name}")


_ROUTERS = {"account_owner": _by_account, "territory": _by_territory, "deal_size": _by_size,
            "round_robin": _by_rotation}


def route_lead(session: Session, lead: Lead, *, budget: float | None = None) -> RouteResult:
    """The rep for ``lead``: its current active owner if it has one, else the first rule that finds an active rep."""
    if lead.owner_id is not None:
        owner = _active(session, [lead.owner_id])
        if owner:
            return RouteResult(owner[0].id, None, f"already owned by {owner[0].name} (an existing lead)")
    rules = session.scalars(select(RoutingRule).where(RoutingRule.is_active.is_(True))
                            .order_by(RoutingRule.position, RoutingRule.id))
    for rule in rules:
        found = _ROUTERS[rule.kind](session, rule, lead, budget) if rule.kind in _ROUTERS else None
        if found is not None:
            return found
    return RouteResult(None, None, "no routing rule matched an active rep: unassigned")


# -- admin CRUD ---------------------------------------------------------------------------------------


def _check_rule(session: Session, kind: str, conditions: dict[str, Any] | None, assignee_ids: list[int] | None) -> None:
    if kind not in ROUTING_KINDS:
        raise UserInputError(f"kind must be one of {', '.join(ROUTING_KINDS)}, not {kind!r}")
    unknown = set(conditions or {}) - CONDITION_KEYS[kind]
    if unknown:
        allowed = ", ".join(sorted(CONDITION_KEYS[kind])) or "none"
        raise UserInputError(f"conditions {sorted(unknown)} do not apply to a {kind} rule (allowed: {allowed})")
    for key in ("min_employees", "min_budget"):
        value = (conditions or {}).get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise UserInputError(f"{key} must be a number of at least 0")
    if kind == "deal_size" and not (conditions or {}).keys() & {"min_employees", "min_budget"}:
        raise UserInputError("a deal_size rule needs min_employees or min_budget")
    if kind in ("deal_size", "round_robin") and not assignee_ids:
        raise UserInputError(f"a {kind} rule needs at least one assignee")
    ids = list(assignee_ids or []) + list((conditions or {}).get("territory_ids") or [])
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise UserInputError("assignee_ids and territory_ids must be whole numbers")
    missing = set(assignee_ids or []) - set(session.scalars(select(User.id).where(User.id.in_(assignee_ids or []))))
    if missing:
        raise UserInputError(f"assignee_ids {sorted(missing)} are not users")


def list_rules(session: Session) -> list[RoutingRule]:
    """Every rule in the order they are tried."""
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def get_rule(session: Session, rule_id: int) -> RoutingRule:
    """One rule, or :class:`NotFound`."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"routing rule {rule_id} not found")
    return rule


def create_rule(session: Session, *, name: str, kind: str, conditions: dict[str, Any] | None = None,
                assignee_ids: list[int] | None = None, position: int | None = None,
                is_active: bool = True) -> RoutingRule:
    """Add a rule (at the end unless ``position`` is given)."""
    _check_rule(session, kind, conditions, assignee_ids)
    if position is None:
        position = (session.scalar(select(func.max(RoutingRule.position))) or 0) + 10
    rule = RoutingRule(name=name.strip() or kind, kind=kind, conditions=conditions or None,
                       assignee_ids=list(assignee_ids or []), position=position, is_active=is_active)
    session.add(rule)
    session.flush()
    return rule


def update_rule(session: Session, rule_id: int, **changes: Any) -> RoutingRule:
    """Change some of a rule's name, kind, conditions, assignees, position or active flag."""
    rule = get_rule(session, rule_id)
    allowed = {"name", "kind", "conditions", "assignee_ids", "position", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise UserInputError(f"cannot change {sorted(unknown)}")
    merged = {k: getattr(rule, k) for k in allowed} | changes
    _check_rule(session, merged["kind"], merged["conditions"], merged["assignee_ids"])
    for key, value in changes.items():
        setattr(rule, key, value)
    session.flush()
    return rule


def delete_rule(session: Session, rule_id: int) -> None:
    """Remove a rule."""
    session.delete(get_rule(session, rule_id))
    session.flush()


def seed_demo_routing(session: Session) -> int:
    """Routing for the demo company when it has none: account owner, then territory, then round robin over
    every active rep; returns the rules made (0 when rules exist: an admin's rules are never replaced)."""
    if session.scalar(select(func.count(RoutingRule.id))):
        return 0
    reps = list(session.scalars(select(User.id).where(User.role == Role.REP, User.is_active.is_(True))
                                .order_by(User.id)))
    create_rule(session, name="Known account: its owner", kind="account_owner")
    create_rule(session, name="Territory reps", kind="territory")
    made = 2
    if reps:
        create_rule(session, name="Everyone else: round robin", kind="round_robin", assignee_ids=reps)
        made += 1
    return made
