"""Recommenders on a hand-made purchase table with a planted pattern (B follows A), and the metric definitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.customers.recommend import (
    ALSRecommender,
    CooccurrenceRecommender,
    PopularityRecommender,
    check_purchases,
    evaluate_time_split,
    followed_within,
    hit_and_recall,
    split_at,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CUTOFF = T0 + timedelta(days=300)


def planted() -> pd.DataFrame:
    """300 accounts buy plan P; 250 add popular C; 100 add A and 90 of those add B 20 days later.

    Thirty more accounts hold P and A before the cutoff and add B after it (the test accounts).
    """
    rows = []
    for a in range(300):
        start = T0 + timedelta(days=a % 50)
        rows.append((a, "P", start))
        if a < 250:
            rows.append((a, "C", start + timedelta(days=120)))
        if a < 100:
            rows.append((a, "A", start + timedelta(days=10)))
            if a < 90:
                rows.append((a, "B", start + timedelta(days=30)))
    for a in range(1000, 1030):
        start = CUTOFF - timedelta(days=40)
        rows += [(a, "P", start), (a, "A", CUTOFF - timedelta(days=5)), (a, "B", CUTOFF + timedelta(days=10))]
    return pd.DataFrame(rows, columns=["account_id", "product", "time"])


def test_cooccurrence_finds_the_planted_pattern_and_popularity_does_not():
    result = evaluate_time_split(planted(), CUTOFF, k=(1, 2))
    assert result.loc["co-occurrence", "hit_rate@1"] == 1.0
    assert result.loc["popularity", "hit_rate@1"] == 0.0  # C is added by more accounts than B
    assert result.loc["co-occurrence", "recall@1"] == 1.0
    assert (result["test_accounts"] == 30).all()


def test_cooccurrence_reason_counts_the_accounts_behind_the_rule():
    purchases = planted()
    model = CooccurrenceRecommender(window_days=90).fit(purchases[purchases["time"] < CUTOFF])
    recs = model.recommend([1000], k=3)
    top = recs.iloc[0]
    assert top["product"] == "B" and top["rank"] == 1
    assert top["score"] == pytest.approx(90 / 130)  # 130 accounts hold A before the cutoff, 90 added B
    assert top["reason"].startswith("accounts like this one that bought A added B within 90 days: 90 of 130")
    assert "P" not in set(recs["product"]) and "A" not in set(recs["product"])  # owned (and P never added)


def test_popularity_ranks_by_accounts_that_added_the_product():
    model = PopularityRecommender().fit(planted())
    recs = model.recommend([5], k=3, exclude_owned=False)
    assert list(recs["product"]) == ["C", "A", "B"]
    assert recs.iloc[0]["reason"] == "added by 76% of customer accounts after their first purchase (250 of 330)"


def test_als_is_deterministic_excludes_owned_and_skips_unknown_accounts():
    purchases = planted()
    first = ALSRecommender(factors=2, iterations=10).fit(purchases).recommend([1, 150, 99999], k=2)
    second = ALSRecommender(factors=2, iterations=10).fit(purchases).recommend([1, 150, 99999], k=2)
    pd.testing.assert_frame_equal(first, second)
    assert 99999 not in set(first["account_id"])
    owned = purchases.groupby("account_id")["product"].agg(set)
    assert all(row.product not in owned[row.account_id] for row in first.itertuples())
    assert first["reason"].str.contains("accounts that bought it also bought").all()


def test_metrics_on_a_tiny_known_case():
    truth = {1: {"a", "b"}, 2: {"c"}, 3: {"d"}}
    recommended = {1: ["a", "x"], 2: ["x", "y"], 3: ["d"]}
    hit, recall = hit_and_recall(recommended, truth)
    assert hit == pytest.approx(2 / 3)
    assert recall == pytest.approx((0.5 + 0.0 + 1.0) / 3)


def test_split_keeps_only_new_products_of_accounts_seen_before():
    purchases = pd.DataFrame([
        (1, "a", T0), (1, "a", CUTOFF + timedelta(days=1)), (1, "b", CUTOFF + timedelta(days=2)),
        (2, "a", T0), (2, "a", CUTOFF + timedelta(days=3)),                 # only a repeat: not tested
        (3, "c", CUTOFF + timedelta(days=1)),                               # no history before: not tested
        (4, "a", T0), (4, "d", CUTOFF + timedelta(days=200)),               # outside a 90-day horizon
    ], columns=["account_id", "product", "time"])
    train, truth = split_at(purchases, CUTOFF)
    assert len(train) == 3 and truth == {1: {"b"}, 4: {"d"}}
    assert split_at(purchases, CUTOFF, horizon_days=90)[1] == {1: {"b"}}


def test_followed_within_counts_accounts_once_and_respects_order_and_window():
    purchases = pd.DataFrame([
        (1, "a", T0), (1, "b", T0 + timedelta(days=10)), (1, "b", T0 + timedelta(days=20)),
        (2, "b", T0), (2, "a", T0 + timedelta(days=5)),                     # b before a
        (3, "a", T0), (3, "b", T0 + timedelta(days=100)),                   # beyond 90 days
    ], columns=["account_id", "product", "time"])
    pairs = followed_within(check_purchases(purchases), 90).set_index(["a", "b"])["count"]
    assert pairs.to_dict() == {("a", "b"): 1, ("b", "a"): 1}


def test_user_errors():
    with pytest.raises(UserInputError, match="missing"):
        check_purchases(pd.DataFrame({"account_id": [1], "product": ["a"]}))
    with pytest.raises(NotFittedError):
        PopularityRecommender().recommend([1])
    with pytest.raises(UserInputError, match="k must be"):
        PopularityRecommender().fit(planted()).recommend([1], k=0)
    with pytest.raises(UserInputError, match="no purchases before"):
        evaluate_time_split(planted(), T0 - timedelta(days=1))
