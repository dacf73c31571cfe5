"""Time to churn: a lifelines survival model on the as-of churn features, and subscription value.

Each snapshot of :func:`~salesmind.customers.churn_features.churn_training_frame` is a landmark:
its features at ``as_of`` and the time from ``as_of`` to the subscription's end (an event) or to
``now`` (censored), in months of 30.44 days. :class:`ChurnSurvival` fits both a penalised Cox
proportional-hazards model and a penalised Weibull accelerated-failure-time model from lifelines
on part of the subscriptions, keeps the one with the higher concordance on the held-out
subscriptions, and refits it on all of them. Within 0.005 of concordance Weibull is kept: a Cox
model's baseline survival is only known up to the longest observed lifetime and is held flat
after it, while the Weibull model extrapolates.

Curves are evaluated at whole months 0..``months``: S(t) is the chance the subscription is still
active t months after the cut-off. The restricted mean is the area under the curve up to the
last month, by trapezoids between the monthly points (as lifelines'
``restricted_mean_survival_time`` computes it on the same curve), and :func:`subscription_value`
discounts the margin of every month the subscription is alive at its start.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, WeibullAFTFitter
from lifelines.utils import concordance_index
from sklearn.model_selection import GroupShuffleSplit
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.customers.churn_features import FEATURES
from salesmind.data.models import Subscription
from salesmind.features.frames import rows_for_ids

MONTH_DAYS = 30.44
METHODS = ("cox", "weibull")
HORIZON_MONTHS = 60
MIN_EVENTS = 20
#: Concordance difference below which the two methods count as tied.
TIE = 0.005


def lifetimes(session: Session, frame: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """``duration`` (months from ``as_of`` to the end or to ``now``) and ``event`` per frame row."""
    ids = frame["subscription_id"].unique().tolist()
    ended = rows_for_ids(session, lambda chunk: select(Subscription.id, Subscription.ended_at)
                         .where(Subscription.id.in_(chunk)), ids, ["subscription_id", "ended_at"])
    ended = pd.to_datetime(ended.set_index("subscription_id")["ended_at"], utc=True)
    end = pd.to_datetime(frame["subscription_id"].map(ended), utc=True)
    at = pd.Timestamp(now)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    event = end.notna() & (end <= at)
    stop = end.where(event, at)
    duration = (stop - pd.to_datetime(frame["as_of"], utc=True)).dt.total_seconds() / 86400.0 / MONTH_DAYS
    return pd.DataFrame({"duration": duration.to_numpy(), "event": event.astype(int).to_numpy()}, index=frame.index)


class _Design:
    """Numeric design matrix for lifelines: clipped, median-filled, missing flags, standardised."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame) -> _Design:
        raw = self._numeric(X)
        self.low_, self.high_ = raw.quantile(0.01), raw.quantile(0.99)
        clipped = raw.clip(self.low_, self.high_, axis=1)
        self.median_ = clipped.median().fillna(0.0)
        self.flags_ = [c for c in raw.columns if raw[c].isna().any()]
        full = self._filled(clipped)
        self.mean_, self.scale_ = full.mean(), full.std().replace(0.0, np.nan)
        self.columns_ = [c for c in full.columns if pd.notna(self.scale_[c])]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        clipped = self._numeric(X).clip(self.low_, self.high_, axis=1)
        full = self._filled(clipped)
        return ((full[self.columns_] - self.mean_[self.columns_]) / self.scale_[self.columns_]).reset_index(drop=True)

    def _numeric(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise UserInputError(f"survival model: the frame lacks the feature columns {missing}")
        return X[list(self.columns)].astype(float)

    def _filled(self, clipped: pd.DataFrame) -> pd.DataFrame:
        flags = {f"{c}_missing": clipped[c].isna().astype(float) for c in self.flags_}
        return pd.concat([clipped.fillna(self.median_), pd.DataFrame(flags, index=clipped.index)], axis=1)


class ChurnSurvival:
    """Months to churn per subscription from its as-of features (lifelines Cox PH or Weibull AFT)."""

    def __init__(self, method: str = "auto", penalizer: float = 0.1, holdout_share: float = 0.25,
                 random_state: int = 0, columns: tuple[str, ...] = FEATURES) -> None:
        self.method = method
        self.columns = columns
        self.penalizer = penalizer
        self.holdout_share = holdout_share
        self.random_state = random_state

    def _new(self, method: str) -> CoxPHFitter | WeibullAFTFitter:
        if method == "cox":
            return CoxPHFitter(penalizer=self.penalizer)
        return WeibullAFTFitter(penalizer=self.penalizer)

    def _fit_one(self, method: str, X: pd.DataFrame, duration: np.ndarray, event: np.ndarray
                 ) -> tuple[_Design, CoxPHFitter | WeibullAFTFitter]:
        design = _Design(self.columns).fit(X)
        data = design.transform(X).assign(duration=np.maximum(duration, 1e-3), event=event)
        return design, self._new(method).fit(data, "duration", "event")

    def fit(self, X: pd.DataFrame, duration: np.ndarray, event: np.ndarray,
            groups: np.ndarray | None = None) -> ChurnSurvival:
        """Choose the method on held-out groups (``groups``: subscription ids), then fit it on all rows."""
        duration, event = np.asarray(duration, float), np.asarray(event, int)
        if self.method not in (*METHODS, "auto"):
            raise UserInputError(f"survival method {self.method!r}: expected auto, cox or weibull")
        if int(event.sum()) < MIN_EVENTS:
            raise UserInputError(f"survival model: {int(event.sum())} churned subscriptions, fewer than "
                                 f"{MIN_EVENTS}; add history first")
        groups = np.arange(len(duration)) if groups is None else np.asarray(groups)
        split = GroupShuffleSplit(1, test_size=self.holdout_share, random_state=self.random_state)
        fit_idx, held_idx = next(split.split(X, groups=groups))
        self.concordance_ = {}
        for method in METHODS if self.method == "auto" else (self.method,):
            design, model = self._fit_one(method, X.iloc[fit_idx], duration[fit_idx], event[fit_idx])
            risk = _risk(model, design.transform(X.iloc[held_idx]))
            self.concordance_[method] = float(concordance_index(duration[held_idx], -risk, event[held_idx]))
        self.method_ = _choose(self.concordance_)
        self.holdout_rows_ = held_idx
        self.design_, self.model_ = self._fit_one(self.method_, X, duration, event)
        return self

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("ChurnSurvival is not fitted yet: call fit first")

    def risk_score(self, X: pd.DataFrame) -> np.ndarray:
        """Higher means churn sooner (log partial hazard for Cox, minus log median time for Weibull)."""
        self._check()
        return _risk(self.model_, self.design_.transform(X))

    def survival_curves(self, X: pd.DataFrame, months: int = HORIZON_MONTHS) -> pd.DataFrame:
        """S(t) for t = 0..``months`` (rows) per row of ``X`` (columns, labelled like ``X.index``)."""
        self._check()
        times = np.arange(months + 1, dtype=float)
        curves = self.model_.predict_survival_function(self.design_.transform(X), times=times)
        curves.index, curves.columns = np.arange(months + 1), X.index
        curves.iloc[0] = 1.0
        return curves.clip(0.0, 1.0).cummin()

    def expected_months(self, X: pd.DataFrame, months: int = HORIZON_MONTHS) -> pd.DataFrame:
        """Median months to churn (NaN when above ``months``) and the restricted mean up to ``months``."""
        curves = self.survival_curves(X, months)
        return pd.DataFrame({"median_months": median_months(curves),
                             "restricted_mean_months": restricted_mean_months(curves)}, index=X.index)


def _choose(concordance: dict[str, float]) -> str:
    """The method with the higher held-out concordance; Weibull unless Cox wins by more than
    :data:`TIE` (Weibull extrapolates past the longest observed lifetime, Cox holds flat)."""
    if "weibull" in concordance and concordance.get("cox", -np.inf) <= concordance["weibull"] + TIE:
        return "weibull"
    return max(concordance, key=lambda m: concordance[m])


def _risk(model: CoxPHFitter | WeibullAFTFitter, design: pd.DataFrame) -> np.ndarray:
    if isinstance(model, CoxPHFitter):
        return np.log(np.asarray(model.predict_partial_hazard(design), float).ravel())
    return -np.log(np.asarray(model.predict_median(design), float).ravel())


def median_months(curves: pd.DataFrame) -> np.ndarray:
    """First whole month where S(t) <= 0.5 per column; NaN when it never gets there."""
    below = curves.to_numpy() <= 0.5
    first = below.argmax(axis=0).astype(float)
    first[~below.any(axis=0)] = np.nan
    return np.asarray(curves.index, float)[np.nan_to_num(first).astype(int)] * np.where(np.isnan(first), np.nan, 1.0)


def restricted_mean_months(curves: pd.DataFrame) -> np.ndarray:
    """Area under each curve from 0 to its last month (trapezoids between the monthly points)."""
    months = np.asarray(curves.index, float)
    values = curves.to_numpy()
    return (np.diff(months)[:, None] * (values[1:] + values[:-1]) / 2.0).sum(axis=0)


def subscription_value(curve: pd.Series | pd.DataFrame, mrr: float | np.ndarray, margin: float,
                       monthly_discount: float) -> float | np.ndarray:
    """Discounted expected margin: sum over months t of mrr x margin x S(t) / (1 + d)^t.

    ``curve`` holds S(t) at whole months 0..H (a Series, or a DataFrame with one column per
    subscription and ``mrr`` per column); month t is paid when the subscription is alive at its start.
    """
    if not 0.0 <= margin <= 1.0:
        raise UserInputError(f"margin {margin}: expected a share between 0 and 1")
    if monthly_discount <= -1.0:
        raise UserInputError(f"monthly discount {monthly_discount}: expected more than -1")
    values = curve.to_numpy(dtype=float)
    if np.any(values < 0) or np.any(values > 1) or np.any(np.diff(values, axis=0) > 1e-12):
        raise UserInputError("survival curve: expected values between 0 and 1 that never rise")
    months = np.asarray(curve.index, float)[:-1]
    weights = (1.0 + monthly_discount) ** -months
    paid = values[:-1] * (weights[:, None] if values.ndim == 2 else weights)
    total = paid.sum(axis=0) * np.asarray(mrr, float) * margin
    return float(total) if np.ndim(total) == 0 else total
