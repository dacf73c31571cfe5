"""Lead cohorts by source and created month: how many leads, the share converted, the share won.

Tracing a converted lead to a win: the lead's ``converted_opportunity_id`` when it has one (``link``);
otherwise the deals on the lead's account created from one day before its conversion up to
:data:`TRACE_DAYS` days after (``account``; won if any of them was won). A converted lead with neither
is untraced and left out of the won share's denominator.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from salesmind.analytics.periods import as_utc
from salesmind.data.models import Lead, Opportunity
from salesmind.data.scope import Scope

TRACE_DAYS = 180
LEAD_COLUMNS = ["lead_id", "source", "created_at", "converted_at", "account_id", "opportunity_id", "outcome"]


def lead_frame(session: Session, scope: Scope, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """The visible leads created in ``[start, end)`` with their linked deal's outcome (if any)."""
    # times as text, parsed by pandas in one vectorised pass (the per-value UTC type hook dominates otherwise)
    stmt = (select(Lead.id, Lead.source, cast(Lead.created_at, String), cast(Lead.converted_at, String), Lead.account_id,
                   Lead.converted_opportunity_id, Opportunity.outcome)
            .outerjoin(Opportunity, Opportunity.id == Lead.converted_opportunity_id))
    stmt = scope.restrict(stmt, Lead.owner_id)
    if start is not None:
        stmt = stmt.where(Lead.created_at >= as_utc(start).to_pydatetime())
    if end is not None:
        stmt = stmt.where(Lead.created_at < as_utc(end).to_pydatetime())
    frame = pd.DataFrame(session.connection().execute(stmt).all(), columns=LEAD_COLUMNS)
    frame["outcome"] = frame["outcome"].map(lambda o: None if o is None else str(getattr(o, "value", o)))
    for column in ("created_at", "converted_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def trace_outcomes(leads: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """``leads`` with ``traced`` (link / account / None) and ``won`` (bool, NaN when untraced)."""
    out = leads.copy()
    converted = out["converted_at"].notna()
    linked = converted & out["opportunity_id"].notna() & out["outcome"].notna()
    out["traced"] = None
    out.loc[linked, "traced"] = "link"
    out["won"] = out["outcome"].eq("won").where(linked)
    candidates = out[converted & ~linked & out["account_id"].notna()]
    if len(candidates) and len(deals):
        left = candidates[["lead_id", "converted_at"]].assign(acc=candidates["account_id"].astype(float))
        known = deals.dropna(subset=["account_id"])
        right = known[["created_at", "outcome"]].assign(acc=known["account_id"].astype(float))
        pairs = left.merge(right, on="acc")
        window = ((pairs["created_at"] >= pairs["converted_at"] - pd.Timedelta(days=1))
                  & (pairs["created_at"] <= pairs["converted_at"] + pd.Timedelta(days=TRACE_DAYS)))
        hits = pairs[window].groupby("lead_id")["outcome"].agg(lambda s: bool((s == "won").any()))
        mask = out["lead_id"].isin(hits.index)
        out.loc[mask, "traced"] = "account"
        out.loc[mask, "won"] = out.loc[mask, "lead_id"].map(hits).astype(object)
    return out


def cohort_table(leads: pd.DataFrame) -> pd.DataFrame:
    """Per source and created month (``YYYY-MM``): ``leads, converted, converted_share, traced, won,
    won_share`` (won among traced converted leads) and ``won_per_lead`` (won / leads)."""
    if leads.empty:
        return pd.DataFrame(columns=["source", "month", "leads", "converted", "converted_share", "traced", "won",
                                     "won_share", "won_per_lead"])
    frame = leads.assign(source=leads["source"].fillna("(none)"),
                         month=leads["created_at"].dt.tz_convert(None).dt.to_period("M").astype(str),
                         is_converted=leads["converted_at"].notna(), is_traced=leads["traced"].notna(),
                         is_won=leads["won"].eq(True))
    table = frame.groupby(["source", "month"]).agg(leads=("lead_id", "size"), converted=("is_converted", "sum"),
                                                   traced=("is_traced", "sum"), won=("is_won", "sum")).reset_index()
    table["converted_share"] = table["converted"] / table["leads"]
    table["won_share"] = (table["won"] / table["traced"]).where(table["traced"] > 0)
    table["won_per_lead"] = table["won"] / table["leads"]
    for column in ("converted", "traced", "won"):
        table[column] = table[column].astype(int)
    return table[["source", "month", "leads", "converted", "converted_share", "traced", "won", "won_share",
                  "won_per_lead"]]
