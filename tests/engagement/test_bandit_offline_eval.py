"""Offline estimators on simulated logs whose true policy values are known analytically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesmind.core.errors import UserInputError
from salesmind.engagement.bandits import ThompsonBandit
from salesmind.engagement.offline_eval import (
    Learner,
    LoggedData,
    always,
    best_arm_per_segment,
    evaluate,
    ips,
    logged_data_from_frame,
    per_segment,
    replay,
    snips,
    uniform,
)

ARMS = ("a", "b", "c")
#: True reward rate of each arm in each of two equally likely segments.
RATES = {"x": np.array([0.10, 0.20, 0.40]), "y": np.array([0.35, 0.10, 0.15])}


#: Rates where one arm is far ahead, so that Thompson sampling learns within a few hundred sends.
EASY = {"x": np.array([0.05, 0.15, 0.60]), "y": np.array([0.05, 0.15, 0.60])}


def simulate(n: int, rng: np.random.Generator, propensities: tuple[float, ...] = (1 / 3, 1 / 3, 1 / 3),
             truth: dict[str, np.ndarray] = RATES) -> LoggedData:
    """A randomised log: segment x or y, arm drawn with ``propensities``, reward Bernoulli(truth)."""
    segments = rng.choice(["x", "y"], n)
    arms = rng.choice(3, n, p=propensities)
    rates = np.where(segments == "x", truth["x"][arms], truth["y"][arms])
    rewards = (rng.random(n) < rates).astype(np.int8)
    return LoggedData(arms, rewards, np.asarray(propensities)[arms], ARMS, segments)


def test_ips_and_snips_are_unbiased_for_static_policies() -> None:
    rng = np.random.default_rng(0)
    truth = {"a": 0.225, "c": 0.275, "uniform": 1.3 / 6, "best per segment": 0.375}
    estimates: dict[str, list[float]] = {k: [] for k in truth}
    snips_estimates: dict[str, list[float]] = {k: [] for k in truth}
    for _ in range(300):
        log = simulate(600, rng, propensities=(0.6, 0.3, 0.1))  # far from uniform: the weights matter
        targets = {"a": always(log, "a"), "c": always(log, "c"), "uniform": uniform(log),
                   "best per segment": per_segment(log, {"x": "c", "y": "a"})}
        for name, target in targets.items():
            estimates[name].append(ips(log, target))
            snips_estimates[name].append(snips(log, target))
    for name, value in truth.items():
        assert np.mean(estimates[name]) == pytest.approx(value, abs=0.006), name
        assert np.mean(snips_estimates[name]) == pytest.approx(value, abs=0.006), name
    # the unweighted mean reward is the logging policy's value (0.2075), not uniform random's (0.2167)
    assert np.mean(estimates["uniform"]) - 0.2075 > 0.005


def _online_thompson(steps: int, rng: np.random.Generator) -> float:
    """Run Thompson sampling live on the simulated population for ``steps`` sends."""
    bandit, total = ThompsonBandit(ARMS).fit(), 0
    for _ in range(steps):
        segment = "x" if rng.random() < 0.5 else "y"
        arm = bandit.choose(None, rng)
        reward = int(rng.random() < EASY[segment][ARMS.index(arm)])
        bandit.update(arm, reward)
        total += reward
    return total / steps


@pytest.mark.parametrize("propensities", [(1 / 3, 1 / 3, 1 / 3), (0.5, 0.3, 0.2)])
def test_replay_matches_the_policy_run_live(propensities: tuple[float, ...]) -> None:
    rng = np.random.default_rng(1)
    replayed, live = [], []
    for _ in range(100):
        value, events = replay(simulate(600, rng, propensities, EASY), ThompsonBandit(ARMS).fit(), rng)
        replayed.append(value)
        live.append(_online_thompson(events, rng))
    # standard error of the difference of the two means is about 0.004
    assert np.mean(replayed) == pytest.approx(np.mean(live), abs=0.01)
    assert np.mean(replayed) > 0.45  # it learns: uniform random is worth 0.267, always c 0.60


def test_segmented_replay_learns_the_best_arm_per_segment() -> None:
    rng = np.random.default_rng(2)
    log = simulate(9000, rng)
    pooled, _ = replay(log, ThompsonBandit(ARMS).fit(), rng)
    segmented, events = replay(log, ThompsonBandit(ARMS).fit(), rng, use_segments=True)
    assert events == pytest.approx(3000, rel=0.1)
    assert segmented > pooled + 0.05  # 0.375 is possible per segment, 0.275 pooled


def test_evaluate_gives_paired_intervals_around_the_truth() -> None:
    log = simulate(3000, np.random.default_rng(3))
    rows = evaluate(log, {"uniform": uniform(log), "always c": always(log, "c")},
                    {"thompson": Learner(lambda arms: ThompsonBandit(arms).fit())}, "uniform", n_boot=12, seed=4)
    by = {(r.policy, r.estimator): r for r in rows}
    assert set(by) == {("uniform", "IPS"), ("uniform", "SNIPS"), ("always c", "IPS"), ("always c", "SNIPS"),
                       ("thompson", "replay")}
    ref = by[("uniform", "IPS")]
    assert ref.diff == 0 and ref.diff_low == ref.diff_high == 0
    assert ref.low < 1.3 / 6 < ref.high
    c = by[("always c", "SNIPS")]
    assert c.low < 0.275 < c.high and c.low < c.value < c.high
    assert by[("thompson", "replay")].events == pytest.approx(1000, rel=0.1)
    assert best_arm_per_segment(log) == {"x": "c", "y": "a"}
    with pytest.raises(UserInputError, match="reference"):
        evaluate(log, {"uniform": uniform(log)}, {}, "thompson")


def test_logged_tables_are_checked_row_by_row() -> None:
    good = pd.DataFrame({"variant": ["A", "B", "A"], "replied": [1, 0, "true"], "industry": ["x", "y", "x"]})
    log = logged_data_from_frame(good, "variant", "replied", "industry")
    assert log.arm_names == ("A", "B") and log.rewards.tolist() == [1, 0, 1] and log.is_uniform
    with pytest.raises(UserInputError, match=r"\['opened'\] not in the table"):
        logged_data_from_frame(good, "variant", "opened")
    with pytest.raises(UserInputError, match=r"data row\(s\) 2 have other values, e.g. '3'"):
        logged_data_from_frame(good.assign(replied=[1, 3, 0]), "variant", "replied")
    with pytest.raises(UserInputError, match=r"'variant' is empty in data row\(s\) 3"):
        logged_data_from_frame(good.assign(variant=["A", "B", None]), "variant", "replied")
    with pytest.raises(UserInputError, match="at least two arms"):
        logged_data_from_frame(good.assign(variant="A"), "variant", "replied")
    with pytest.raises(UserInputError, match=r"probability in \(0, 1\]; data row\(s\) 1"):
        logged_data_from_frame(good.assign(p=[0, 0.5, 0.5]), "variant", "replied", propensity="p")
