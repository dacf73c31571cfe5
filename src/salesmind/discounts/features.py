"""The rows the discount model reads: one per deal, with its list amount and point-in-time features.

A deal's **list amount** is its amount before the discount: ``amount / (1 - discount_pct / 100)``
(salesmind stores the booked, discounted amount; a deal without a discount is at list price).
The **discount time** is when the deal entered ``proposal`` (the demo company sets the discount
there; imported ladders without that stage use the deal's creation time). The owner's win rate is
measured from the owner's deals closed before that time only, shrunk toward the company's win rate
of the same moment (``PRIOR_DEALS`` pseudo-deals), so a new rep is not 0% or 100%; the owner is also a
category of its own (a rep effect: skill drives both the discount a rep gives and the deals they win,
so leaving it out biases the discount's effect; an owner the model has not seen counts as ``none``).
The stage at which an imported CRM set the discount is not recorded in salesmind's history, so it
is not a feature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesmind.analytics.frames import stage_events

NUMERIC = ["discount_pct", "log_list_amount", "stakeholders", "owner_win_rate"]
CATEGORICAL = ["segment", "industry", "region", "source", "competitor", "owner"]
FEATURES = NUMERIC + CATEGORICAL
DISCOUNT_STAGE = "proposal"
PRIOR_DEALS = 5.0
MISSING = "none"


def list_amount(amount: pd.Series, discount_pct: pd.Series) -> pd.Series:
    """The amount before the discount; a missing discount means list price."""
    d = pd.to_numeric(discount_pct, errors="coerce").fillna(0.0).clip(upper=99.0)
    return pd.to_numeric(amount, errors="coerce") / (1.0 - d / 100.0)


def discount_times(deals: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """When each deal reached the discount stage (its creation time when it never did), by deal row."""
    entered = (events[events["stage"].astype(str).str.lower() == DISCOUNT_STAGE]
               .groupby("deal_id")["entered_at"].min())
    when = deals["deal_id"].map(entered)
    return pd.to_datetime(when, utc=True).fillna(deals["created_at"])


def owner_win_rates(deals: pd.DataFrame, at: pd.Series, history: pd.DataFrame | None = None) -> np.ndarray:
    """Each deal's owner's shrunk win rate over the owner's deals closed strictly before ``at``.

    ``history`` (owner_id, outcome, closed_at of every deal) is what the rates are counted from;
    ``deals`` themselves when None.
    """
    history = deals if history is None else history
    closed = history[history["outcome"].isin(["won", "lost"]) & history["closed_at"].notna()]
    times = closed["closed_at"].astype("int64").to_numpy()
    won = (closed["outcome"] == "won").to_numpy(float)
    order = np.argsort(times, kind="stable")
    all_times, all_won = times[order], np.concatenate([[0.0], np.cumsum(won[order])])
    at_ns = pd.to_datetime(at, utc=True).astype("int64").to_numpy()
    k = np.searchsorted(all_times, at_ns, side="left")
    prior = np.where(k > 0, (all_won[k] + 1.0) / (k + 2.0), 0.5)
    out = prior.copy()
    owners = deals["owner_id"].astype("float").to_numpy()
    for owner, part in closed.groupby(closed["owner_id"].astype(float)):
        if not (owners == owner).any():
            continue
        t = np.sort(part["closed_at"].astype("int64").to_numpy())
        w = np.concatenate([[0.0], np.cumsum((part.sort_values("closed_at")["outcome"] == "won").to_numpy(float))])
        mask = owners == owner
        j = np.searchsorted(t, at_ns[mask], side="left")
        out[mask] = (w[j] + PRIOR_DEALS * prior[mask]) / (j + PRIOR_DEALS)
    return out


def discount_rows(deals: pd.DataFrame, events: pd.DataFrame | None = None,
                  history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The model's rows for ``deals`` (a deal frame): the features plus deal_id, won, times and amounts.

    ``events`` are the deals' stage visits (:func:`salesmind.analytics.frames.stage_events`); without
    them every discount time is the creation time. ``history`` is what owner win rates are counted
    from (see :func:`owner_win_rates`).
    """
    events = events if events is not None else pd.DataFrame(columns=["deal_id", "stage", "entered_at"])
    at = discount_times(deals, events)
    out = pd.DataFrame({
        "deal_id": deals["deal_id"].astype(int).to_numpy(),
        "owner_id": deals["owner_id"].to_numpy(),
        "outcome": deals["outcome"].to_numpy(),
        "won": (deals["outcome"] == "won").astype(int).to_numpy(),
        "discount_at": at.to_numpy(),
        "closed_at": deals["closed_at"].to_numpy(),
        "amount": deals["amount"].to_numpy(float),
        "discount_given": pd.to_numeric(deals["discount_pct"], errors="coerce").to_numpy(float),
        "list_amount": list_amount(deals["amount"], deals["discount_pct"]).to_numpy(float),
        "stakeholders": deals["stakeholders"].astype(float).to_numpy(),
        "owner_win_rate": owner_win_rates(deals, at, history),
    })
    out["discount_pct"] = np.nan_to_num(out["discount_given"].to_numpy(), nan=0.0)
    out["log_list_amount"] = np.log1p(out["list_amount"].clip(lower=0.0))
    out["owner"] = ["none" if pd.isna(o) else str(int(o)) for o in deals["owner_id"]]
    for column in CATEGORICAL[:-1]:
        out[column] = deals[column].fillna(MISSING).astype(str).replace("", MISSING).to_numpy()
    return out


def training_rows(deals: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Closed deals that had a discount set (the deals that reached the discount stage), oldest close first."""
    rows = discount_rows(deals, events)
    keep = rows["outcome"].isin(["won", "lost"]) & rows["discount_given"].notna() & rows["closed_at"].notna()
    keep &= rows["list_amount"].notna()
    return rows[keep].sort_values("closed_at", kind="stable").reset_index(drop=True)


def rows_for(session, deals: pd.DataFrame) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """:func:`discount_rows` reading the stage visits of ``deals`` from ``session``."""
    return discount_rows(deals, stage_events(session, deals))
