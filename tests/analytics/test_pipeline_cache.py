"""The analytics cache: a new deal or stage change gives a new data version; entries expire and are evicted."""

from __future__ import annotations

import time

from salesmind.analytics.cache import ResultCache, data_version, scoped_key
from salesmind.data.models import Opportunity, OpportunityHistory, Role
from salesmind.data.scope import Scope
from salesmind.data.users import create_user


def test_version_moves_with_new_deals_and_stage_changes(database) -> None:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        rep = create_user(s, "rep@x.io", "Rep", Role.REP)
        empty = data_version(s)
        deal = Opportunity(name="A", owner_id=rep.id, stage="discovery")
        s.add(deal)
        s.flush()
        with_deal = data_version(s)
        s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=deal.created_at, stage="proposal"))
        s.flush()
        moved = data_version(s)
        everyone, mine = scoped_key(s, Scope.everything()), scoped_key(s, Scope(rep.id, Role.REP, frozenset({rep.id})))
    assert len({empty, with_deal, moved}) == 3
    assert everyone != mine


def test_lru_and_age_limit() -> None:
    calls: list[str] = []

    def make(value: str):  # type: ignore[no-untyped-def]
        return lambda: calls.append(value) or value

    cache = ResultCache(max_entries=2, ttl_seconds=3600)
    assert [cache.get_or_compute(k, make(k)) for k in ("a", "b", "a", "c", "a", "b")] == ["a", "b", "a", "c", "a", "b"]
    assert calls == ["a", "b", "c", "b"]  # "b" was evicted when "c" came in (least recently used)
    stale = ResultCache(ttl_seconds=0)
    stale.get_or_compute("x", make("x"))
    stale.get_or_compute("x", make("x"))
    assert calls[-2:] == ["x", "x"]


def test_concurrent_requests_for_one_key_compute_it_once() -> None:
    import threading
    import time

    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "done"

    cache = ResultCache()
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["done"] * 4 and len(calls) == 1


def test_warm_recomputes_a_viewed_analysis_after_the_data_change(database) -> None:  # type: ignore[no-untyped-def]
    """The warmer recomputes what a viewer opened once the data version moves, so the next view is a hit."""
    from salesmind.analytics.cache import CACHE, CacheWarmer, cached

    calls: list[int] = []

    def count_deals(session) -> int:  # type: ignore[no-untyped-def]
        calls.append(1)
        return len(session.query(Opportunity).all())

    with database.transaction() as s:
        rep = create_user(s, "rep@x.io", "Rep", Role.REP)
    with database.sessions() as s:
        assert cached(s, Scope.everything(), "deals", (), count_deals) == 0
    assert CACHE.warm() == 0  # nothing changed, nothing near its age limit
    with database.transaction() as s:
        s.add(Opportunity(name="A", owner_id=rep.id, stage="discovery"))
    assert CACHE.warm() == 1 and len(calls) == 2  # recomputed in the background, with its own session
    with database.sessions() as s:
        assert cached(s, Scope.everything(), "deals", (), count_deals) == 1
    assert len(calls) == 2  # the view after the change was served from memory
    with database.transaction() as s:
        s.add(Opportunity(name="B", owner_id=rep.id, stage="discovery"))
    warmer = CacheWarmer(interval=0.05).start()
    try:
        for _ in range(100):
            if len(calls) == 3:
                break
            time.sleep(0.05)
    finally:
        warmer.stop()
    assert len(calls) == 3
    assert CACHE.warm(within=0) == 0  # nothing viewed recently: nothing kept warm


def test_an_analysis_that_fails_is_not_kept_warm(database) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from salesmind.analytics.cache import CACHE, Recipe, cached

    def broken(session) -> int:  # type: ignore[no-untyped-def]
        raise ValueError("bad period")

    with database.sessions() as s:
        with pytest.raises(ValueError):
            cached(s, Scope.everything(), "broken", (), broken)
        assert CACHE.warm() == 0  # a failed request leaves no recipe behind
        CACHE.remember(Recipe(s.get_bind(), Scope.everything(), "broken", (), broken, time.monotonic()))
    assert CACHE.warm() == 0 and CACHE.warm() == 0  # it failed once in the warmer and was dropped
    assert not CACHE._recipes
    assert not CACHE._computing  # no gate left behind by the failures
