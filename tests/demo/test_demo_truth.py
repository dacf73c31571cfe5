"""Benchmarks on a cached demo company draw its hidden rep skills again from the seed: the same as the build's."""

from __future__ import annotations

from datetime import UTC, datetime

from bench._demo_truth import rep_skill

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)  # the small_demo fixture's day


def test_rep_skill_matches_the_full_build(small_demo) -> None:
    _, summary = small_demo
    assert rep_skill("small", 42, AS_OF) == summary.rep_skill
    assert rep_skill("small", 43, AS_OF) != summary.rep_skill
