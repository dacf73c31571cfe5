"""Frames the forecasts read from the CRM store, each as it stood at a given time (point in time).

``open_deals_frame`` rebuilds the pipeline of a past day from ``opportunity_history`` (the stage,
amount and expected close date of each deal from the latest change made on or before ``as_of``),
so a backtest forecast sees nothing that happened later. ``closed_deals_frame`` and
``bookings_history`` only read deals closed by ``until``.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import ensure_utc, start_of_day
from salesmind.data.models import Account, ModelPrediction, Opportunity, OpportunityHistory, Product, Team, User
from salesmind.data.models.base import Outcome

CLOSED_STAGES = ("closed_won", "closed_lost", "won", "lost")
DEAL_SCORE = "deal_score"
#: Pseudo-count pulling a stage's win rate towards the overall rate (few closed deals per stage).
STAGE_PRIOR = 5.0
GROUPS = {"team": Team.name, "region": Account.region, "product": Product.name, "owner": User.name}
#: freq (period start alias) -> pandas period alias.
FREQS = {"D": "D", "W": "W-SUN", "W-MON": "W-SUN", "MS": "M", "QS": "Q", "QS-JAN": "Q", "YS": "Y"}
OPEN_COLUMNS = ["deal_id", "name", "owner", "account", "stage", "amount", "close_date", "created_at",
                "win_probability", "probability_source", "state_source"]


def as_utc(value: date | datetime) -> datetime:
    """A UTC datetime for a date (its midnight) or a datetime (naive ones are read as UTC)."""
    if isinstance(value, datetime):
        return ensure_utc(value, "UTC")
    return start_of_day(value)


def _frame(session: Session, statement, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rows = session.execute(statement).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _deals(session: Session) -> pd.DataFrame:
    """Every opportunity with its owner and account names and its current state."""
    statement = (select(Opportunity.id, Opportunity.name, User.name, Account.name, Opportunity.stage,
                        Opportunity.amount, Opportunity.expected_close_date, Opportunity.created_at,
                        Opportunity.closed_at, Opportunity.outcome)
                 .outerjoin(User, User.id == Opportunity.owner_id)
                 .outerjoin(Account, Account.id == Opportunity.account_id))
    frame = _frame(session, statement, ["deal_id", "name", "owner", "account", "stage", "amount", "close_date",
                                        "created_at", "closed_at", "outcome"])
    frame["amount"] = pd.to_numeric(frame["amount"].astype(object), errors="coerce").astype(float)
    for column in ("created_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["outcome"] = frame["outcome"].map(lambda o: str(o.value if hasattr(o, "value") else o))
    return frame


def _history(session: Session, until: datetime | None = None) -> pd.DataFrame:
    """Deal history rows changed on or before ``until`` (all when None), oldest first."""
    statement = (select(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.stage,
                        OpportunityHistory.amount, OpportunityHistory.expected_close_date)
                 .where(OpportunityHistory.changed_at <= until if until is not None else true())
                 .order_by(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.id))
    frame = _frame(session, statement, ["deal_id", "changed_at", "stage", "amount", "close_date"])
    frame["amount"] = pd.to_numeric(frame["amount"].astype(object), errors="coerce").astype(float)
    frame["changed_at"] = pd.to_datetime(frame["changed_at"], utc=True)
    return frame


def _closed_at(deals: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """When each deal closed: ``closed_at``, else (closed without a time) its first closed-stage history row."""
    closed_at = deals["closed_at"].copy()
    unknown = closed_at.isna() & (deals["outcome"] != Outcome.OPEN.value)
    if unknown.any():
        closing = history[history["stage"].str.lower().isin(CLOSED_STAGES)].groupby("deal_id")["changed_at"].min()
        closed_at[unknown] = deals.loc[unknown, "deal_id"].map(closing)
    return closed_at


def open_deals_frame(session: Session, as_of: date | datetime) -> pd.DataFrame:
    """The pipeline as it stood at ``as_of``: deals created by then and not closed by then.

    Stage, amount and close date come from the latest history row on or before ``as_of``
    (``state_source`` "history"); a deal with no such row takes its earliest row's amount and date
    ("earliest", stage "unknown" if that row is a closed stage), or its current values when it has no
    history at all ("current"). ``win_probability`` is the latest stored deal_score prediction made
    on or before ``as_of``, else the win rate of its stage among deals closed before ``as_of``.
    """
    as_of = as_utc(as_of)
    deals = _deals(session)
    all_history = _history(session)
    history = all_history[all_history["changed_at"] <= as_of]
    closed_at = _closed_at(deals, all_history)
    is_open = (deals["created_at"] <= as_of) & ~(closed_at <= as_of) & ~(
        closed_at.isna() & (deals["outcome"] != Outcome.OPEN.value))
    frame = deals[is_open].drop(columns=["closed_at", "outcome"]).reset_index(drop=True)
    frame["state_source"] = "current"
    frame = _state_at(frame, history, all_history)
    frame["close_date"] = pd.to_datetime(frame["close_date"]).dt.date
    closed = closed_deals_frame(session, as_of)
    win, source = _win_probabilities(session, frame, closed, as_of)
    frame["win_probability"], frame["probability_source"] = win, source
    return frame[OPEN_COLUMNS]


def _state_at(frame: pd.DataFrame, history: pd.DataFrame, all_history: pd.DataFrame) -> pd.DataFrame:
    """Replace current stage/amount/close date by the latest state in ``history`` (rows up to as_of)."""
    if frame.empty:
        return frame
    latest = history[history["deal_id"].isin(frame["deal_id"])].drop_duplicates("deal_id", keep="last")
    latest = latest.set_index("deal_id")
    later = all_history
    earliest = later[later["deal_id"].isin(frame["deal_id"]) & ~later["deal_id"].isin(latest.index)]
    earliest = earliest.drop_duplicates("deal_id", keep="first").set_index("deal_id")
    if len(earliest):
        closed_stage = earliest["stage"].str.lower().isin(CLOSED_STAGES)
        earliest["stage"] = earliest["stage"].where(~closed_stage, "unknown")
    frame = frame.set_index("deal_id")
    for rows, label in ((latest, "history"), (earliest, "earliest")):
        if len(rows):
            ids = rows.index
            frame.loc[ids, "stage"] = rows["stage"]
            frame.loc[ids, "amount"] = rows["amount"]
            frame.loc[ids, "close_date"] = rows["close_date"]
            frame.loc[ids, "state_source"] = label
    current_closed = frame["stage"].str.lower().isin(CLOSED_STAGES) & (frame["state_source"] == "current")
    frame.loc[current_closed, "stage"] = "unknown"
    return frame.reset_index()


def _win_probabilities(session: Session, frame: pd.DataFrame, closed: pd.DataFrame,
                       as_of: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Latest deal_score probability made by ``as_of``, else a shrunk stage win rate learned before it."""
    n = len(frame)
    win, source = np.full(n, np.nan), np.full(n, "overall_rate", dtype=object)
    if n == 0:
        return win, source
    statement = (select(ModelPrediction.entity_id, ModelPrediction.probability)
                 .where(ModelPrediction.model_name == DEAL_SCORE, ModelPrediction.entity_type == "opportunity",
                        ModelPrediction.scored_at <= as_of, ModelPrediction.probability.is_not(None))
                 .order_by(ModelPrediction.entity_id, ModelPrediction.scored_at, ModelPrediction.id))
    scores = _frame(session, statement, ["deal_id", "probability"]).groupby("deal_id")["probability"].last()
    scored = frame["deal_id"].map(scores).to_numpy(dtype=float)
    rates, overall = stage_win_rates(session, closed, as_of)
    by_stage = frame["stage"].str.lower().map(rates).to_numpy(dtype=float)
    win[:] = overall
    has_stage = np.isfinite(by_stage)
    win[has_stage], source[has_stage] = by_stage[has_stage], "stage_rate"
    has_score = np.isfinite(scored)
    win[has_score], source[has_score] = scored[has_score], DEAL_SCORE
    return win, source


def stage_win_rates(session: Session, closed: pd.DataFrame, as_of: datetime) -> tuple[dict[str, float], float]:
    """P(win | the deal was ever in stage s) among deals closed by ``as_of``, shrunk to the overall rate."""
    if closed.empty:
        return {}, 0.5
    won = closed.set_index("deal_id")["won"]
    overall = float((won.sum() + 1.0) / (len(won) + 2.0))
    history = _history(session, as_of)
    history = history[history["deal_id"].isin(won.index)]
    history = history.assign(stage=history["stage"].str.lower())
    history = history[~history["stage"].isin(CLOSED_STAGES)].drop_duplicates(["deal_id", "stage"])
    history["won"] = history["deal_id"].map(won)
    counts = history.groupby("stage")["won"].agg(["sum", "count"])
    rates = (counts["sum"] + STAGE_PRIOR * overall) / (counts["count"] + STAGE_PRIOR)
    return {str(k): float(v) for k, v in rates.items()}, overall


def closed_deals_frame(session: Session, until: date | datetime) -> pd.DataFrame:
    """Deals closed on or before ``until``, with their first/last expected close dates and push count."""
    until = as_utc(until)
    deals = _deals(session)
    history = _history(session, until)
    deals["closed_at"] = _closed_at(deals, history)
    closed = deals[(deals["outcome"] != Outcome.OPEN.value) & (deals["closed_at"] <= until)].copy()
    dates = history[history["deal_id"].isin(closed["deal_id"]) & history["close_date"].notna()]
    dates = dates.assign(close_date=pd.to_datetime(dates["close_date"]))
    grouped = dates.groupby("deal_id")["close_date"]
    pushes = dates.assign(pushed=grouped.diff().dt.days.gt(0)).groupby("deal_id")["pushed"].sum()
    current = pd.to_datetime(closed["close_date"])
    first = closed["deal_id"].map(grouped.first()).fillna(current)
    last = closed["deal_id"].map(grouped.last()).fillna(current)
    out = pd.DataFrame({
        "deal_id": closed["deal_id"].to_numpy(), "created_at": closed["created_at"].to_numpy(),
        "closed_at": closed["closed_at"].to_numpy(), "amount": closed["amount"].fillna(0.0).to_numpy(),
        "won": (closed["outcome"] == Outcome.WON.value).astype(int).to_numpy(),
        "first_expected_close_date": first.dt.date.to_numpy(), "last_expected_close_date": last.dt.date.to_numpy(),
        "pushes": closed["deal_id"].map(pushes).fillna(0).astype(int).to_numpy()})
    return out.sort_values("closed_at", kind="stable").reset_index(drop=True)


def bookings_history(session: Session, freq: str = "MS", group_by: str | None = None,
                     until: date | datetime | None = None) -> pd.DataFrame:
    """Won amount per complete period up to ``until`` (zeros included), per group or as ``total``."""
    if group_by is not None and group_by not in GROUPS:
        raise UserInputError(f"cannot group bookings by {group_by!r}; use one of {sorted(GROUPS)}")
    if freq not in FREQS:
        raise UserInputError(f"unknown bookings frequency {freq!r}; use one of {sorted(FREQS)}")
    until = as_utc(until) if until is not None else datetime.now().astimezone()
    closed = closed_deals_frame(session, until)
    won = closed[closed["won"] == 1]
    key = (_group_labels(session, group_by).reindex(won["deal_id"]).fillna("(none)").astype(str).to_numpy()
           if group_by else np.full(len(won), "total"))
    period = FREQS[freq]
    stamps = pd.to_datetime(won["closed_at"], utc=True).dt.tz_localize(None)
    frame = pd.DataFrame({"unique_id": key, "ds": stamps.dt.to_period(period).dt.start_time.to_numpy(),
                          "y": won["amount"].astype(float).to_numpy()})
    first_seen = pd.to_datetime(closed["created_at"], utc=True).min() if len(closed) else None
    if first_seen is None or pd.isna(first_seen):
        return pd.DataFrame({"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype=float)})
    last_complete = pd.Timestamp(until.replace(tzinfo=None)).to_period(period).start_time - pd.Timedelta(days=1)
    periods = pd.period_range(first_seen.tz_localize(None).to_period(period), last_complete.to_period(period),
                              freq=period).start_time
    ids = sorted(set(frame["unique_id"])) or ["total"]
    grid = pd.MultiIndex.from_product([ids, periods], names=["unique_id", "ds"])
    sums = frame.groupby(["unique_id", "ds"])["y"].sum()
    out = sums.reindex(grid, fill_value=0.0).reset_index()
    return out.astype({"unique_id": str, "y": float})


def _group_labels(session: Session, group_by: str) -> pd.Series:
    """deal id -> the deal's team, account region, product or owner name."""
    statement = (select(Opportunity.id, GROUPS[group_by])
                 .outerjoin(User, User.id == Opportunity.owner_id)
                 .outerjoin(Team, Team.id == User.team_id)
                 .outerjoin(Account, Account.id == Opportunity.account_id)
                 .outerjoin(Product, Product.id == Opportunity.product_id))
    frame = _frame(session, statement, ["deal_id", "label"])
    return frame.set_index("deal_id")["label"]
