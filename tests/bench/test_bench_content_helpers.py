"""The content bench's metrics on tiny matrices with hand-computed answers."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))

from bench.engagement_content import hit_rate_at_k, ndcg_at_k, paired_interval  # noqa: E402


def test_hit_rate_counts_rows_with_a_relevant_item_in_the_top_k() -> None:
    scores = np.array([[0.9, 0.8, 0.1, 0.0], [0.9, 0.8, 0.7, 0.0]])
    relevant = np.array([[False, False, False, True], [False, False, True, False]])
    assert hit_rate_at_k(scores, relevant, 3) == 0.5
    assert hit_rate_at_k(scores, relevant, 4) == 1.0


def test_ndcg_matches_the_textbook_formula() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.0]])
    relevant = np.array([[False, True, True, False]])
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(scores, relevant, 3) == pytest.approx(dcg / ideal)


def test_paired_interval_brackets_the_mean_difference() -> None:
    a = np.array([1.0, 0.0, 1.0, 1.0] * 25)
    b = np.zeros(100)
    low, high = paired_interval(a, b)
    assert low < 0.75 < high and low > 0.6
