"""The analytics cache: a new deal or stage change gives a new data version; entries expire and are evicted."""

from __future__ import annotations

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
