"""Coaching as the pages, API and CLI show it: the team overview and one rep's report, in the caller's scope.

Top performers are chosen from the whole sales team (a rep is coached against the best of the team, not only
against themself), but a caller only sees the reps in their scope: a rep their own report, a manager their teams'
reps, an admin everyone. Other reps' calls enter a report only as the top performers' averages.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.conversations.coaching import (
    MIN_CLOSED,
    CallFacts,
    CoachingItem,
    Comparison,
    Moment,
    WinRate,
    coach,
    find_moment,
    top_performers,
    win_rates,
)
from salesmind.conversations.service import call_segments
from salesmind.core.errors import NotFound
from salesmind.data.models import Call, CallAnalysis, Opportunity, OpportunityHistory, Outcome, User
from salesmind.data.scope import Scope

DISCOVERY = "discovery"


@dataclass(frozen=True)
class RepCoaching:
    """One rep's coaching: their calls' metrics against the top performers, what to work on, strengths."""

    user_id: int
    name: str
    email: str
    calls: int
    win: WinRate | None
    is_top: bool
    comparisons: list[Comparison]
    work_on: list[CoachingItem]
    strengths: list[CoachingItem]
    top_count: int

    def metric(self, key: str) -> Comparison:
        """The comparison of one metric."""
        return next(c for c in self.comparisons if c.spec.key == key)


@dataclass(frozen=True)
class TeamCoaching:
    """Every rep in scope with analysed calls, and how top performers were chosen."""

    reps: list[RepCoaching]
    top_count: int
    min_closed: int


def _stage_at(history: dict[int, tuple[list[Any], list[str]]], opportunity_id: int | None, when: Any) -> str | None:
    if opportunity_id not in history:
        return None
    times, stages = history[opportunity_id]
    i = bisect_right(times, when)
    return stages[i - 1] if i else None


def load_call_facts(session: Session) -> list[CallFacts]:
    """Every analysed call with a rep, as coaching facts (discovery from the title or the deal's stage then)."""
    rows = session.execute(
        select(Call.id, Call.user_id, Call.title, Call.started_at, Call.opportunity_id, Opportunity.stage,
               CallAnalysis.metrics, CallAnalysis.topics)
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .outerjoin(Opportunity, Opportunity.id == Call.opportunity_id)
        .where(Call.user_id.is_not(None)).order_by(Call.id)).all()
    untitled = {r.opportunity_id for r in rows if DISCOVERY not in (r.title or "").lower() and r.opportunity_id}
    history: dict[int, tuple[list[Any], list[str]]] = {}
    if untitled:
        for opp, at, stage in session.execute(
                select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.stage)
                .where(OpportunityHistory.opportunity_id.in_(untitled)).order_by(OpportunityHistory.changed_at)):
            times, stages = history.setdefault(opp, ([], []))
            times.append(at)
            stages.append(stage)
    facts = []
    for r in rows:
        stage = _stage_at(history, r.opportunity_id, r.started_at) or r.stage
        discovery = DISCOVERY in (r.title or "").lower() or (stage or "").lower() == DISCOVERY
        facts.append(CallFacts(r.id, r.user_id, r.title, discovery, r.metrics or {},
                               bool((r.topics or {}).get("next_steps"))))
    return facts


def closed_deals(session: Session) -> dict[int, tuple[int, int]]:
    """(won, lost) deals per owner."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for owner, outcome, n in session.execute(
            select(Opportunity.owner_id, Opportunity.outcome, func.count())
            .where(Opportunity.owner_id.is_not(None), Opportunity.outcome.in_([Outcome.WON, Outcome.LOST]))
            .group_by(Opportunity.owner_id, Opportunity.outcome)):
        counts[owner][0 if outcome == Outcome.WON else 1] += n
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _team(session: Session, scope: Scope, only: int | None = None,
          min_closed: int = MIN_CLOSED) -> tuple[TeamCoaching, dict[int, list[CallFacts]]]:
    facts = load_call_facts(session)
    by_rep: dict[int, list[CallFacts]] = defaultdict(list)
    for f in facts:
        by_rep[f.user_id].append(f)
    rates = win_rates(closed_deals(session))
    top = top_performers(rates, min_closed)
    visible = [u for u in by_rep if scope.can_see(u) and (only is None or u == only)]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(visible)))} if visible else {}
    reps = []
    for user_id in visible:
        others = [f for t in top if t != user_id for f in by_rep.get(t, [])]
        comparisons, work_on, strengths = coach(by_rep[user_id], others)
        user = users[user_id]
        reps.append(RepCoaching(user_id, user.name, user.email, len(by_rep[user_id]), rates.get(user_id),
                                user_id in top, comparisons, work_on, strengths, len(top)))
    reps.sort(key=lambda r: (-(r.win.rate if r.win else -1), r.name))
    return TeamCoaching(reps, len(top), min_closed), by_rep


def team_coaching(session: Session, scope: Scope, min_closed: int = MIN_CLOSED) -> TeamCoaching:
    """Every rep in scope with analysed calls: metrics, win rate, top-performer marker, items (without moments)."""
    return _team(session, scope, min_closed=min_closed)[0]


def _moments(session: Session, item: CoachingItem) -> CoachingItem:
    if not item.example_calls:
        return item
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(item.example_calls)))}
    found = []
    for call_id in item.example_calls:
        call = calls[call_id]
        segments, roles = call_segments(call)
        moment = find_moment(item.metric, segments, roles)
        if moment is not None:
            found.append(Moment(call.id, call.title, round(moment[0], 1), moment[1]))
    return replace(item, moments=tuple(found))


def rep_coaching(session: Session, scope: Scope, user_id: int, min_closed: int = MIN_CLOSED) -> RepCoaching:
    """One visible rep's report with example moments from their calls; :class:`NotFound` otherwise."""
    scope.check(user_id, f"rep {user_id}")
    team, _ = _team(session, scope, only=user_id, min_closed=min_closed)
    if not team.reps:
        raise NotFound(f"rep {user_id} not found (no analysed calls)")
    rep = team.reps[0]
    return replace(rep, work_on=[_moments(session, i) for i in rep.work_on])


def rep_id_by_email(session: Session, email: str) -> int:
    """The id of the user with ``email``; :class:`NotFound` otherwise."""
    user_id = session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))
    if user_id is None:
        raise NotFound(f"no user with email {email!r}")
    return int(user_id)



def comparison_dict(c: Comparison) -> dict[str, Any]:
    """One metric comparison, JSON-ready."""
    return {"metric": c.spec.key, "label": c.spec.label, "n": c.rep.n, "mean": c.rep.mean, "p25": c.rep.p25,
            "median": c.rep.median, "p75": c.rep.p75, "top_mean": c.top_mean, "gap": c.gap, "p_value": c.p_value,
            "effect": c.effect, "verdict": c.verdict, "sample": c.sample, "reference": c.spec.reference}


def item_dict(item: CoachingItem) -> dict[str, Any]:
    """A thing to work on (or a strength), JSON-ready, with its moments."""
    return {"metric": item.metric, "label": item.label, "rep_value": item.rep_value, "target": item.target,
            "reason": item.reason, "priority": round(item.priority, 4),
            "moments": [{"call_id": m.call_id, "title": m.title, "at_seconds": m.at_seconds, "quote": m.quote}
                        for m in item.moments]}


def rep_dict(rep: RepCoaching) -> dict[str, Any]:
    """One rep's coaching, JSON-ready (what the API and ``salesmind calls coaching --json`` return)."""
    win = None if rep.win is None else {"won": rep.win.won, "lost": rep.win.lost, "rate": rep.win.rate,
                                        "low": rep.win.low, "high": rep.win.high}
    return {"user_id": rep.user_id, "name": rep.name, "email": rep.email, "calls": rep.calls, "win": win,
            "is_top": rep.is_top, "metrics": [comparison_dict(c) for c in rep.comparisons],
            "work_on": [item_dict(i) for i in rep.work_on], "strengths": [item_dict(i) for i in rep.strengths]}


def team_dict(team: TeamCoaching) -> dict[str, Any]:
    """The team overview, JSON-ready."""
    return {"top_count": team.top_count, "min_closed": team.min_closed, "reps": [rep_dict(r) for r in team.reps]}
