"""ThompsonBandit: exact Beta posteriors, Thompson choice probabilities, shrinkage, control share, guardrail, state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import integrate, stats

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.engagement.bandits import ThompsonBandit, newcombe_difference, wilson_interval

ARMS = ("subject A", "subject B", "subject C")


def _log(rates: dict[str, tuple[int, int]], segment: str | None = None) -> tuple[list, list, list]:
    arms, rewards = [], []
    for arm, (successes, sends) in rates.items():
        arms += [arm] * sends
        rewards += [1] * successes + [0] * (sends - successes)
    return arms, rewards, [segment] * len(arms)


def test_pooled_posterior_is_the_exact_beta_posterior() -> None:
    arms, rewards, _ = _log({"subject A": (3, 20), "subject B": (12, 40), "subject C": (0, 5)})
    bandit = ThompsonBandit(ARMS, prior_alpha=1.0, prior_beta=1.0).fit(arms, rewards)
    for p, (s, n) in zip(bandit.posterior(), [(3, 20), (12, 40), (0, 5)]):
        exact = stats.beta(1 + s, 1 + n - s)
        assert (p.sends, p.successes) == (n, s)
        assert p.mean == pytest.approx(exact.mean())
        assert (p.low, p.high) == pytest.approx(exact.interval(0.95))


def test_choice_frequencies_match_the_exact_probability_of_being_best() -> None:
    bandit = ThompsonBandit(ARMS[:2]).fit(*_log({"subject A": (4, 20), "subject B": (7, 22)})[:2])
    a, b = stats.beta(5, 17), stats.beta(8, 16)
    p_b_best = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), 0, 1)[0]  # P(theta_B > theta_A)
    rng = np.random.default_rng(1)
    n = 20_000
    share_b = sum(bandit.choose(rng=rng) == "subject B" for _ in range(n)) / n
    assert share_b == pytest.approx(p_b_best, abs=4 * np.sqrt(p_b_best * (1 - p_b_best) / n))


def test_segments_shrink_towards_the_pooled_posterior() -> None:
    pooled = _log({"subject A": (20, 200), "subject B": (40, 200)}, "retail")
    few = _log({"subject A": (2, 2), "subject B": (0, 2)}, "banking")
    many = _log({"subject A": (300, 1000), "subject B": (100, 1000)}, "energy")
    bandit = ThompsonBandit(ARMS[:2], pooling_strength=20).fit(
        pooled[0] + few[0] + many[0], pooled[1] + few[1] + many[1], pooled[2] + few[2] + many[2])
    unseen = {p.arm: p.mean for p in bandit.posterior("unknown segment")}
    assert unseen == {p.arm: p.mean for p in bandit.posterior()}  # an unseen segment falls back to pooled
    banking = {p.arm: p.mean for p in bandit.posterior("banking")}
    assert abs(banking["subject A"] - unseen["subject A"]) < 0.1  # 2 sends barely move 20 pseudo-sends
    energy = {p.arm: p.mean for p in bandit.posterior("energy")}
    assert energy["subject A"] == pytest.approx(0.30, abs=0.01)
    assert energy["subject B"] == pytest.approx(0.10, abs=0.01)
    assert bandit.segments_ == ["banking", "energy", "retail"]


def test_control_share_is_always_sent_the_control() -> None:
    arms, rewards, _ = _log({"subject A": (1, 500), "subject B": (250, 500), "subject C": (2, 500)})
    bandit = ThompsonBandit(ARMS, control="subject A", control_share=0.25).fit(arms, rewards)
    rng = np.random.default_rng(2)
    picks = [bandit.choose(rng=rng) for _ in range(4000)]
    share = picks.count("subject A") / len(picks)
    assert share == pytest.approx(0.25, abs=4 * np.sqrt(0.25 * 0.75 / 4000))
    assert picks.count("subject C") == 0  # the rest follows the posterior (B is far ahead)


def test_guardrail_explores_uniformly_until_every_arm_has_min_sends() -> None:
    arms, rewards, segs = _log({"subject A": (0, 10), "subject B": (10, 10), "subject C": (0, 9)}, "retail")
    bandit = ThompsonBandit(ARMS, min_sends=10).fit(arms, rewards, segs)
    rng = np.random.default_rng(3)
    early = [bandit.choose("retail", rng) for _ in range(3000)]
    assert min(early.count(a) for a in ARMS) > 900  # C has 9 sends: still uniform
    bandit.update("subject C", 0, "retail")
    late = [bandit.choose("retail", rng) for _ in range(3000)]
    assert late.count("subject B") > 2900


def test_lift_reports_the_posterior_difference_and_newcombe_interval() -> None:
    arms, rewards, _ = _log({"subject A": (48, 80), "subject B": (56, 70)})
    lift = ThompsonBandit(ARMS[:2], control="subject A").fit(arms, rewards).lift(draws=200_000)
    (row,) = lift
    exact = 57 / 72 - 49 / 82  # difference of the Beta(1+s, 1+f) posterior means
    assert row.lift == pytest.approx(exact, abs=0.003)
    assert row.low < exact < row.high and row.prob_better > 0.99
    # Newcombe (1998) Table II, example (a): 56/70 - 48/80, method 10 -> 0.0524 to 0.3339
    assert row.observed_diff == pytest.approx(0.2)
    assert (row.newcombe_low, row.newcombe_high) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_published_wilson_and_newcombe_intervals() -> None:
    # Newcombe (1998), single proportion, method 3 (Wilson): 81/263 and 15/148
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    # Newcombe (1998) Table II, example (b): 9/10 - 3/10 -> 0.1705 to 0.8090
    assert newcombe_difference(9, 10, 3, 10)[1:] == pytest.approx((0.1705, 0.8090), abs=1e-4)


def test_state_round_trips_through_json() -> None:
    arms, rewards, segs = _log({"subject A": (3, 30), "subject B": (9, 30)}, "retail")
    bandit = ThompsonBandit(ARMS, control="subject A", control_share=0.1, min_sends=2).fit(arms, rewards, segs)
    restored = ThompsonBandit.from_dict(json.loads(json.dumps(bandit.to_dict())))
    assert restored.posterior("retail") == bandit.posterior("retail")
    rng1, rng2 = np.random.default_rng(4), np.random.default_rng(4)
    assert [bandit.choose("retail", rng1) for _ in range(50)] == [restored.choose("retail", rng2) for _ in range(50)]
    broken = bandit.to_dict()
    broken["segments"]["retail"]["successes"][0] = 99
    with pytest.raises(UserInputError, match="inconsistent"):
        ThompsonBandit.from_dict(broken)


def test_mistakes_are_clear_errors() -> None:
    with pytest.raises(NotFittedError):
        ThompsonBandit(ARMS).choose()
    with pytest.raises(UserInputError, match="control arm"):
        ThompsonBandit(ARMS, control="subject Z").fit()
    with pytest.raises(UserInputError, match="needs a control arm"):
        ThompsonBandit(ARMS, control_share=0.2).fit()
    with pytest.raises(UserInputError, match="unknown arm"):
        ThompsonBandit(ARMS).fit(["subject Q"], [1])
    with pytest.raises(UserInputError, match="0/1 reward; got 'subject A' and 3"):
        ThompsonBandit(ARMS).fit().update("subject A", 3)
    with pytest.raises(UserInputError, match="row 1 has 2"):
        ThompsonBandit(ARMS).fit(["subject A", "subject B"], [0, 2])
