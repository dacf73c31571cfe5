"""A small in-process cache of manager analytics, keyed by the viewer's scope and a cheap data version.

The version is a handful of O(1) aggregates (row counts and highest ids of deals, stage history, leads,
users and forecast runs) that change whenever a deal is created or moves stage, a lead arrives or
converts, or a forecast is stored. Activities are left out on purpose: a busy CRM logs them every few
seconds and would never hit the cache; the team table's activity counts are at most :data:`TTL_SECONDS`
old, like edits that leave none of the counted rows behind (renaming a deal, say).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.data.models import ForecastRun, Lead, Opportunity, OpportunityHistory, User
from salesmind.data.scope import Scope

T = TypeVar("T")
TTL_SECONDS = 60.0
MAX_ENTRIES = 64
_TABLES = (Opportunity, OpportunityHistory, Lead, User, ForecastRun)


def data_version(session: Session) -> tuple[Any, ...]:
    """Counts and highest ids of the tables the analyses read (one round trip, all O(1) on SQLite and indexed
    primary keys elsewhere)."""
    parts = []
    for model in _TABLES:
        parts += [select(func.count()).select_from(model).scalar_subquery(),
                  select(func.max(model.id)).scalar_subquery()]
    return tuple(session.execute(select(*parts)).one())


class ResultCache:
    """Least-recently-used results with an age limit, safe across request threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl_seconds: float = TTL_SECONDS) -> None:
        self.max_entries, self.ttl_seconds = max_entries, ttl_seconds
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key`` if fresh, else ``compute()`` stored under it."""
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.ttl_seconds:
                self._items.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


CACHE = ResultCache()


def scoped_key(session: Session, scope: Scope) -> tuple[Any, ...]:
    """What a cached analysis depends on: the database, who is looking, and the data version."""
    owners = None if scope.owner_ids is None else tuple(sorted(scope.owner_ids))
    bind = session.get_bind()
    return (str(bind.url), id(bind), owners, data_version(session))


def cached(session: Session, scope: Scope, name: str, args: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per database, scope, data version, analysis ``name`` and ``args``."""
    return CACHE.get_or_compute((scoped_key(session, scope), name, args), compute)
