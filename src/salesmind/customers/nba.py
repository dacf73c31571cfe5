"""Next-best-action for open deals and customer accounts, ranked by what moved similar ones forward.

Each candidate :class:`Action` names the CRM trace that counts as having done it (activity types and
subject words, content asset kinds, phrases the rep said on a recorded call, contacts of a role or
seniority added to the deal, products ordered). Actions whose trace never occurs before ``now`` are
returned as "no evidence yet" instead of being ranked.

The evidence rule (a landmark comparison, :func:`action_effects`):

* Deals: a *spell* is the time a deal spent in one stage. A spell is *treated* when the action's
  trace first occurs in it; its landmark is that moment. Every other spell of the same stage is a
  candidate control at the landmark ``stage entry + median delay from entry to the action`` among
  treated spells; it counts when the deal is still in the stage then and has not had the action
  before it. Success: the deal advanced a stage (or was won) within ``window_days`` (30) after the
  landmark.
* Customers: the spell is the account's subscription life (first start to the end of its last
  subscription), the landmark is set the same way from the start, and success is keeping a
  subscription for ``window_days`` (90) after the landmark.

Only landmarks whose whole window ends before ``now`` count, and only history before ``now`` is read.
Rates are compared within the target's stratum (stage and company segment for deals, segment for
customers), falling back to the stage (or all customers) when either side has fewer than ``min_n``
spells. The difference comes with a 95% Newcombe interval (statsmodels) and is shrunk toward zero by
``n_eff / (n_eff + prior_n)`` with ``n_eff = n_with * n_without / (n_with + n_without)``; actions are
ranked by the shrunk difference. This is association in history, not a randomised effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from statsmodels.stats.proportion import confint_proportions_2indep

from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.timeutil import ensure_utc
from salesmind.customers.account_features import company_segment
from salesmind.data.models import (
    Account,
    Activity,
    Call,
    CallParticipant,
    Contact,
    ContentAsset,
    Opportunity,
    OpportunityContact,
    OpportunityHistory,
    Order,
    OrderLine,
    Product,
    Subscription,
    Utterance,
)
from salesmind.data.models.deals import STAGES

WON, LOST = "closed_won", "closed_lost"
SPELL_COLUMNS = ["unit_id", "stratum", "segment", "start", "exit", "good_exit"]
#: The one stratum of customer accounts (their spells are compared within a company segment).
ACCOUNT_STRATUM = "all segments"


@dataclass(frozen=True)
class Action:
    """A candidate action and the CRM traces that count as having done it."""

    key: str
    label: str
    did: str
    target: str  # "deal" or "account"
    activity_types: tuple[str, ...] = ()
    subject_words: tuple[str, ...] = ()
    content_kinds: tuple[str, ...] = ()
    call_phrases: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    with_champion: bool = False
    product_words: tuple[str, ...] = ()


DEAL_ACTIONS = (
    Action("technical_demo", "Book a technical demo", "had a technical demo", "deal",
           activity_types=("call", "meeting"), subject_words=("demo",)),
    Action("case_study", "Send a case study", "were offered a case study", "deal",
           content_kinds=("case_study",), subject_words=("case study",), call_phrases=("case study",)),
    Action("executive_sponsor", "Bring in an executive sponsor", "added a VP or C-level contact", "deal",
           seniorities=("vp", "c_level")),
    Action("technical_evaluator", "Bring in the technical evaluator", "added a technical evaluator", "deal",
           roles=("technical evaluator",)),
    Action("call_champion", "Call the champion", "had a call or meeting with the champion", "deal",
           activity_types=("call", "meeting"), with_champion=True),
    Action("pilot", "Propose a pilot", "discussed a pilot", "deal",
           subject_words=("pilot", "proof of concept"), call_phrases=("pilot",)),
    Action("discount_review", "Review the discount", "discussed a discount", "deal",
           subject_words=("discount",), call_phrases=("discount",)),
)
ACCOUNT_ACTIONS = (
    Action("training", "Offer training", "bought or had a training session", "account",
           product_words=("training",), subject_words=("training",)),
    Action("onboarding", "Offer an onboarding package", "bought an onboarding package", "account",
           product_words=("onboarding",)),
    Action("executive_call", "Hold an executive call", "had a call or meeting with a VP or C-level contact",
           "account", activity_types=("call", "meeting"), seniorities=("vp", "c_level")),
    Action("business_review", "Run a business review", "had a business review", "account",
           subject_words=("business review", "qbr")),
    Action("discount_review", "Review the discount", "discussed a discount", "account",
           subject_words=("discount",)),
)


@dataclass(frozen=True)
class ActionEvidence:
    """One action's measured association with success in the target's stratum."""

    action: Action
    basis: str
    n_with: int
    n_without: int
    rate_with: float
    rate_without: float
    difference: float
    ci_low: float
    ci_high: float
    shrunk: float
    evidence: str


@dataclass
class NextActions:
    """Ranked actions for one deal or account, and the actions that have no evidence yet."""

    target: str
    target_id: int
    basis: str
    ranked: list[ActionEvidence] = field(default_factory=list)
    no_evidence: list[tuple[Action, str]] = field(default_factory=list)
    already_done: list[Action] = field(default_factory=list)


# --- the evidence rule on plain frames ----------------------------------------------------------

def landmark_outcomes(spells: pd.DataFrame, events: pd.DataFrame, now: datetime, window_days: float,
                      success: str = "advance") -> pd.DataFrame:
    """Treated and control spells at their landmarks with their outcome, per stratum.

    ``spells``: unit_id, stratum, segment, start, exit (NaT while open), good_exit. ``events``: unit_id,
    time (one action). Returns unit_id, stratum, segment, treated, landmark, success.
    """
    now_ts = pd.Timestamp(ensure_utc(now, "UTC"))
    window = pd.Timedelta(days=window_days)
    spells = spells.reset_index(drop=True).assign(spell=lambda f: np.arange(len(f)))
    ends = spells["exit"].fillna(now_ts)
    events = events[pd.to_datetime(events["time"], utc=True) < now_ts]
    joined = spells[["spell", "unit_id", "start"]].assign(end=ends).merge(events[["unit_id", "time"]], on="unit_id")
    inside = joined[(joined["time"] >= joined["start"]) & (joined["time"] < joined["end"])]
    first = inside.groupby("spell")["time"].min()
    spells["first_action"] = spells["spell"].map(first)
    spells["treated"] = spells["first_action"].notna()
    # median in float days: pandas' grouped median of timedeltas with NaT gives garbage
    days = (spells["first_action"] - spells["start"]).dt.total_seconds() / 86400.0
    delay = pd.to_timedelta(spells["stratum"].map(days.groupby(spells["stratum"]).median()), unit="D")
    spells["landmark"] = spells["first_action"].where(spells["treated"], spells["start"] + delay)
    still_in = spells["exit"].isna() | (spells["exit"] > spells["landmark"])
    observed = spells["landmark"].notna() & (spells["landmark"] + window <= now_ts) & still_in
    rows = spells[observed].copy()
    exits_in_window = rows["exit"].notna() & (rows["exit"] <= rows["landmark"] + window)
    if success == "advance":
        rows["success"] = exits_in_window & rows["good_exit"].astype(bool)
    elif success == "retain":
        rows["success"] = ~exits_in_window
    else:
        raise UserInputError(f"unknown success rule {success!r}; use 'advance' or 'retain'")
    return rows[["unit_id", "stratum", "segment", "treated", "landmark", "success"]].reset_index(drop=True)


def compare(outcomes: pd.DataFrame, prior_n: float = 30.0) -> dict[str, float] | None:
    """Rates with and without the action, their difference, a 95% Newcombe interval and the shrunk difference."""
    with_ = outcomes.loc[outcomes["treated"], "success"]
    without = outcomes.loc[~outcomes["treated"], "success"]
    n1, n0 = len(with_), len(without)
    if n1 == 0 or n0 == 0:
        return None
    k1, k0 = int(with_.sum()), int(without.sum())
    low, high = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb", compare="diff")
    difference = k1 / n1 - k0 / n0
    n_eff = n1 * n0 / (n1 + n0)
    return {"n_with": n1, "n_without": n0, "rate_with": k1 / n1, "rate_without": k0 / n0,
            "difference": difference, "ci_low": float(low), "ci_high": float(high),
            "shrunk": difference * n_eff / (n_eff + prior_n)}


def action_effects(spells: pd.DataFrame, events: pd.DataFrame, now: datetime, window_days: float,
                   stratum: str, segment: str | None, success: str = "advance", min_n: int = 20,
                   prior_n: float = 30.0) -> tuple[str, dict[str, float]] | None:
    """The comparison for one action in ``stratum`` and ``segment``, falling back to the stratum alone."""
    outcomes = landmark_outcomes(spells[spells["stratum"] == stratum], events, now, window_days, success)
    narrow = outcomes[outcomes["segment"] == segment] if segment is not None else outcomes.iloc[0:0]
    narrow_basis = str(segment) if stratum == ACCOUNT_STRATUM else f"{stratum}, {segment}"
    for basis, part in ((narrow_basis, narrow), (stratum, outcomes)):
        result = compare(part, prior_n)
        if result and min(result["n_with"], result["n_without"]) >= min_n:
            return basis, result
    result = compare(outcomes, prior_n)
    return (stratum, result) if result else None


def _sentence(action: Action, basis: str, r: dict[str, float], window_days: float, target: str) -> str:
    diff = f"{r['difference'] * 100:+.0f} points, 95% CI {r['ci_low'] * 100:+.0f} to {r['ci_high'] * 100:+.0f}"
    counts = f"n={r['n_with']:,}/{r['n_without']:,}"
    if target == "deal":
        return (f"deals in {basis} that {action.did} advanced within {window_days:g} days "
                f"{r['rate_with']:.0%} of the time vs {r['rate_without']:.0%} without ({counts}; {diff})")
    return (f"customers ({basis}) that {action.did} kept their subscription over the next {window_days:g} days "
            f"{r['rate_with']:.0%} of the time vs {r['rate_without']:.0%} without ({counts}; {diff})")


def rank_actions(spells: pd.DataFrame, events: dict[str, pd.DataFrame], actions: tuple[Action, ...],
                 now: datetime, window_days: float, stratum: str, segment: str | None, success: str,
                 min_n: int = 20, prior_n: float = 30.0, min_with: int = 5,
                 ) -> tuple[list[ActionEvidence], list[tuple[Action, str]]]:
    """Evidence for each action in the target's stratum, ranked by the shrunk difference."""
    ranked, missing = [], []
    target = actions[0].target if actions else "deal"
    for action in actions:
        found = events.get(action.key, pd.DataFrame(columns=["unit_id", "time"]))
        if found.empty:
            missing.append((action, "no evidence yet: the CRM history has no record of this action"))
            continue
        effect = action_effects(spells, found, now, window_days, stratum, segment, success, min_n, prior_n)
        if effect is None or effect[1]["n_with"] < min_with:
            n = 0 if effect is None else effect[1]["n_with"]
            missing.append((action, f"no evidence yet at this point: {n} comparable cases had it"))
            continue
        basis, r = effect
        ranked.append(ActionEvidence(action, basis, int(r["n_with"]), int(r["n_without"]), r["rate_with"],
                                     r["rate_without"], r["difference"], r["ci_low"], r["ci_high"], r["shrunk"],
                                     _sentence(action, basis, r, window_days, target)))
    ranked.sort(key=lambda e: -e.shrunk)
    return ranked, missing


# --- reading spells and traces from the CRM (point in time) --------------------------------------

def _frame(session: Session, statement, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame([tuple(r) for r in session.execute(statement).all()], columns=columns)
    for column in columns:
        if column in ("time", "start", "exit", "created", "changed_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def deal_spells(session: Session, now: datetime) -> pd.DataFrame:
    """One row per (deal, stage) spell from the stage history before ``now``."""
    history = _frame(session, select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at,
                                     OpportunityHistory.stage).where(OpportunityHistory.changed_at < now)
                     .order_by(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.id),
                     ["unit_id", "changed_at", "stage"])
    if history.empty:
        return pd.DataFrame(columns=SPELL_COLUMNS)
    history["stage"] = history["stage"].str.lower()
    changed = history["stage"] != history.groupby("unit_id")["stage"].shift()
    steps = history[changed].copy()
    steps["next_stage"] = steps.groupby("unit_id")["stage"].shift(-1)
    steps["exit"] = steps.groupby("unit_id")["changed_at"].shift(-1)
    order = {s: i for i, s in enumerate(STAGES[:5])}
    here = steps["stage"].map(order)
    there = steps["next_stage"].map(order)
    steps["good_exit"] = (steps["next_stage"] == WON) | (there > here)
    spells = steps[~steps["stage"].isin((WON, LOST))].rename(columns={"changed_at": "start", "stage": "stratum"})
    segments = _deal_segments(session)
    spells["segment"] = spells["unit_id"].map(segments)
    return spells[SPELL_COLUMNS].reset_index(drop=True)


def _deal_segments(session: Session) -> pd.Series:
    rows = _frame(session, select(Opportunity.id, Account.employees).outerjoin(
        Account, Account.id == Opportunity.account_id), ["unit_id", "employees"])
    return rows.set_index("unit_id")["employees"].map(company_segment)


def account_spells(session: Session, now: datetime) -> pd.DataFrame:
    """One row per customer account: its subscription life (first start, end of the last subscription)."""
    subs = _frame(session, select(Subscription.account_id, Subscription.started_at, Subscription.ended_at)
                  .where(Subscription.started_at < now), ["unit_id", "start", "exit"])
    if subs.empty:
        return pd.DataFrame(columns=SPELL_COLUMNS)
    subs.loc[subs["exit"] >= pd.Timestamp(now), "exit"] = pd.NaT
    grouped = subs.groupby("unit_id")
    spells = pd.DataFrame({"start": grouped["start"].min(),
                           "exit": grouped["exit"].max().where(~grouped["exit"].apply(lambda s: s.isna().any()))})
    employees = _frame(session, select(Account.id, Account.employees).where(
        Account.id.in_(select(Subscription.account_id).scalar_subquery())), ["unit_id", "employees"])
    spells["segment"] = spells.index.map(employees.set_index("unit_id")["employees"].map(company_segment))
    spells["stratum"] = ACCOUNT_STRATUM
    spells["good_exit"] = False
    return spells.reset_index()[SPELL_COLUMNS]


def _words(column, words: tuple[str, ...]):  # type: ignore[no-untyped-def]
    return or_(*[column.ilike(f"%{w}%") for w in words])


def action_events(session: Session, now: datetime, action: Action) -> pd.DataFrame:
    """When each deal (or account) first showed the action's trace before ``now``: unit_id, time."""
    unit = Activity.opportunity_id if action.target == "deal" else Activity.account_id
    parts: list[pd.DataFrame] = []
    base = select(unit, Activity.occurred_at).where(Activity.occurred_at < now, unit.is_not(None))
    if action.subject_words and not (action.with_champion or action.seniorities):
        statement = base.where(_words(Activity.subject, action.subject_words))
        if action.activity_types:
            statement = statement.where(Activity.type.in_(action.activity_types))
        parts.append(_frame(session, statement, ["unit_id", "time"]))
    if action.content_kinds:
        parts.append(_frame(session, base.join(ContentAsset, ContentAsset.id == Activity.content_asset_id)
                            .where(ContentAsset.kind.in_(action.content_kinds)), ["unit_id", "time"]))
    if action.with_champion:
        champions = select(OpportunityContact.contact_id).where(
            OpportunityContact.opportunity_id == Activity.opportunity_id, OpportunityContact.role == "champion")
        parts.append(_frame(session, base.where(Activity.type.in_(action.activity_types),
                                                Activity.contact_id.in_(champions.scalar_subquery())),
                            ["unit_id", "time"]))
    if action.seniorities and action.target == "account":
        parts.append(_frame(session, base.join(Contact, Contact.id == Activity.contact_id)
                            .where(Activity.type.in_(action.activity_types),
                                   Contact.seniority.in_(action.seniorities)), ["unit_id", "time"]))
    if action.call_phrases and action.target == "deal":
        parts.append(_frame(session, select(Call.opportunity_id, Call.started_at)
                            .join(Utterance, Utterance.call_id == Call.id)
                            .join(CallParticipant, CallParticipant.id == Utterance.participant_id)
                            .where(Call.started_at < now, Call.opportunity_id.is_not(None),
                                   CallParticipant.role == "rep", _words(Utterance.text, action.call_phrases)),
                            ["unit_id", "time"]))
    if (action.seniorities or action.roles) and action.target == "deal":
        parts.append(_contacts_added(session, now, action))
    if action.product_words:
        parts.append(_frame(session, select(Order.account_id, Order.ordered_at)
                            .join(OrderLine, OrderLine.order_id == Order.id)
                            .join(Product, Product.id == OrderLine.product_id)
                            .where(Order.ordered_at < now, Order.account_id.is_not(None),
                                   _words(Product.name, action.product_words)), ["unit_id", "time"]))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["unit_id", "time"])
    return pd.concat(parts, ignore_index=True).drop_duplicates().sort_values(["unit_id", "time"])


def _contacts_added(session: Session, now: datetime, action: Action) -> pd.DataFrame:
    """Contacts of the action's seniority or role joining a deal (at the later of their creation and the deal's)."""
    statement = (select(OpportunityContact.opportunity_id, Contact.created_at, Opportunity.created_at,
                        OpportunityContact.role, Contact.seniority)
                 .join(Contact, Contact.id == OpportunityContact.contact_id)
                 .join(Opportunity, Opportunity.id == OpportunityContact.opportunity_id))
    frame = _frame(session, statement, ["unit_id", "time", "created", "role", "seniority"])
    frame["time"] = frame[["time", "created"]].max(axis=1)
    frame["seniority"] = frame["seniority"].map(lambda s: str(getattr(s, "value", s)))
    keep = frame["role"].isin(action.roles) if action.roles else (
        frame["seniority"].isin(action.seniorities) & (frame["role"] != "champion"))
    return frame.loc[keep & (frame["time"] < pd.Timestamp(now)), ["unit_id", "time"]]


# --- the public entry point ------------------------------------------------------------------------

def next_best_actions(session: Session, now: datetime, opportunity_id: int | None = None,
                      account_id: int | None = None, top: int = 3, window_days: float | None = None,
                      min_n: int = 20, prior_n: float = 30.0) -> NextActions:
    """Rank candidate actions for an open deal or a customer account by their evidence in history before ``now``."""
    if (opportunity_id is None) == (account_id is None):
        raise UserInputError("give exactly one of opportunity_id or account_id")
    if top < 1:
        raise UserInputError(f"top must be at least 1, got {top}")
    now = ensure_utc(now, "UTC")
    if opportunity_id is not None:
        spells, actions, success = deal_spells(session, now), DEAL_ACTIONS, "advance"
        window = 30.0 if window_days is None else window_days
        target, target_id = "deal", opportunity_id
        if session.get(Opportunity, opportunity_id) is None:
            raise NotFound(f"no opportunity with id {opportunity_id}")
    else:
        spells, actions, success = account_spells(session, now), ACCOUNT_ACTIONS, "retain"
        window = 90.0 if window_days is None else window_days
        target, target_id = "account", int(account_id)  # type: ignore[arg-type]
        if session.get(Account, target_id) is None:
            raise NotFound(f"no account with id {target_id}")
    mine = spells[spells["unit_id"] == target_id]
    current = mine[mine["exit"].isna()]
    if current.empty:
        what = "an open deal" if target == "deal" else "a customer with an active subscription"
        raise UserInputError(f"{target} {target_id} is not {what} at {now.date()}")
    spell = current.iloc[-1]
    events = {a.key: action_events(session, now, a) for a in actions}
    done = [a for a in actions if ((events[a.key]["unit_id"] == target_id)
                                   & (events[a.key]["time"] >= spell["start"])).any()]
    todo = tuple(a for a in actions if a not in done)
    ranked, missing = rank_actions(spells, events, todo, now, window, spell["stratum"], spell["segment"], success,
                                   min_n=min_n, prior_n=prior_n)
    basis = str(spell["stratum"]) if not spell["segment"] else (
        str(spell["segment"]) if spell["stratum"] == ACCOUNT_STRATUM else f"{spell['stratum']}, {spell['segment']}")
    return NextActions(target, target_id, basis, ranked[:top], missing, done)


def account_actions(session: Session, now: datetime, top: int = 3, window_days: float = 90.0,
                    min_n: int = 20, prior_n: float = 30.0) -> dict[int, list[dict[str, object]]]:
    """:func:`next_best_actions` for every customer with an active subscription, in one pass.

    The evidence of an action depends only on the customer's segment, so it is measured once per
    segment; each customer then gets the best ``top`` actions it has not had since it became a
    customer. Returns ``{account_id: [{"action", "key", "score", "evidence"}, ...]}``.
    """
    now = ensure_utc(now, "UTC")
    spells = account_spells(session, now)
    current = spells[spells["exit"].isna()]
    if current.empty:
        return {}
    events = {a.key: action_events(session, now, a) for a in ACCOUNT_ACTIONS}
    by_segment: dict[object, list[ActionEvidence]] = {}
    out: dict[int, list[dict[str, object]]] = {}
    for spell in current.itertuples(index=False):
        segment = spell.segment if isinstance(spell.segment, str) else None
        if segment not in by_segment:
            by_segment[segment] = rank_actions(spells, events, ACCOUNT_ACTIONS, now, window_days, ACCOUNT_STRATUM,
                                               segment, "retain", min_n=min_n, prior_n=prior_n)[0]
        done = {key for key, found in events.items()
                if ((found["unit_id"] == spell.unit_id) & (found["time"] >= spell.start)).any()}
        chosen = [e for e in by_segment[segment] if e.action.key not in done and e.shrunk > 0][:top]
        if chosen:
            out[int(spell.unit_id)] = [{"action": e.action.label, "key": e.action.key, "score": round(e.shrunk, 4),
                                        "evidence": e.evidence} for e in chosen]
    return out
