"""When open deals that will be won actually close: an empirical slip model learned from closed deals.

For a won deal the model learns two day counts:

* **slip**: actual close day minus the expected close date first entered (``first_expected_close_date``);
* **age**: actual close day minus the creation day (used for deals without an expected close date).

An open deal at ``as_of`` has survived to ``t`` (days past its expected close date, or its age).
Conditioning on that, ``P(close on/before end) = #{t <= s <= t + w} / #{s >= t}`` over the learned
counts ``s``, where ``w`` is the number of days from ``as_of`` to ``end``. When fewer than
``min_samples`` learned deals survived that long (a deal far past its date), the residual times of
the ``min_samples`` longest ones are used instead, so very late deals keep a finite close rate.

That timing is conditional on the deal being won. For deals without an expected close date,
:meth:`SlipModel.staleness` also says how an open deal's age changes its chance of being won at all
(a deal open far longer than deals ever take to close is probably dead), learned from the closed
deals with the open ones as censored observations.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError


def day_number(values: object) -> np.ndarray:
    """Days since 1970-01-01 (float, NaN for missing) of dates, datetimes or a column of them."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    stamps = pd.to_datetime(series, utc=True, errors="coerce")
    days = (stamps - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1)
    return np.floor(days.to_numpy(dtype=float))


def _at_and_after(sorted_ages: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many of ``sorted_ages`` equal each of ``times``, and how many are at or after it."""
    first = np.searchsorted(sorted_ages, times, side="left")
    return np.searchsorted(sorted_ages, times, side="right") - first, len(sorted_ages) - first


def _day(value: date | datetime) -> float:
    return float(day_number([value])[0])


class SlipModel:
    """P(a deal that will be won closes on/before a day), learned from closed deals' slips and ages."""

    def __init__(self, min_samples: int = 10) -> None:
        self.min_samples = min_samples

    def fit(self, closed: pd.DataFrame) -> "SlipModel":
        """Learn from ``closed`` (columns created_at, closed_at, won, first_expected_close_date)."""
        missing = {"created_at", "closed_at", "won"} - set(closed.columns)
        if missing:
            raise UserInputError(f"closed deals need the columns {sorted(missing)}")
        won = closed[closed["won"].astype(bool)]
        close_day = day_number(won["closed_at"])
        ages = close_day - day_number(won["created_at"])
        self.ages_ = np.sort(ages[np.isfinite(ages)])
        if "first_expected_close_date" in won.columns:
            slips = close_day - day_number(won["first_expected_close_date"])
            self.slips_ = np.sort(slips[np.isfinite(slips)])
        else:
            self.slips_ = np.zeros(0)
        self.n_won_ = int(len(won))
        lost = closed[~closed["won"].astype(bool)]
        lost_ages = day_number(lost["closed_at"]) - day_number(lost["created_at"])
        self.lost_ages_ = np.sort(lost_ages[np.isfinite(lost_ages)])
        return self

    def staleness(self, deals: pd.DataFrame, as_of: date | datetime) -> np.ndarray:
        """How much less (or more) likely each open deal is to be won, given how long it has been open.

        ``P(won eventually | still open at age a) / P(won eventually | just created)``, a ratio of
        cumulative incidences (Aalen-Johansen) over the closed deals' ages (won and lost are the two
        competing events) with the open ``deals`` censored at their age on ``as_of``. A deal older
        than every deal that ever closed, among many open deals as old (a stale deal that nobody
        closed out), gets 0; the ratio is taken at the oldest age with ``min_samples`` deals at risk
        when fewer are. Deals without a creation day get 1.
        """
        if not hasattr(self, "ages_"):
            raise NotFittedError("SlipModel is not fitted: call fit(closed) first")
        created = day_number(deals["created_at"]) if "created_at" in deals.columns else np.full(len(deals), np.nan)
        age = _day(as_of) - created
        out = np.ones(len(deals))
        known = np.isfinite(age)
        if not known.any() or len(self.ages_) == 0:
            return out
        censored = np.sort(age[known])
        times = np.unique(np.concatenate([self.ages_, self.lost_ages_]))
        n_won, won_left = _at_and_after(self.ages_, times)
        n_lost, lost_left = _at_and_after(self.lost_ages_, times)
        at_risk = won_left + lost_left + _at_and_after(censored, times)[1]
        before = np.concatenate([[1.0], np.cumprod(1.0 - (n_won + n_lost) / at_risk)[:-1]])  # S(t-) from age 0
        won_after = np.concatenate([np.cumsum((before * n_won / at_risk)[::-1])[::-1], [0.0]])
        base = won_after[0]
        if base <= 0:
            return out
        every = np.sort(np.concatenate([self.ages_, self.lost_ages_, censored]))
        oldest = every[-min(self.min_samples, len(every))]  # the oldest age with min_samples deals at risk
        first = np.searchsorted(times, np.minimum(age[known], oldest), side="left")  # next closing from that age
        survived = np.concatenate([before, [before[-1] * (1.0 - (n_won[-1] + n_lost[-1]) / at_risk[-1])]])[first]
        ratio = np.divide(won_after[first], survived * base, out=np.zeros(len(first)), where=survived > 0)
        out[known] = ratio
        return out

    def p_close_by(self, deals: pd.DataFrame, end: date, as_of: date | datetime) -> np.ndarray:
        """P(each deal, if won, closes on/before ``end``), given it is still open at ``as_of``."""
        if not hasattr(self, "ages_"):
            raise NotFittedError("SlipModel is not fitted: call fit(closed) first")
        window = _day(end) - _day(as_of)
        out = np.zeros(len(deals))
        if window < 0 or len(deals) == 0:
            return out
        expected = (day_number(deals["close_date"]) if "close_date" in deals.columns
                    else np.full(len(deals), np.nan))
        created = day_number(deals["created_at"]) if "created_at" in deals.columns else np.full(len(deals), np.nan)
        by_slip = np.isfinite(expected) & (len(self.slips_) >= self.min_samples)
        now = _day(as_of)
        if by_slip.any():
            out[by_slip] = self._conditional(self.slips_, now - expected[by_slip], window)
        by_age = ~by_slip
        if by_age.any():
            if len(self.ages_) == 0:
                out[by_age] = 1.0  # nothing learned: assume a won deal closes in the period
            else:
                age = np.where(np.isfinite(created[by_age]), now - created[by_age], 0.0)
                out[by_age] = self._conditional(self.ages_, age, window)
        return out

    def _conditional(self, learned: np.ndarray, survived: np.ndarray, window: float) -> np.ndarray:
        """#{t <= s <= t + window} / #{s >= t} per survived time t, with the long-tail fallback."""
        n = len(learned)
        at_risk_from = np.searchsorted(learned, survived, side="left")
        closed_by = np.searchsorted(learned, survived + window, side="right")
        at_risk = n - at_risk_from
        p = np.divide(closed_by - at_risk_from, at_risk, out=np.zeros(len(survived)), where=at_risk > 0)
        k = min(self.min_samples, n)
        thin = at_risk < k
        if thin.any() and k > 0:
            tail = learned[n - k:] - learned[n - k]
            p[thin] = np.searchsorted(tail, window, side="right") / k
        return np.clip(p, 0.0, 1.0)
