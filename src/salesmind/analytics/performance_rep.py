"""One rep's performance report: metrics against the top performers with significance, stage conversion against
the team, win rate by quarter, and whether call coaching exists for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.analytics.performance import (
    MIN_CLOSED,
    higher_is_better,
    load_period,
    metric_label,
    rep_gaps,
    rep_row,
    rep_sample,
    samples,
    top_pool,
    top_set,
    visible_rep,
)
from salesmind.data.models import Call
from salesmind.data.scope import Scope


def _stage_rows(rep: Any, team: Any, order: list[str]) -> list[dict[str, Any]]:
    rows = []
    for stage in order:
        a, r = rep.conversions.get(stage, (0, 0))
        ta, tr = team.conversions.get(stage, (0, 0))
        rows.append({"stage": stage, "rep": a / r if r else None, "rep_n": r, "team": ta / tr if tr else None,
                     "team_n": tr})
    return rows


def win_rate_by_quarter(deals: pd.DataFrame, user_id: int) -> list[dict[str, Any]]:
    """Per calendar quarter of close: the rep's and the whole team's win rate and closed counts (all history)."""
    closed = deals[deals["outcome"].isin(["won", "lost"]) & deals["closed_at"].notna()]
    if closed.empty:
        return []
    quarter = closed["closed_at"].dt.tz_localize(None).dt.to_period("Q").astype(str)
    won = closed["outcome"] == "won"
    mine = closed["owner_id"] == user_id
    team = won.groupby(quarter).agg(["mean", "size"])
    rep = won[mine].groupby(quarter[mine]).agg(["mean", "size"])
    return [{"quarter": q, "team": float(team.loc[q, "mean"]), "team_n": int(team.loc[q, "size"]),
             "rep": float(rep.loc[q, "mean"]) if q in rep.index else None,
             "rep_n": int(rep.loc[q, "size"]) if q in rep.index else 0} for q in team.index]


def rep_report(session: Session, scope: Scope, user_id: int, start: datetime, end: datetime,
               min_closed: int = MIN_CLOSED) -> dict[str, Any]:
    """The rep's row of the team table, every gap to the top performers (with 95% intervals, p and BH q), stage
    conversion against the whole team, win rate by quarter, and ``has_calls`` (coaching exists at /coaching/{id})."""
    user = visible_rep(session, scope, user_id)
    data = load_period(session, start, end)
    all_samples = samples(data)
    if user_id not in all_samples:  # a manager or admin who owns no deal: an empty report, not an error
        all_samples[user_id] = rep_sample(data, user_id)
    top = top_set(all_samples, min_closed)
    pool = top_pool(all_samples, top, user_id)
    gaps = rep_gaps(all_samples[user_id], pool, data.order)
    team = top_pool(all_samples, set(all_samples))
    has_calls = session.scalar(select(Call.id).where(Call.user_id == user_id).limit(1)) is not None
    return {
        "rep": rep_row(data, user_id, all_samples[user_id], user_id in top, gaps),
        "name": user.name,
        "start": data.start.date().isoformat(), "end": data.end.date().isoformat(),
        "top_count": len(top), "top_is_self_only": top == {user_id}, "min_closed": min_closed,
        "gaps": [{**g.as_dict(), "label": metric_label(g.metric), "higher_is_better": higher_is_better(g.metric)}
                 for g in gaps],
        "stages": _stage_rows(all_samples[user_id], team, data.order),
        "win_rate_by_quarter": win_rate_by_quarter(data.deals, user_id),
        "has_calls": has_calls,
    }
