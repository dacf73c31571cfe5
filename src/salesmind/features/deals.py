"""Deal features as of a cut-off: stage and its age, slips, size, people, activity, pricing talk.

Stage, amount and close date are replayed from the history table up to the cut-off. The CRM
keeps no history of the discount or the competitor fields:

- the stored ``discount_pct`` is the deal's final discount, typically entered at the proposal
  stage, so using it on an earlier snapshot tells the model the deal got that far (a leak). It
  is not a feature; ``discount_so_far_pct`` (how far the amount has come down from its first
  value, replayed from the history) measures the discount given up to the cut-off instead;
- the stored ``competitor`` is taken as known from the deal's creation. That holds when the
  field is filled at qualification (the demo company does); :func:`late_filled_columns` checks
  it on the store's own data and the training frame drops the column when open deals have it
  filled far less often than closed ones (the sign that it is filled in late).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from salesmind.data.models import (
    Call,
    Contact,
    Opportunity,
    OpportunityHistory,
    Utterance,
)
from salesmind.features.frames import cut_at, load_events, rows_for_ids, rows_frame

_SENIORITY_RANK = {"c_level": 5, "vp": 4, "director": 3, "manager": 2, "individual": 1, "unknown": 0}
PRICING_WORDS = ("price", "pricing", "cost", "budget", "discount", "quote")


def _opportunities(session: Session, ids: Iterable[int] | None) -> pd.DataFrame:
    stmt = select(Opportunity.id, Opportunity.created_at, Opportunity.closed_at, Opportunity.outcome,
                  Opportunity.amount, Opportunity.competitor, Opportunity.discount_pct,
                  Opportunity.lead_source, Opportunity.owner_id, Opportunity.account_id)
    if ids is not None:
        stmt = stmt.where(Opportunity.id.in_(list(ids)))
    frame = rows_frame(session, stmt, ["opportunity_id", "created_at", "closed_at", "outcome", "amount",
                                       "competitor", "discount_pct", "lead_source", "owner_id", "account_id"])
    frame["outcome"] = frame["outcome"].map(lambda o: getattr(o, "value", o))
    for col in ("created_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("amount", "discount_pct"):
        frame[col] = pd.to_numeric(frame[col].map(lambda v: None if v is None else float(v)))
    return frame.set_index("opportunity_id")


def _history(session: Session, ids: list[int]) -> pd.DataFrame:
    hist = rows_for_ids(
        session,
        lambda chunk: select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at,
                             OpportunityHistory.stage, OpportunityHistory.amount,
                             OpportunityHistory.expected_close_date)
        .where(OpportunityHistory.opportunity_id.in_(chunk)),
        ids, ["entity_id", "changed_at", "stage", "amount", "close_date"])
    hist["changed_at"] = pd.to_datetime(hist["changed_at"], utc=True)
    hist["amount"] = pd.to_numeric(hist["amount"].map(lambda v: None if v is None else float(v)))
    hist["close_date"] = pd.to_datetime(hist["close_date"])
    return hist.sort_values(["entity_id", "changed_at"], kind="stable")


def deal_features(session: Session, as_of: datetime | pd.Series,
                  opportunity_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per deal (index ``opportunity_id``) from what was known at ``as_of``.

    Deals created after their cut-off are left out.
    """
    deals = _opportunities(session, opportunity_ids if not isinstance(as_of, pd.Series) else as_of.index)
    cutoffs = as_of if isinstance(as_of, pd.Series) else pd.Series(pd.Timestamp(as_of), index=deals.index)
    cutoffs = pd.to_datetime(cutoffs, utc=True).reindex(deals.index)
    keep = deals["created_at"] <= cutoffs
    deals, cutoffs = deals[keep], cutoffs[keep]
    ids = [int(i) for i in deals.index]
    out = pd.DataFrame(index=deals.index)
    out["deal_age_days"] = (cutoffs - deals["created_at"]).dt.total_seconds() / 86400.0
    out["competitor"] = deals["competitor"].astype("string")
    out["competitor_present"] = deals["competitor"].notna()
    out["lead_source"] = deals["lead_source"].astype("string")
    out = out.join(_stage_features(_history(session, ids), cutoffs, deals))
    out["amount_vs_typical"] = out["amount"] / _typical_won_amount(session, cutoffs)
    out = out.join(_activity_features(session, ids, cutoffs))
    out["pricing_discussed"] = _pricing_discussed(session, ids, cutoffs).reindex(out.index, fill_value=False).astype(bool)
    return out


def _stage_features(hist: pd.DataFrame, cutoffs: pd.Series, deals: pd.DataFrame) -> pd.DataFrame:
    hist = hist.merge(cutoffs.rename("as_of"), left_on="entity_id", right_index=True)
    hist = hist[hist["changed_at"] <= hist["as_of"]]
    out = pd.DataFrame(index=cutoffs.index)
    last = hist.groupby("entity_id").tail(1).set_index("entity_id")
    out["stage"] = last["stage"].reindex(out.index).astype("string")
    out["amount"] = last["amount"].reindex(out.index).fillna(deals["amount"])
    first = hist.dropna(subset=["amount"]).groupby("entity_id")["amount"].first().reindex(out.index)
    cut = (1.0 - last["amount"].reindex(out.index) / first.where(first > 0)) * 100.0
    out["discount_so_far_pct"] = cut.clip(lower=0.0).round(2)
    # Time in the current stage: since the first history row of the current stage run.
    run_start = hist.assign(new_run=hist["stage"] != hist.groupby("entity_id")["stage"].shift())
    run_start = run_start[run_start["new_run"]].groupby("entity_id")["changed_at"].last()
    out["days_in_stage"] = (cutoffs - run_start.reindex(out.index)).dt.total_seconds() / 86400.0
    out["stage_changes"] = hist.groupby("entity_id")["stage"].apply(
        lambda s: int((s != s.shift()).sum() - 1)).reindex(out.index).fillna(0)
    pushed = hist["close_date"] > hist.groupby("entity_id")["close_date"].shift()
    out["close_date_pushes"] = pushed.groupby(hist["entity_id"]).sum().reindex(out.index).fillna(0).astype(int)
    close = last["close_date"].reindex(out.index)
    as_of_day = cutoffs.dt.tz_convert(None).dt.normalize()
    out["days_to_expected_close"] = (close - as_of_day).dt.days
    return out


#: Up to this many distinct cut-offs, the typical won amount is asked of the database per
#: cut-off (scoring a few deals now); above it, the won deals are read once (training frames).
FEW_CUTOFFS = 8


def _won_deals() -> Select:
    return select(Opportunity.amount).where(Opportunity.outcome == "won", Opportunity.closed_at.is_not(None),
                                            Opportunity.amount.is_not(None))


def _typical_won_amount(session: Session, cutoffs: pd.Series) -> pd.Series:
    """Median amount of the deals won before each cut-off (NaN before the first win)."""
    moments = cutoffs.unique()
    if len(moments) <= FEW_CUTOFFS:
        medians = {t: _median_won_before(session, t) for t in moments}
    else:
        won = rows_frame(session, _won_deals().add_columns(Opportunity.closed_at),
                         ["amount", "closed_at"])
        won["closed_at"] = pd.to_datetime(won["closed_at"], utc=True)
        won = won.sort_values("closed_at")
        amounts = won["amount"].astype(float).to_numpy()
        medians = {}
        for t in moments:
            n = int(won["closed_at"].searchsorted(t, side="left"))
            medians[t] = float(np.median(amounts[:n])) if n else np.nan
    return cutoffs.map(medians).astype(float).replace(0.0, np.nan)


def _median_won_before(session: Session, moment: pd.Timestamp) -> float:
    """Median amount of the deals won strictly before ``moment``: the middle one or two amounts
    in amount order, found by the database (no table read into memory)."""
    # Stored times have microseconds: rounding the cut-off up keeps "strictly before" exact.
    won = _won_deals().where(Opportunity.closed_at < pd.Timestamp(moment).ceil("us").to_pydatetime())
    n = int(session.scalar(select(func.count()).select_from(won.subquery())) or 0)
    if not n:
        return np.nan
    middle = session.scalars(won.order_by(Opportunity.amount).offset((n - 1) // 2).limit(2 - n % 2)).all()
    return float(np.median(np.array([float(v) for v in middle])))


def _seniority_ranks(session: Session, contact_ids: list[int]) -> pd.Series:
    """Seniority rank (c-level 5 ... individual 1, unknown 0) of each contact, by contact id."""
    people = rows_for_ids(session, lambda chunk: select(Contact.id, Contact.seniority)
                          .where(Contact.id.in_(chunk)), contact_ids, ["contact_id", "seniority"])
    ranks = people["seniority"].map(lambda s: _SENIORITY_RANK.get(getattr(s, "value", s), 0))
    return pd.Series(ranks.to_numpy(), index=people["contact_id"].astype("int64"), dtype=float)


def _activity_features(session: Session, ids: list[int], cutoffs: pd.Series) -> pd.DataFrame:
    """Activity counts and the people engaged before the cut-off.

    The deal's contact list has no dates (people are added as a deal progresses), so only the
    contacts with an activity on the deal before the cut-off count, with their seniority.
    """
    events = cut_at(load_events(session, "opportunity_id", ids), cutoffs)
    out = pd.DataFrame(index=cutoffs.index)
    touched = events.dropna(subset=["contact_id"])
    out["engaged_contacts"] = touched.groupby("entity_id")["contact_id"].nunique().reindex(out.index).fillna(0)
    contact_ids = touched["contact_id"].astype("int64")
    ranks = contact_ids.map(_seniority_ranks(session, sorted(set(contact_ids.tolist()))))
    out["max_engaged_seniority"] = ranks.groupby(touched["entity_id"]).max().reindex(out.index).fillna(0)
    out["activities_30d"] = events[events["age_days"] <= 30].groupby("entity_id").size().reindex(out.index).fillna(0)
    out["meetings_total"] = events[events["type"] == "meeting"].groupby("entity_id").size().reindex(out.index).fillna(0)
    out["days_since_last_activity"] = events.groupby("entity_id")["age_days"].min().reindex(out.index)
    return out


def _pricing_discussed(session: Session, ids: list[int], cutoffs: pd.Series) -> pd.Series:
    said = rows_for_ids(
        session,
        lambda chunk: select(Call.opportunity_id, Call.started_at, Utterance.text)
        .join(Utterance, Utterance.call_id == Call.id).where(Call.opportunity_id.in_(chunk)),
        ids, ["entity_id", "started_at", "text"])
    if said.empty:
        return pd.Series(False, index=cutoffs.index)
    said["started_at"] = pd.to_datetime(said["started_at"], utc=True)
    said = said.merge(cutoffs.rename("as_of"), left_on="entity_id", right_index=True)
    said = said[said["started_at"] < said["as_of"]]
    pattern = "|".join(PRICING_WORDS)
    hits = said["text"].str.lower().str.contains(pattern, regex=True)
    return hits.groupby(said["entity_id"]).any()


#: Open deals filling a static field less than this share as often as closed deals: filled late.
LATE_FILL_RATIO = 0.5
#: Fields without history that are assumed known from a deal's creation (checked on the data).
STATIC_FIELDS = ("competitor",)


def late_filled_columns(deals: pd.DataFrame) -> dict[str, str]:
    """Static fields that look filled in late (open deals have them far less often than closed ones).

    ``deals`` is the table of :func:`_opportunities`; the answer maps a field to the reason, for
    the training frame to drop it (its value would tell the model how the deal ended).
    """
    open_rows = deals[deals["outcome"] == "open"]
    closed = deals[deals["outcome"].isin(["won", "lost"])]
    out = {}
    if len(open_rows) < 20 or len(closed) < 20:
        return out
    for field in STATIC_FIELDS:
        open_rate, closed_rate = open_rows[field].notna().mean(), closed[field].notna().mean()
        if closed_rate > 0 and open_rate < LATE_FILL_RATIO * closed_rate:
            out[field] = (f"{field} is filled on {open_rate:.0%} of open deals but {closed_rate:.0%} of "
                          "closed ones: it looks entered late, so it would leak the outcome")
    return out


#: Days between a deal's snapshots in the training frame, and the most snapshots per deal.
SNAPSHOT_EVERY_DAYS, MAX_SNAPSHOTS = 14, 12


def deal_training_frame(session: Session, *, now: datetime,
                        every: timedelta = timedelta(days=SNAPSHOT_EVERY_DAYS),
                        max_snapshots: int = MAX_SNAPSHOTS) -> pd.DataFrame:
    """Snapshots of each closed deal through its life, labelled ``won``, with ``as_of`` and ``opportunity_id``.

    A deal is snapshot one day after creation and every ``every`` after that while it was still
    open, strictly before it closed. Deals still open, or closed after ``now``, are left out, so
    every label is final and every feature precedes it.
    """
    deals = everything = _opportunities(session, None)
    now_ts = pd.Timestamp(now)
    final = deals["outcome"].isin(["won", "lost"]) & deals["closed_at"].notna() & (deals["closed_at"] <= now_ts)
    deals = deals[final]
    frames = []
    for k in range(max_snapshots):
        cutoffs = deals["created_at"] + timedelta(days=1) + k * every
        alive = cutoffs < deals["closed_at"]
        if not alive.any():
            break
        snap = deal_features(session, cutoffs[alive])
        snap["as_of"] = cutoffs[alive].reindex(snap.index)
        snap["won"] = (deals.loc[snap.index, "outcome"] == "won").astype(int)
        frames.append(snap)
    if not frames:
        return pd.DataFrame(columns=["opportunity_id", "as_of", "won"])
    frame = pd.concat(frames).rename_axis("opportunity_id").reset_index()
    frame = frame.sort_values(["as_of", "opportunity_id"], kind="stable").reset_index(drop=True)
    late = late_filled_columns(everything)
    dropped = [c for field in late for c in frame.columns if c == field or c.startswith(f"{field}_")]
    frame = frame.drop(columns=dropped)
    frame.attrs["notes"] = [f"{reason}; dropped {', '.join(c for c in dropped if c.startswith(field))}"
                            for field, reason in late.items()]
    return frame
