"""The content recommender on a hand-made library with known answers."""

from __future__ import annotations


import pandas as pd
import pytest
from scipy import stats

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.engagement.content import ContentRecommender, ContentTarget

CATALOGUE = pd.DataFrame([
    {"asset_id": 1, "title": "Generic ebook", "kind": "ebook", "url": None, "industry": None, "stage": None},
    {"asset_id": 2, "title": "Retail case study", "kind": "case_study", "url": None, "industry": "retail",
     "stage": None},
    {"asset_id": 3, "title": "Banking case study", "kind": "case_study", "url": None, "industry": "banking",
     "stage": None},
    {"asset_id": 4, "title": "Pricing sheet", "kind": "tool", "url": None, "industry": None, "stage": "proposal"},
])


def _views(rows: list[tuple[int, str, str | None, str | None, int | None]]) -> pd.DataFrame:
    """One view per row: (asset, viewer, industry, seniority or None for "vp", deal) -> view counts."""
    return pd.DataFrame([{"asset_id": a, "industry": i, "seniority": s or "vp", "n": 1} for a, _v, i, s, _d in rows],
                        columns=["asset_id", "industry", "seniority", "n"])


def _pairs(rows: list[tuple[int, int, bool]], industry: str = "retail") -> pd.DataFrame:
    """(asset, deal, won) pairs of assets seen before a closed deal."""
    return pd.DataFrame([{"asset_id": a, "deal_id": d, "won": w, "deal_industry": industry} for a, d, w in rows],
                        columns=["asset_id", "deal_id", "won", "deal_industry"])


def test_excludes_what_the_target_already_viewed() -> None:
    model = ContentRecommender().fit_frames(CATALOGUE, _views([(1, "lead:1", None, None, None)]), _pairs([]))
    picks = model.recommend(ContentTarget("x", seen=frozenset({1})), k=10)
    assert len(picks) == 3 and 1 not in {p.asset_id for p in picks}


def test_industry_and_stage_match_decide_between_equal_assets() -> None:
    model = ContentRecommender().fit_frames(CATALOGUE, _views([]), _pairs([]))
    retail = model.recommend(ContentTarget("r", industry="retail"), k=4)
    assert retail[0].asset_id == 2 and retail[-1].asset_id == 3  # own industry first, another industry last
    assert "written for Retail" in retail[0].reasons
    proposal = model.recommend(ContentTarget("p", stages=("proposal",)), k=1)
    assert proposal[0].asset_id == 4 and "matches the Proposal stage" in proposal[0].reasons


def test_won_lift_is_a_beta_posterior_shrunk_toward_the_overall_win_rate() -> None:
    # 10 deals: 5 won, 5 lost (base 0.5). Asset 1 seen before 4 wins and 0 losses; asset 2 before 1 win, 4 losses.
    views = _views([(1, f"lead:{d}", "retail", None, d) for d in (1, 2, 3, 4)]
                   + [(2, f"lead:{d}", "retail", None, d) for d in (5, 6, 7, 8, 9)])
    deals = _pairs([(1, d, True) for d in (1, 2, 3, 4)] + [(2, 5, True)] + [(2, d, False) for d in (6, 7, 8, 9)])
    model = ContentRecommender(prior_strength=10).fit_frames(CATALOGUE, views, deals, base_win_rate=0.5)
    s1 = model.stats_[1]
    assert (s1.won_deals, s1.closed_deals) == (4, 4)
    assert s1.win_rate == pytest.approx((5 + 4) / (10 + 4))  # Beta(5, 5) prior + 4 wins
    assert s1.win_rate_low == pytest.approx(stats.beta.ppf(0.05, 9, 5))
    assert s1.lift == pytest.approx(s1.win_rate / 0.5) and 1 < s1.lift < 2  # shrunk: raw rate would be 1.0
    assert model.stats_[2].lift < 1 and model.stats_[3].lift == pytest.approx(1.0)
    weak = ContentRecommender(prior_strength=1000).fit_frames(CATALOGUE, views, deals, base_win_rate=0.5)
    assert weak.stats_[1].lift == pytest.approx(1.0, abs=0.01)  # a strong prior shrinks it all the way back
    picks = model.recommend(ContentTarget("b", seniority="vp"), k=4)
    assert picks[0].asset_id == 1
    assert "viewed by the buyers of 4 won deals" in picks[0].reasons
    assert "viewed by the buyers of 4 won deals in Retail" in model.reasons(1, ContentTarget("r", industry="retail"))


def test_segment_popularity_ranks_what_the_same_roles_read() -> None:
    views = pd.concat([_views([(4, f"lead:{i}", "banking", None, None) for i in range(30)]),
                       _views([(1, f"lead:{i + 100}", "retail", None, None) for i in range(30)])])
    model = ContentRecommender().fit_frames(CATALOGUE.assign(stage=None), views, _pairs([]))
    banking = model.recommend(ContentTarget("b", industry="banking"), k=4)
    retail = model.recommend(ContentTarget("r", industry="retail"), k=4)
    assert banking[0].asset_id == 4 and retail[0].asset_id == 1  # equally popular overall, split by segment
    assert "popular with Banking buyers" in banking[0].reasons


def test_refuses_use_before_fit_and_bad_k() -> None:
    with pytest.raises(NotFittedError):
        ContentRecommender().recommend(ContentTarget("x"))
    model = ContentRecommender().fit_frames(CATALOGUE, _views([]), _pairs([]))
    with pytest.raises(UserInputError, match="k must be"):
        model.recommend(ContentTarget("x"), k=0)
    with pytest.raises(UserInputError, match="empty"):
        ContentRecommender().fit_frames(CATALOGUE.iloc[:0], _views([]), _pairs([]))
