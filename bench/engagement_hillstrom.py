"""Hillstrom offline policy evaluation: Thompson sampling against always-send-the-best-arm and uniform random.

Data: ``../shared/data/hillstrom_email/hillstrom.csv`` (64,000 real customers of a US retailer,
randomly assigned with probability 1/3 each to Mens E-Mail, Womens E-Mail or No E-Mail; Kevin
Hillstrom's MineThatData challenge, 2008). Learning policies (Thompson sampling pooled and per
segment) are valued by replay (Li et al. 2011, unbiased under the uniform logging), static policies
by IPS and self-normalised IPS, all on the same bootstrap replicates (rows resampled, in a fresh
random order each time), so every difference to uniform random is paired.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from bench.scoring import machine
from salesmind.engagement.bandits import ThompsonBandit
from salesmind.engagement.offline_eval import (
    REFERENCE,
    Learner,
    PolicyValue,
    best_arm_per_segment,
    evaluate,
    logged_data_from_frame,
    standard_policies,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hillstrom_email" / "hillstrom.csv"
#: Per-arm rates quoted in SOURCE.md (Hillstrom's published summary), in percent.
PUBLISHED = {"visit": {"Mens E-Mail": 18.28, "Womens E-Mail": 15.14, "No E-Mail": 10.62},
             "conversion": {"Mens E-Mail": 1.25, "Womens E-Mail": 0.88, "No E-Mail": 0.57}}
BEST_ARM, CONTROL = "Mens E-Mail", "No E-Mail"
N_BOOT = int(os.environ.get("BENCH_HILLSTROM_BOOT", "20"))
CONTROL_SHARE, MIN_SENDS = 0.10, 100


def buyer_segment(frame: pd.DataFrame) -> pd.Series:
    """The customer's past purchases: 'mens only', 'womens only' or 'both' (from the mens/womens flags)."""
    labels = {(1, 0): "mens only", (0, 1): "womens only", (1, 1): "both"}
    return pd.Series([labels.get((int(m), int(w)), "neither") for m, w in zip(frame["mens"], frame["womens"])],
                     index=frame.index, name="buyer")


def arm_rates(frame: pd.DataFrame, outcomes: Sequence[str] = ("visit", "conversion")) -> pd.DataFrame:
    """Observed rate (percent) of each outcome per arm, with the arm sizes."""
    grouped = frame.groupby("segment")
    rates = grouped[list(outcomes)].mean() * 100
    rates["customers"] = grouped.size()
    return rates


def published_mismatches(rates: pd.DataFrame, tolerance: float = 0.01) -> list[str]:
    """Arms whose rate differs from the SOURCE.md figure by more than ``tolerance`` percentage points."""
    return [f"{outcome} {arm}: {rates.loc[arm, outcome]:.2f}% vs published {quoted:.2f}%"
            for outcome, by_arm in PUBLISHED.items() for arm, quoted in by_arm.items()
            if abs(rates.loc[arm, outcome] - quoted) > tolerance + 0.005]


def value_table(rows: Sequence[PolicyValue], best: str) -> str:
    """Markdown rows of policy values (percent), their intervals, the paired difference and the ratio to ``best``."""
    best_value = next(r.value for r in rows if r.policy == best and r.estimator == "IPS")
    lines = ["| policy | estimator | value | 95% interval | vs uniform random (95% interval) | vs best arm | events |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.policy} | {r.estimator} | {100 * r.value:.2f}% | {100 * r.low:.2f}-{100 * r.high:.2f}% "
                     f"| {100 * r.diff:+.2f} pp ({100 * r.diff_low:+.2f} to {100 * r.diff_high:+.2f}) "
                     f"| {r.value / best_value:.3f}x | {r.events:,} |")
    return "\n".join(lines)


def lift_table(frame: pd.DataFrame, outcome: str) -> str:
    """The bandit's lift report after the whole log: each e-mail against No E-Mail."""
    bandit = ThompsonBandit(sorted(frame["segment"].unique()), control=CONTROL).fit(frame["segment"], frame[outcome])
    lines = ["| arm | lift vs No E-Mail (posterior mean) | 95% credible | P(better) | observed | Newcombe 95% |",
             "|---|---|---|---|---|---|"]
    for r in bandit.lift():
        lines.append(f"| {r.arm} | {100 * r.lift:+.2f} pp | {100 * r.low:+.2f} to {100 * r.high:+.2f} "
                     f"| {r.prob_better:.3f} | {100 * r.observed_diff:+.2f} pp "
                     f"| {100 * r.newcombe_low:+.2f} to {100 * r.newcombe_high:+.2f} |")
    return "\n".join(lines)


def guarded_learner() -> Learner:
    """Thompson sampling per segment as a cadence would run it: a control share and a minimum-sample guardrail."""
    return Learner(lambda arms: ThompsonBandit(arms, control=CONTROL, control_share=CONTROL_SHARE,
                                               min_sends=MIN_SENDS).fit(), use_segments=True)


def outcome_section(frame: pd.DataFrame, outcome: str, seed: int, n_boot: int = N_BOOT) -> tuple[str, float]:
    """The value table for one reward (visit or conversion) and the seconds it took."""
    started = time.perf_counter()
    data = logged_data_from_frame(frame, "segment", outcome, "buyer")
    statics, learners = standard_policies(data)
    learners[f"Thompson, per segment, {CONTROL_SHARE:.0%} control, >= {MIN_SENDS} sends guardrail"] = guarded_learner()
    rows = evaluate(data, statics, learners, REFERENCE, n_boot=n_boot, seed=seed)
    hindsight = best_arm_per_segment(data)
    chosen = ", ".join(f"{seg}: {arm}" for seg, arm in sorted(hindsight.items()))
    text = (f"### Reward: {outcome}\n\n{value_table(rows, f'always {BEST_ARM}')}\n\n"
            f"Best arm per segment in hindsight ({chosen}) is chosen on the same data, so it is an optimistic "
            f"ceiling, not a policy one could have run.\n\nLift report of the bandit fitted on the whole log "
            f"(Beta(1, 1) prior):\n\n{lift_table(frame, outcome)}")
    return text, time.perf_counter() - started


def run() -> str:
    """The markdown section: arm-rate check, value tables for visit and conversion, lift reports."""
    frame = pd.read_csv(DATA)
    frame["buyer"] = buyer_segment(frame)
    rates = arm_rates(frame)
    mismatches = published_mismatches(rates)
    check = "all six match" if not mismatches else "MISMATCH: " + "; ".join(mismatches)
    rate_lines = ["| arm | customers | visit | conversion |", "|---|---|---|---|"]
    rate_lines += [f"| {arm} | {int(r.customers):,} | {r.visit:.2f}% | {r.conversion:.2f}% |"
                   for arm, r in rates.iterrows()]
    sections, seconds = [], 0.0
    for seed, outcome in enumerate(("visit", "conversion")):
        text, took = outcome_section(frame, outcome, seed)
        sections.append(text)
        seconds += took
    return "\n".join([
        "## Hillstrom offline policy evaluation (issue 7)",
        "",
        ("64,000 real customers randomised 1/3 each to Mens E-Mail, Womens E-Mail and No E-Mail (Hillstrom's "
        "MineThatData test, `../shared/data/hillstrom_email`). Learning policies are valued by replay (Li, Chu, "
        "Langford, Wang 2011: keep the events where the policy picks the logged arm; unbiased because the "
        "logging is uniform), static ones by IPS and self-normalised IPS with the known 1/3 propensities. "
        f"Intervals: {N_BOOT} bootstrap replicates (rows resampled with replacement, each in a fresh random "
        "order), every policy on the same replicates, so the difference to uniform random is paired. Segment: "
        "the customer's past purchases (mens only / womens only / both). Reproduce with "
        "`python -m bench engagement_hillstrom` (`BENCH_HILLSTROM_BOOT` sets the replicates)."),
        "",
        f"Arm rates against SOURCE.md (Hillstrom's published summary): {check}.",
        "",
        "\n".join(rate_lines),
        "",
        *[s + "\n" for s in sections],
        (f"Replay keeps only the events where the policy picks the logged arm (about a third of the log: the "
         f"events column), so the learners are valued over that many sends. Run time {seconds:.0f} s. "
         f"Machine: {machine()}."),
    ])
