"""Point-in-time deal win probabilities for backtests: the product's deal model as it could have been on a past day.

On a forecast day ``day`` the deal model (the calibrated LightGBM ``TabularScorer`` that
``salesmind score crm-train --kind deal`` trains, built with the same settings) learns from the rows of
the product's point-in-time deal training frame (:func:`salesmind.scoring.crm.training_frame`: snapshots
of each closed deal, features as of each snapshot) whose deal closed strictly before ``day``, and scores
the deals open on ``day`` with their features as of ``day`` (:func:`salesmind.scoring.rescoring.feature_rows`,
the product's scoring path). The training frame's snapshots and features do not depend on its ``now``
(``now`` only drops deals closed after it), so the frame is built once and cut per day by
:func:`rows_closed_before`; :func:`check_cut_matches` compares the cut with a frame built as of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from salesmind.scoring.crm import ID_COLUMNS, TARGETS, TIME_COLUMN, training_frame
from salesmind.scoring.rescoring import feature_rows
from salesmind.scoring.scorer import TabularScorer

KIND = "opportunity"
ID, TARGET = ID_COLUMNS[KIND], TARGETS[KIND]


@dataclass
class DayModel:
    """What the deal model of one forecast day learned from and what it gave the open deals."""

    probabilities: pd.Series  # deal id -> P(win), for the open deals the model scored
    rows: int  # training snapshots (deals closed before the day)
    deals: int  # distinct closed deals behind them
    model_kind: str  # "lightgbm (calibrated)" or the cold-start table


def all_training_rows(session: Session, now: datetime) -> pd.DataFrame:
    """The product's deal training frame of every deal closed by ``now``."""
    return training_frame(session, KIND, now)


def rows_closed_before(frame: pd.DataFrame, closed_at: pd.Series, day: datetime) -> pd.DataFrame:
    """Rows of ``frame`` whose deal closed strictly before ``day`` (``closed_at``: deal id -> close time).

    A deal missing from ``closed_at`` is dropped (its close time is unknown, so it may not precede ``day``).
    """
    when = pd.to_datetime(frame[ID].map(closed_at), utc=True)
    keep = (when < pd.Timestamp(day)).fillna(False).to_numpy(bool)
    return frame[keep].reset_index(drop=True)


def check_cut_matches(session: Session, cut: pd.DataFrame, day: datetime) -> None:
    """Raise unless ``cut`` equals the training frame the product builds as of just before ``day``."""
    direct = training_frame(session, KIND, day - timedelta(microseconds=1))
    order = [ID, TIME_COLUMN]
    left = cut.sort_values(order, kind="stable").reset_index(drop=True)
    right = direct.sort_values(order, kind="stable").reset_index(drop=True)[left.columns]
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def deal_model() -> TabularScorer:
    """A new deal scorer with the settings of :func:`salesmind.scoring.crm.train_on_frame` (tuned, 2 threads)."""
    return TabularScorer(exclude=(ID, TIME_COLUMN), tune=True, n_jobs=2, point_in_time=True, group_column=ID)


def score_open_deals(session: Session, rows: pd.DataFrame, open_ids: list[int], day: datetime) -> DayModel:
    """Train the deal model on ``rows`` (closed before ``day``) and score ``open_ids`` as of ``day``."""
    if len(rows) and pd.to_datetime(rows[TIME_COLUMN], utc=True).max() >= pd.Timestamp(day):
        raise ValueError("a training snapshot is not before the forecast day")
    y = rows[TARGET].to_numpy().astype(int)
    model = deal_model().fit(rows.drop(columns=[TARGET]), y)
    features = feature_rows(session, KIND, open_ids, day)
    p = model.predict_proba(features)[:, 1] if len(features) else np.array([])
    return DayModel(pd.Series(p, index=features[ID].to_numpy() if len(features) else [], dtype=float),
                    len(rows), int(rows[ID].nunique()), str(model.model_kind_))


def with_model_probabilities(deals: pd.DataFrame, scored: pd.Series) -> tuple[pd.DataFrame, int]:
    """``deals`` (an ``open_deals_frame``) with ``win_probability`` from ``scored`` where the model scored the
    deal (others keep theirs) and the number of deals that kept theirs."""
    mapped = deals["deal_id"].map(scored)
    out = deals.assign(win_probability=mapped.fillna(deals["win_probability"]))
    out["probability_source"] = np.where(mapped.notna(), "point_in_time_model", deals["probability_source"])
    return out, int(mapped.isna().sum())
