"""The recommender's SQL loaders: point in time, views before the close only, seen assets per person."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

from salesmind.core.db import Database
from salesmind.data.models import Activity, ActivityType, Opportunity
from salesmind.engagement.content import ContentRecommender, RecommenderCache, deal_target
from salesmind.engagement.content_data import (
    load_deal_views,
    load_view_counts,
    load_win_rate,
    seen_assets,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_world import NOW, build_world  # noqa: E402
from content_world import seed_content  # noqa: E402


def test_loaders_read_only_the_past(database: Database) -> None:
    world = build_world(database)
    assets = seed_content(database, world)
    lead = world.records["leads"]["ann"]
    with database.transaction() as s:
        late = s.get(Opportunity, world.records["opportunities"]["bob"])
        late.outcome, late.closed_at = "lost", NOW - timedelta(days=20)
        s.add(Activity(type=ActivityType.CONTENT_DOWNLOAD, occurred_at=NOW - timedelta(days=5),
                       opportunity_id=late.id, content_asset_id=assets["banking"]))  # after that deal closed
    with database.sessions() as s:
        pairs = load_deal_views(s, NOW)
        assert sorted(pairs["won"].tolist()) == [False, True, True]  # the late view is not a pair
        assert set(pairs["asset_id"]) == {assets["pricing"]} and set(pairs["deal_industry"]) == {"retail"}
        assert load_win_rate(s, NOW) == pytest.approx(2 / 4)
        assert load_deal_views(s, NOW - timedelta(days=15)).empty  # those deals closed later
        counts = load_view_counts(s, NOW)
        assert counts["n"].sum() == 5
        retail = counts[counts["industry"] == "retail"]
        assert retail["asset_id"].tolist() == [assets["ebook"]]
        assert seen_assets(s, NOW, lead_ids=[lead]) == {assets["ebook"]}
        assert seen_assets(s, NOW - timedelta(days=4), lead_ids=[lead]) == frozenset()
        model = ContentRecommender().fit(s, NOW)
        assert model.stats_[assets["pricing"]].closed_deals == 3 and model.views_ == 5
        target = deal_target(s, s.get(Opportunity, world.records["opportunities"]["bob"]), NOW)
        assert assets["banking"] in target.seen and target.stages == ("discovery", "decision")


def test_cache_reuses_a_fit_only_within_its_age_and_never_from_the_future(database: Database) -> None:
    world = build_world(database)
    seed_content(database, world)
    cache = RecommenderCache(max_age=timedelta(hours=1))
    with database.sessions() as s:
        first = cache.get(s, NOW)
        assert cache.get(s, NOW + timedelta(minutes=30)) is first
        later = cache.get(s, NOW + timedelta(hours=2))
        assert later is not first
        assert cache.get(s, NOW) is not later  # fitted after NOW: would know the future
