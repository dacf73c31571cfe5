"""The Hillstrom benchmark's helpers, on tiny hand-made tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))
from bench.engagement_hillstrom import (
    arm_rates,
    buyer_segment,
    lift_table,
    outcome_section,
    published_mismatches,
    value_table,
)

from salesmind.engagement.offline_eval import PolicyValue


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "segment": ["Mens E-Mail"] * 4 + ["No E-Mail"] * 4,
        "visit": [1, 1, 0, 0, 1, 0, 0, 0],
        "conversion": [1, 0, 0, 0, 0, 0, 0, 0],
        "mens": [1, 0, 1, 1, 0, 1, 1, 0],
        "womens": [0, 1, 1, 0, 1, 1, 0, 1],
    })


def test_buyer_segment_reads_the_purchase_flags() -> None:
    assert buyer_segment(_frame()).tolist() == ["mens only", "womens only", "both", "mens only",
                                                "womens only", "both", "mens only", "womens only"]


def test_arm_rates_and_the_published_check() -> None:
    rates = arm_rates(_frame())
    assert rates.loc["Mens E-Mail", "visit"] == pytest.approx(50.0)
    assert rates.loc["No E-Mail", "conversion"] == pytest.approx(0.0)
    assert rates["customers"].tolist() == [4, 4]
    published = pd.DataFrame({"visit": [18.28, 15.14, 10.62], "conversion": [1.25, 0.88, 0.57]},
                             index=["Mens E-Mail", "Womens E-Mail", "No E-Mail"])
    assert published_mismatches(published) == []
    published.loc["No E-Mail", "visit"] = 10.70
    assert published_mismatches(published) == ["visit No E-Mail: 10.70% vs published 10.62%"]


def test_value_table_shows_percentages_differences_and_the_ratio_to_the_best_arm() -> None:
    rows = [PolicyValue("uniform random", "IPS", 0.10, 0.09, 0.11, 900, 0.0, 0.0, 0.0),
            PolicyValue("always A", "IPS", 0.20, 0.18, 0.22, 900, 0.10, 0.08, 0.12),
            PolicyValue("bandit", "replay", 0.15, 0.14, 0.16, 300, 0.05, 0.04, 0.06)]
    lines = value_table(rows, "always A").splitlines()
    assert lines[2] == "| uniform random | IPS | 10.00% | 9.00-11.00% | +0.00 pp (+0.00 to +0.00) | 0.500x | 900 |"
    assert lines[4] == "| bandit | replay | 15.00% | 14.00-16.00% | +5.00 pp (+4.00 to +6.00) | 0.750x | 300 |"


def test_lift_table_compares_each_mail_to_no_mail() -> None:
    lines = lift_table(_frame(), "visit").splitlines()
    assert len(lines) == 3 and lines[2].startswith("| Mens E-Mail | +")
    assert "+25.00 pp" in lines[2]  # observed 2/4 - 1/4


def test_outcome_section_values_every_policy_on_a_small_log() -> None:
    frame = pd.concat([_frame()] * 25, ignore_index=True)
    frame["buyer"] = buyer_segment(frame)
    text, _ = outcome_section(frame, "visit", seed=0, n_boot=2)
    for policy in ("uniform random", "always Mens E-Mail", "best arm per segment (hindsight)",
                   "Thompson sampling, pooled", "Thompson sampling, per segment", "10% control"):
        assert policy in text
