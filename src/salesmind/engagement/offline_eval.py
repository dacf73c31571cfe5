"""Unbiased offline evaluation of send policies on a logged randomised test.

* **Replay** (Li, Chu, Langford, Wang, WSDM 2011, "Unbiased offline evaluation of contextual-bandit-
  based news article recommendation algorithms"): walk the log in order, ask the policy for an arm,
  keep the event only when it matches the logged arm and let the policy learn from it. When the
  logging policy is uniform random, the kept events are distributed exactly as if the policy had
  run live, so the mean reward on them is an unbiased estimate of its value (for as many steps as
  events kept, about 1/K of the log). A log with other known propensities is first thinned by
  rejection sampling (keep a row with probability min p / p) so that the kept rows are uniform.
* **IPS** (inverse propensity scoring, Horvitz-Thompson) for static policies: the mean of
  pi(a|x) / p(a|x) * r, unbiased whenever every propensity is known and positive; and the
  **self-normalised** IPS, which divides by the sum of weights instead of n (slightly biased,
  usually lower variance).

Intervals are bootstrap percentiles: each replicate resamples the rows with replacement, in a
fresh random order, and every policy is evaluated on the same replicate, so differences are paired.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from salesmind.core.errors import UserInputError

#: Bootstrap interval level.
LEVEL = 0.95
#: The static policy every difference is measured against.
REFERENCE = "uniform random"


class LearningPolicy(Protocol):
    """What replay needs from a policy: pick an arm, then learn the reward of the arm it picked."""

    def choose(self, segment: Hashable | None = None, rng: np.random.Generator | None = None) -> str: ...

    def update(self, arm: str, reward: int, segment: Hashable | None = None) -> None: ...


@dataclass(frozen=True)
class LoggedData:
    """A randomised test log: the arm each unit got, its 0/1 reward, the propensity, optional segments."""

    arms: np.ndarray  # arm index per row (into arm_names)
    rewards: np.ndarray  # 0/1 per row
    propensities: np.ndarray  # probability the logging policy gave the logged arm
    arm_names: tuple[str, ...]
    segments: np.ndarray | None = None  # segment label per row (strings)

    def __len__(self) -> int:
        return len(self.rewards)

    def take(self, rows: np.ndarray) -> LoggedData:
        """The log restricted to (and ordered as) ``rows``."""
        return LoggedData(self.arms[rows], self.rewards[rows], self.propensities[rows], self.arm_names,
                          None if self.segments is None else self.segments[rows])

    @property
    def is_uniform(self) -> bool:
        """Whether every row was logged with probability 1/K (plain replay is then unbiased)."""
        return bool(np.allclose(self.propensities, 1.0 / len(self.arm_names)))


@dataclass(frozen=True)
class PolicyValue:
    """A policy's estimated value with its bootstrap interval and its paired difference to a reference."""

    policy: str
    estimator: str
    value: float
    low: float
    high: float
    events: int  # rows used (matched events for replay, all rows for IPS)
    diff: float  # value minus the reference's (same replicates)
    diff_low: float
    diff_high: float


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = (np.flatnonzero(mask) + 1)[:limit]
    more = int(mask.sum()) - len(rows)
    return ", ".join(str(r) for r in rows) + (f" and {more} more" if more > 0 else "")


def _binary(column: pd.Series, name: str) -> np.ndarray:
    text = column.astype(str).str.strip().str.lower()
    mapped = text.map({"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0, "yes": 1, "no": 0})
    bad = mapped.isna().to_numpy()
    if bad.any():
        example = column[bad].iloc[0]
        raise UserInputError(f"reward column {name!r} must be 0/1 (or true/false); data row(s) {_rows(bad)} "
                             f"have other values, e.g. {str(example)!r}")
    return mapped.to_numpy(dtype=np.int8)


def logged_data_from_frame(frame: pd.DataFrame, arm: str, reward: str, segment: str | None = None,
                           propensity: str | None = "uniform") -> LoggedData:
    """Check a logged test table and turn it into :class:`LoggedData` (row numbers count data rows from 1).

    ``propensity`` is a column holding the probability of the logged arm, or ``"uniform"`` (1/K).
    """
    needed = [c for c in (arm, reward, segment) if c is not None]
    if propensity not in (None, "uniform"):
        needed.append(propensity)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise UserInputError(f"column(s) {missing} not in the table; it has {list(frame.columns)}")
    if frame.empty:
        raise UserInputError("the table has no rows")
    for name in [arm] + ([segment] if segment else []):
        empty = (frame[name].isna() | (frame[name].astype(str).str.strip() == "")).to_numpy()
        if empty.any():
            raise UserInputError(f"column {name!r} is empty in data row(s) {_rows(empty)}")
    rewards = _binary(frame[reward], reward)
    arm_text = frame[arm].astype(str).str.strip()
    names = tuple(sorted(arm_text.unique()))
    if len(names) < 2:
        raise UserInputError(f"column {arm!r} must hold at least two arms; it only has {list(names)}")
    index = {a: i for i, a in enumerate(names)}
    arms = arm_text.map(index).to_numpy(dtype=np.int64)
    if propensity in (None, "uniform"):
        props = np.full(len(frame), 1.0 / len(names))
    else:
        props = pd.to_numeric(frame[propensity], errors="coerce").to_numpy(dtype=float)
        bad = ~((props > 0) & (props <= 1))
        if bad.any():
            raise UserInputError(f"propensity column {propensity!r} must be a probability in (0, 1]; "
                                 f"data row(s) {_rows(bad)} are not")
    segments = None if segment is None else frame[segment].astype(str).str.strip().to_numpy()
    return LoggedData(arms, rewards, props, names, segments)


# -- static policies: a probability over arms per row ---------------------------------------------
def always(data: LoggedData, arm: str) -> np.ndarray:
    """Target probabilities of the policy that always sends ``arm``."""
    if arm not in data.arm_names:
        raise UserInputError(f"arm {arm!r} is not in the log; arms are {list(data.arm_names)}")
    probs = np.zeros((len(data), len(data.arm_names)))
    probs[:, data.arm_names.index(arm)] = 1.0
    return probs


def uniform(data: LoggedData) -> np.ndarray:
    """Target probabilities of uniform random sending."""
    return np.full((len(data), len(data.arm_names)), 1.0 / len(data.arm_names))


def per_segment(data: LoggedData, choice: Mapping[str, str]) -> np.ndarray:
    """Target probabilities of the policy sending ``choice[segment]`` to each row."""
    if data.segments is None:
        raise UserInputError("a per-segment policy needs a segment column")
    probs = np.zeros((len(data), len(data.arm_names)))
    cols = np.array([data.arm_names.index(choice[s]) for s in data.segments])
    probs[np.arange(len(data)), cols] = 1.0
    return probs


def best_arm_per_segment(data: LoggedData) -> dict[str, str]:
    """In hindsight, the arm with the highest observed (propensity-weighted) rate in each segment."""
    if data.segments is None:
        raise UserInputError("best arm per segment needs a segment column")
    out = {}
    for seg in np.unique(data.segments):
        rows = data.segments == seg
        rates = [snips(data.take(np.flatnonzero(rows)), always(data.take(np.flatnonzero(rows)), a))
                 for a in data.arm_names]
        out[str(seg)] = data.arm_names[int(np.nanargmax(rates))]
    return out


def _weights(data: LoggedData, target: np.ndarray) -> np.ndarray:
    return target[np.arange(len(data)), data.arms] / data.propensities


def ips(data: LoggedData, target: np.ndarray) -> float:
    """Inverse propensity score estimate of a static policy's value (unbiased with known propensities)."""
    return float(np.mean(_weights(data, target) * data.rewards))


def snips(data: LoggedData, target: np.ndarray) -> float:
    """Self-normalised IPS: weighted mean reward (nan when the policy never matches the log)."""
    w = _weights(data, target)
    total = w.sum()
    return float((w * data.rewards).sum() / total) if total > 0 else float("nan")


# -- learning policies: replay ---------------------------------------------------------------------
def thin_to_uniform(data: LoggedData, rng: np.random.Generator) -> LoggedData:
    """Rejection-sample a log with known propensities so that the kept rows look uniformly logged."""
    if data.is_uniform:
        return data
    keep = rng.random(len(data)) < data.propensities.min() / data.propensities
    kept = data.take(np.flatnonzero(keep))
    k = len(data.arm_names)
    return LoggedData(kept.arms, kept.rewards, np.full(len(kept), 1.0 / k), kept.arm_names, kept.segments)


def replay(data: LoggedData, policy: LearningPolicy, rng: np.random.Generator,
           use_segments: bool = False) -> tuple[float, int]:
    """Replay a learning policy over the log in its order: (mean reward on matched events, events)."""
    data = thin_to_uniform(data, rng)
    names = data.arm_names
    segments = data.segments if use_segments and data.segments is not None else None
    total, matched = 0, 0
    for i in range(len(data)):
        segment = None if segments is None else segments[i]
        arm = policy.choose(segment, rng)
        if arm == names[data.arms[i]]:
            reward = int(data.rewards[i])
            policy.update(arm, reward, segment)
            total += reward
            matched += 1
    return (total / matched if matched else float("nan")), matched


@dataclass(frozen=True)
class Learner:
    """A learning policy to replay: a factory for a fresh copy, and whether it sees the segment."""

    make: Callable[[tuple[str, ...]], Any]
    use_segments: bool = False


def _interval(values: np.ndarray) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return float(low), float(high)


def evaluate(data: LoggedData, statics: Mapping[str, np.ndarray], learners: Mapping[str, Learner],
             reference: str, n_boot: int = 50, seed: int = 0) -> list[PolicyValue]:
    """Value of every policy with paired bootstrap intervals; differences are against static ``reference``.

    Static policies get an IPS and a self-normalised IPS row (point estimate on the whole log);
    learning policies get a replay row (mean over the bootstrap replicates, each in a fresh order).
    """
    if reference not in statics:
        raise UserInputError(f"the reference policy {reference!r} must be one of the static policies")
    if n_boot < 2:
        raise UserInputError("n_boot must be at least 2")
    rng = np.random.default_rng(seed)
    keys = [(n, "IPS") for n in statics] + [(n, "SNIPS") for n in statics] + [(n, "replay") for n in learners]
    boot = {k: np.empty(n_boot) for k in keys}
    events = {n: np.empty(n_boot) for n in learners}
    for b in range(n_boot):
        rows = rng.integers(0, len(data), len(data))  # resampled rows, in a random order
        sample = data.take(rows)
        for name, target in statics.items():
            boot[(name, "IPS")][b] = ips(sample, target[rows])
            boot[(name, "SNIPS")][b] = snips(sample, target[rows])
        for name, learner in learners.items():
            boot[(name, "replay")][b], events[name][b] = replay(sample, learner.make(data.arm_names), rng,
                                                               learner.use_segments)
    ref, ref_value = boot[(reference, "IPS")], ips(data, statics[reference])
    out = []
    for name, estimator in keys:
        values = boot[(name, estimator)]
        if estimator == "replay":
            value, n_events = float(np.nanmean(values)), round(events[name].mean())
        else:
            estimate = ips if estimator == "IPS" else snips
            value, n_events = estimate(data, statics[name]), len(data)
        out.append(PolicyValue(name, estimator, value, *_interval(values), n_events,
                               value - ref_value, *_interval(values - ref)))
    return out


def standard_policies(data: LoggedData) -> tuple[dict[str, np.ndarray], dict[str, Learner]]:
    """The policies every evaluation compares: uniform random (the reference), always each arm, the best
    arm per segment in hindsight and Thompson sampling pooled and per segment (the last two with segments)."""
    from salesmind.engagement.bandits import ThompsonBandit

    statics = {REFERENCE: uniform(data)}
    statics.update({f"always {arm}": always(data, arm) for arm in data.arm_names})
    learners = {"Thompson sampling, pooled": Learner(lambda arms: ThompsonBandit(arms).fit())}
    if data.segments is not None:
        statics["best arm per segment (hindsight)"] = per_segment(data, best_arm_per_segment(data))
        learners["Thompson sampling, per segment"] = Learner(lambda arms: ThompsonBandit(arms).fit(),
                                                             use_segments=True)
    return statics, learners


def evaluate_table(frame: pd.DataFrame, arm: str, reward: str, segment: str | None = None,
                   propensity: str = "uniform", n_boot: int = 20, seed: int = 0) -> list[PolicyValue]:
    """Check a user's logged test table and value the standard policies on it (what the CLI prints)."""
    data = logged_data_from_frame(frame, arm, reward, segment, propensity)
    statics, learners = standard_policies(data)
    return evaluate(data, statics, learners, REFERENCE, n_boot=n_boot, seed=seed)
