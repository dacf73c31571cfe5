"""Thompson sampling over message variants (subject lines, templates, send windows), per segment.

Each arm's success rate (reply, open, click or meeting: any Bernoulli reward) has a Beta posterior.
A segment (industry, seniority, ...) borrows strength from the pooled posterior: its prior is a Beta
centred on the pooled mean of that arm with ``pooling_strength`` pseudo-sends, so a segment with few
sends behaves like the pooled policy and one with many follows its own data (empirical-Bayes
shrinkage). A fixed ``control_share`` of choices always goes to the control arm, so the lift against
it stays measurable, and until every arm has ``min_sends`` sends in a segment, that segment explores
uniformly (the minimum-sample guardrail).

MABWiser's ``ThompsonSampling`` was considered: it has no per-segment shrinkage, control share,
guardrail or JSON state (it pickles), so this is a small numpy sampler whose posteriors are
checked against ``scipy.stats.beta`` in the tests.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from salesmind.core.errors import NotFittedError, UserInputError

#: Key of the pooled posterior (all segments together) in reports and in the saved state.
POOLED = "__all__"


@dataclass(frozen=True)
class ArmPosterior:
    """One arm's Beta posterior in one segment: mean and 95% credible interval."""

    segment: str
    arm: str
    sends: int
    successes: int
    alpha: float
    beta: float
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class ArmLift:
    """An arm's lift over the control: Bayesian (posterior of the difference) and frequentist."""

    segment: str
    arm: str
    control: str
    lift: float  # posterior mean of p_arm - p_control
    low: float  # 95% credible interval of the difference
    high: float
    prob_better: float  # posterior probability that the arm beats the control
    observed_diff: float  # observed rate difference (nan when an arm has no sends)
    newcombe_low: float  # Newcombe hybrid score 95% interval of the observed difference
    newcombe_high: float


def _as_str_list(values: Iterable[Any], name: str) -> list[str]:
    out = [str(v) for v in values]
    if not out:
        raise UserInputError(f"{name} is empty")
    return out


class ThompsonBandit:
    """Beta-Bernoulli Thompson sampling with segments, a control share and a minimum-sample guardrail.

    ``fit(arms, rewards, segments)`` learns from a log, ``partial_fit`` adds to it, ``choose``
    draws the arm to send next, ``posterior`` and ``lift`` report; ``to_dict``/``from_dict`` save
    and restore the state as JSON-ready data.
    """

    def __init__(self, arms: Sequence[str], *, control: str | None = None, control_share: float = 0.0,
                 min_sends: int = 0, prior_alpha: float = 1.0, prior_beta: float = 1.0,
                 pooling_strength: float = 20.0) -> None:
        self.arms = tuple(arms)
        self.control = control
        self.control_share = control_share
        self.min_sends = min_sends
        self.prior_alpha = prior_alpha
        self.prior_beta = prior_beta
        self.pooling_strength = pooling_strength

    # -- configuration -------------------------------------------------------------------------
    def _check_params(self) -> None:
        names = [str(a) for a in self.arms]
        if len(names) < 2 or len(set(names)) != len(names):
            raise UserInputError(f"a bandit needs at least two distinct arms, got {names}")
        if self.control is not None and self.control not in names:
            raise UserInputError(f"control arm {self.control!r} is not one of the arms {names}")
        if not 0.0 <= self.control_share < 1.0:
            raise UserInputError(f"control_share must be in [0, 1), got {self.control_share}")
        if self.control_share > 0 and self.control is None:
            raise UserInputError("control_share > 0 needs a control arm")
        if self.min_sends < 0:
            raise UserInputError(f"min_sends must be >= 0, got {self.min_sends}")
        if self.prior_alpha <= 0 or self.prior_beta <= 0 or self.pooling_strength < 0:
            raise UserInputError("prior_alpha and prior_beta must be > 0 and pooling_strength >= 0")

    def _start(self) -> None:
        self._check_params()
        self.arms_ = [str(a) for a in self.arms]
        self.index_ = {a: i for i, a in enumerate(self.arms_)}
        self.sends_: dict[str, np.ndarray] = {}
        self.successes_: dict[str, np.ndarray] = {}
        self.pooled_sends_ = np.zeros(len(self.arms_), dtype=np.int64)
        self.pooled_successes_ = np.zeros(len(self.arms_), dtype=np.int64)

    def _check_fitted(self) -> None:
        if not hasattr(self, "arms_"):
            raise NotFittedError("this ThompsonBandit is not fitted yet: call fit (possibly on an empty log) first")

    # -- learning ------------------------------------------------------------------------------
    def fit(self, arms: Iterable[Any] = (), rewards: Iterable[Any] = (),
            segments: Iterable[Hashable] | None = None) -> ThompsonBandit:
        """Forget everything and learn from a log of (arm sent, 0/1 reward, optional segment)."""
        self._start()
        arms, rewards = list(arms), list(rewards)
        if arms or rewards:
            self.partial_fit(arms, rewards, segments)
        return self

    def partial_fit(self, arms: Iterable[Any], rewards: Iterable[Any],
                    segments: Iterable[Hashable] | None = None) -> ThompsonBandit:
        """Add observed sends and their rewards to the posteriors."""
        if not hasattr(self, "arms_"):
            self._start()
        arm_list = _as_str_list(arms, "arms")
        try:
            reward_arr = np.asarray(list(rewards), dtype=float)
        except (TypeError, ValueError) as exc:
            raise UserInputError(f"rewards must be 0 or 1: {exc}") from exc
        seg_list = [POOLED] * len(arm_list) if segments is None else [str(s) for s in segments]
        if not (len(arm_list) == len(reward_arr) == len(seg_list)):
            raise UserInputError(f"arms ({len(arm_list)}), rewards ({len(reward_arr)}) and segments "
                                 f"({len(seg_list)}) must have the same length")
        bad = np.flatnonzero(~np.isin(reward_arr, (0.0, 1.0)))
        if bad.size:
            raise UserInputError(f"rewards must be 0 or 1; row {int(bad[0])} has {reward_arr[bad[0]]:g}")
        unknown = sorted({a for a in arm_list if a not in self.index_})
        if unknown:
            raise UserInputError(f"unknown arm(s) {unknown}; the bandit's arms are {self.arms_}")
        for arm, reward, segment in zip(arm_list, reward_arr, seg_list):
            self.update(arm, int(reward), segment)
        return self

    def update(self, arm: str, reward: int, segment: Hashable | None = None) -> None:
        """Record one send of ``arm`` with a 0/1 ``reward`` (the fast path used in loops)."""
        self._check_fitted()
        i = self.index_.get(arm)
        if i is None or reward not in (0, 1):
            raise UserInputError(f"update needs one of the arms {self.arms_} and a 0/1 reward; "
                                 f"got {arm!r} and {reward!r}")
        key = POOLED if segment is None else str(segment)
        if key not in self.sends_:
            self.sends_[key] = np.zeros(len(self.arms_), dtype=np.int64)
            self.successes_[key] = np.zeros(len(self.arms_), dtype=np.int64)
        self.sends_[key][i] += 1
        self.successes_[key][i] += reward
        self.pooled_sends_[i] += 1
        self.pooled_successes_[i] += reward

    # -- posteriors ----------------------------------------------------------------------------
    def _beta_params(self, segment: Hashable | None) -> tuple[np.ndarray, np.ndarray]:
        """Alpha and beta of every arm's posterior in ``segment`` (the pooled one when None)."""
        a = self.prior_alpha + self.pooled_successes_
        b = self.prior_beta + self.pooled_sends_ - self.pooled_successes_
        key = POOLED if segment is None else str(segment)
        if key == POOLED or key not in self.sends_:  # no segment, or an unseen one: the pooled posterior
            return a, b
        pooled_mean = a / (a + b)
        k = self.pooling_strength
        s, n = self.successes_[key], self.sends_[key]
        return (self.prior_alpha + k * pooled_mean + s,
                self.prior_beta + k * (1.0 - pooled_mean) + n - s)

    def _counts(self, segment: Hashable | None) -> tuple[np.ndarray, np.ndarray]:
        """Sends and successes per arm observed in ``segment`` (all of them when None)."""
        key = POOLED if segment is None else str(segment)
        if key == POOLED:
            return self.pooled_sends_, self.pooled_successes_
        empty = np.zeros(len(self.arms_), dtype=np.int64)
        return self.sends_.get(key, empty), self.successes_.get(key, empty)

    def choose(self, segment: Hashable | None = None, rng: np.random.Generator | None = None) -> str:
        """Draw the arm to send next in ``segment``: control share, then guardrail, then Thompson draw."""
        self._check_fitted()
        rng = rng if rng is not None else np.random.default_rng()
        if self.control_share > 0 and rng.random() < self.control_share:
            return str(self.control)
        if self.min_sends > 0 and self._counts(segment)[0].min() < self.min_sends:
            return self.arms_[int(rng.integers(len(self.arms_)))]
        a, b = self._beta_params(segment)
        return self.arms_[int(np.argmax(rng.beta(a, b)))]

    def posterior(self, segment: Hashable | None = None) -> list[ArmPosterior]:
        """Each arm's posterior mean and 95% credible interval in ``segment`` (pooled when None)."""
        from scipy import stats  # reports need the ml extra; choosing and learning need numpy only

        self._check_fitted()
        a, b = self._beta_params(segment)
        sends, succ = self._counts(segment)
        key = POOLED if segment is None else str(segment)
        low, high = stats.beta.ppf([[0.025], [0.975]], a, b)
        return [ArmPosterior(key, arm, int(sends[i]), int(succ[i]), float(a[i]), float(b[i]),
                             float(a[i] / (a[i] + b[i])), float(low[i]), float(high[i]))
                for i, arm in enumerate(self.arms_)]

    def lift(self, segment: Hashable | None = None, draws: int = 20_000, seed: int = 0) -> list[ArmLift]:
        """Every non-control arm's lift over the control in ``segment``, with both kinds of interval."""
        self._check_fitted()
        if self.control is None:
            raise UserInputError("lift needs a control arm (ThompsonBandit(control=...))")
        rng = np.random.default_rng(seed)
        post = {p.arm: p for p in self.posterior(segment)}
        ctrl = post[self.control]
        ctrl_draws = rng.beta(ctrl.alpha, ctrl.beta, draws)
        out = []
        for arm in self.arms_:
            if arm == self.control:
                continue
            p = post[arm]
            diff = rng.beta(p.alpha, p.beta, draws) - ctrl_draws
            observed, nlow, nhigh = newcombe_difference(p.successes, p.sends, ctrl.successes, ctrl.sends)
            out.append(ArmLift(p.segment, arm, self.control, float(diff.mean()),
                               float(np.quantile(diff, 0.025)), float(np.quantile(diff, 0.975)),
                               float((diff > 0).mean()), observed, nlow, nhigh))
        return out

    @property
    def segments_(self) -> list[str]:
        """The segments seen so far (without the pooled key)."""
        self._check_fitted()
        return sorted(k for k in self.sends_ if k != POOLED)

    # -- state ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The parameters and counts as JSON-ready data (what a cadence stores between sends)."""
        self._check_fitted()
        return {
            "version": 1,
            "params": {"arms": self.arms_, "control": self.control, "control_share": self.control_share,
                       "min_sends": self.min_sends, "prior_alpha": self.prior_alpha,
                       "prior_beta": self.prior_beta, "pooling_strength": self.pooling_strength},
            "segments": {k: {"sends": self.sends_[k].tolist(), "successes": self.successes_[k].tolist()}
                         for k in sorted(self.sends_)},
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> ThompsonBandit:
        """Rebuild a bandit saved with :meth:`to_dict`."""
        try:
            bandit = cls(**state["params"])
            bandit._start()
            for key, counts in state["segments"].items():
                sends = np.asarray(counts["sends"], dtype=np.int64)
                succ = np.asarray(counts["successes"], dtype=np.int64)
                if sends.shape != (len(bandit.arms_),) or succ.shape != sends.shape or (succ > sends).any():
                    raise ValueError(f"segment {key!r} has inconsistent counts")
                bandit.sends_[key], bandit.successes_[key] = sends, succ
                bandit.pooled_sends_ += sends
                bandit.pooled_successes_ += succ
        except (KeyError, TypeError, ValueError) as exc:
            raise UserInputError(f"not a saved ThompsonBandit state: {exc}") from exc
        return bandit

    def __repr__(self) -> str:
        return (f"ThompsonBandit(arms={list(self.arms)!r}, control={self.control!r}, "
                f"control_share={self.control_share}, min_sends={self.min_sends})")


def wilson_interval(successes: int, sends: int) -> tuple[float, float]:
    """Wilson score 95% interval of one observed rate ((nan, nan) without sends)."""
    if sends == 0:
        return float("nan"), float("nan")
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, sends, alpha=0.05, method="wilson")
    return float(low), float(high)


def newcombe_difference(s1: int, n1: int, s2: int, n2: int) -> tuple[float, float, float]:
    """Observed difference s1/n1 - s2/n2 with its Newcombe (1998, method 10) 95% interval."""
    if n1 == 0 or n2 == 0:
        nan = float("nan")
        return nan, nan, nan
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(s1, n1, s2, n2, method="newcomb", compare="diff", alpha=0.05)
    return s1 / n1 - s2 / n2, float(low), float(high)
