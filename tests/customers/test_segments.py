"""Segmenter: k recovered on blobs by the silhouette rule, HDBSCAN alternative, profiles and naming rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.customers.segments import (
    NOISE_LABEL,
    Segmenter,
    name_segment,
    name_segments,
    percentile_of_medians,
    segment_profiles,
)

FEATURES = ("a", "b", "c", "d")


def blobs(k: int, n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    x, y = make_blobs(n_samples=n, centers=k, n_features=len(FEATURES), cluster_std=0.6, random_state=seed,
                      center_box=(-12, 12))
    return pd.DataFrame(x, columns=FEATURES), y


@pytest.mark.parametrize("k", [3, 5])
def test_kmeans_recovers_the_number_of_blobs_and_their_members(k):
    frame, truth = blobs(k)
    seg = Segmenter(features=FEATURES).fit(frame)
    assert seg.k_ == k
    assert set(seg.silhouette_) == set(range(2, 9))
    assert seg.silhouette_[k] == max(seg.silhouette_.values())
    # same partition up to label names: every true blob maps to exactly one segment
    pairs = pd.crosstab(truth, seg.labels_)
    assert ((pairs > 0).sum(axis=1) == 1).all() and ((pairs > 0).sum(axis=0) == 1).all()
    assert (seg.predict(frame) == seg.labels_).all()


def test_near_tie_goes_to_the_smaller_k():
    frame, _ = blobs(3)
    strict = Segmenter(features=FEATURES, tie_tolerance=0.0).fit(frame)
    loose = Segmenter(features=FEATURES, tie_tolerance=1.0).fit(frame)  # every k ties with the best
    assert strict.k_ == 3 and loose.k_ == 2


def test_hdbscan_finds_dense_groups_and_predicts_by_medoid():
    frame, truth = blobs(4)
    seg = Segmenter(method="hdbscan", features=FEATURES, min_cluster_size=20).fit(frame)
    assert seg.k_ == 4
    kept = seg.labels_ != NOISE_LABEL
    assert kept.mean() > 0.9
    pairs = pd.crosstab(truth[kept], seg.labels_[kept])
    assert ((pairs > 0).sum(axis=1) == 1).all()
    assert (seg.predict(frame)[kept] == seg.labels_[kept]).mean() > 0.98


def test_errors_are_user_errors():
    frame, _ = blobs(3, n=50)
    with pytest.raises(NotFittedError):
        Segmenter(features=FEATURES).predict(frame)
    with pytest.raises(UserInputError, match="unknown segmentation method"):
        Segmenter(method="dbscan", features=FEATURES).fit(frame)
    with pytest.raises(UserInputError, match=r"missing the column\(s\) \['e'\]"):
        Segmenter(features=FEATURES + ("e",)).fit(frame)
    with pytest.raises(UserInputError, match="at least"):
        Segmenter(features=FEATURES).fit(frame.head(4))


def test_profiles_report_size_medians_and_shares_of_totals():
    frame = pd.DataFrame({"mrr": [1.0, 3.0, 10.0, 20.0], "orders": [1, 1, 2, 4]})
    profile = segment_profiles(frame, np.array([0, 0, 1, 1]), ("mrr", "orders"))
    assert profile.loc[0, "size"] == 2 and profile.loc[1, "share_of_accounts"] == 0.5
    assert profile.loc[0, "median_mrr"] == 2.0 and profile.loc[1, "median_orders"] == 3.0
    assert profile.loc[1, "share_of_mrr"] == pytest.approx(30 / 34)
    assert profile.loc[0, "share_of_orders"] == pytest.approx(2 / 8)


def test_percentile_of_medians_counts_ties_half():
    population = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    profile = pd.DataFrame({"median_x": [2.0, 4.5]}, index=[0, 1])
    q = percentile_of_medians(profile, population, ("x",))
    assert q.loc[0, "x"] == pytest.approx(1.5 / 4) and q.loc[1, "x"] == 1.0


def q(**values: float) -> pd.Series:
    base = dict.fromkeys(("mrr", "order_value_total", "tenure_days", "recency_days", "utilisation",
                          "utilisation_trend", "tickets_90d", "nps"), 0.5)
    return pd.Series(base | values)


@pytest.mark.parametrize(("profile", "active", "expected"), [
    (q(), 0.2, "Dormant"),
    (q(recency_days=0.9, utilisation=0.2), 1.0, "Dormant"),
    (q(mrr=0.8, order_value_total=0.8, utilisation_trend=0.1), 1.0, "At-risk big spenders"),
    (q(mrr=0.8, order_value_total=0.8, tickets_90d=0.9), 1.0, "At-risk big spenders"),
    (q(mrr=0.8, order_value_total=0.7, tenure_days=0.7), 1.0, "High-value loyal"),
    (q(tenure_days=0.2, utilisation_trend=0.7), 1.0, "New and growing"),
    (q(mrr=0.8, order_value_total=0.7, tenure_days=0.4), 1.0, "High-value accounts"),
    (q(mrr=0.3, order_value_total=0.3, utilisation=0.35), 1.0, "Low-engagement small accounts"),
    (q(mrr=0.3, order_value_total=0.3), 1.0, "Smaller steady accounts"),
    (q(nps=0.2), 1.0, "At-risk accounts"),
    (q(), 1.0, "Steady mid-value accounts"),
])
def test_naming_rules(profile, active, expected):
    named = name_segment(profile, active)
    assert named.name == expected
    assert named.reasons and all(isinstance(r, str) for r in named.reasons)


def test_repeated_names_get_the_most_distinctive_feature():
    population = pd.DataFrame({"mrr": np.arange(100.0), "order_value_total": np.arange(100.0),
                               "tenure_days": np.arange(100.0), "seats": np.arange(100.0)})
    # two high-value, long-tenure segments that differ most in seats
    profile = pd.DataFrame({"median_mrr": [90.0, 85.0], "median_order_value_total": [90.0, 85.0],
                            "median_tenure_days": [80.0, 80.0], "median_seats": [95.0, 5.0]}, index=[0, 1])
    names = name_segments(profile, population, ("mrr", "order_value_total", "tenure_days", "seats"))
    assert names[0].name == "High-value loyal (high seats)"
    assert names[1].name == "High-value loyal (low seats)"
