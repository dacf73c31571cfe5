"""A small in-process cache of manager analytics, keyed by the viewer's scope and a cheap data version.

The version is a handful of O(1) aggregates (row counts and highest ids of deals, stage history, leads,
users and forecast runs) that change whenever a deal is created or moves stage, a lead arrives or
converts, or a forecast is stored. Activities are left out on purpose: a busy CRM logs them every few
seconds and would never hit the cache; the team table's activity counts are at most :data:`TTL_SECONDS`
old, like edits that leave none of the counted rows behind (renaming a deal, say).

Computing an analysis on the medium demo takes 1 to 3 s, so ``salesmind serve`` runs a :class:`CacheWarmer`:
every few seconds it recomputes the analyses viewed in the last quarter of an hour whose data version changed
or whose age nears the limit, and the next viewer gets them from memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from salesmind.core.periodic import PeriodicThread
from salesmind.data.models import ForecastRun, Lead, Opportunity, OpportunityHistory, User
from salesmind.data.scope import Scope

T = TypeVar("T")
TTL_SECONDS = 60.0
MAX_ENTRIES = 64
#: analyses viewed this recently are kept warm; at most MAX_RECIPES of them (the newest)
WARM_WITHIN_SECONDS = 15 * 60.0
MAX_RECIPES = 32
#: the warmer looks for changed data this often, and refreshes a result this long before its age limit
WARM_INTERVAL_SECONDS = 5.0
WARM_MARGIN_SECONDS = 10.0
logger = logging.getLogger(__name__)
_TABLES = (Opportunity, OpportunityHistory, Lead, User, ForecastRun)


def data_version(session: Session) -> tuple[Any, ...]:
    """Counts and highest ids of the tables the analyses read (one round trip, all O(1) on SQLite and indexed
    primary keys elsewhere)."""
    parts = []
    for model in _TABLES:
        parts += [select(func.count()).select_from(model).scalar_subquery(),
                  select(func.max(model.id)).scalar_subquery()]
    return tuple(session.execute(select(*parts)).one())


@dataclass
class Recipe:
    """How to recompute one cached analysis without a request: its database, viewer scope, name, arguments and
    computation (given a fresh session), and when a viewer last asked for it."""

    engine: Engine
    scope: Scope
    name: str
    args: tuple[Hashable, ...]
    compute: Callable[[Session], Any]
    used: float


class ResultCache:
    """Least-recently-used results with an age limit, safe across request threads.

    Concurrent requests for the same key compute it once (the others wait for that result). The cache also
    remembers how each recently viewed analysis is made (:class:`Recipe`), so :meth:`warm` can recompute it
    in the background after the data change, before the next viewer comes.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl_seconds: float = TTL_SECONDS) -> None:
        self.max_entries, self.ttl_seconds = max_entries, ttl_seconds
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._recipes: OrderedDict[Hashable, Recipe] = OrderedDict()

    def _fresh(self, key: Hashable, now: float, margin: float = 0.0) -> tuple[bool, Any]:
        hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl_seconds - margin:
            self._items.move_to_end(key)
            return True, hit[1]
        return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], T], margin: float = 0.0) -> T:
        """The cached value of ``key`` if fresh (with ``margin`` seconds of its age limit to spare), else
        ``compute()`` stored under it; one computation at a time per key."""
        with self._lock:
            found, value = self._fresh(key, time.monotonic(), margin)
            if found:
                return value  # type: ignore[no-any-return]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:  # another thread may have computed it while this one waited
                found, value = self._fresh(key, time.monotonic(), margin)
            if found:
                return value  # type: ignore[no-any-return]
            now = time.monotonic()
            try:
                value = compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            with self._lock:
                self._items[key] = (now, value)
                self._items.move_to_end(key)
                while len(self._items) > self.max_entries:
                    self._items.popitem(last=False)
        return value

    @staticmethod
    def _recipe_key(recipe: Recipe) -> Hashable:
        owners = None if recipe.scope.owner_ids is None else tuple(sorted(recipe.scope.owner_ids))
        return (id(recipe.engine), owners, recipe.name, recipe.args)

    def remember(self, recipe: Recipe) -> None:
        """Note that a viewer asked for ``recipe``'s analysis now (the newest :data:`MAX_RECIPES` are kept)."""
        key = self._recipe_key(recipe)
        with self._lock:
            self._recipes[key] = recipe
            self._recipes.move_to_end(key)
            while len(self._recipes) > MAX_RECIPES:
                self._recipes.popitem(last=False)

    def forget(self, recipe: Recipe) -> None:
        """Stop keeping ``recipe``'s analysis warm."""
        with self._lock:
            self._recipes.pop(self._recipe_key(recipe), None)

    def warm(self, within: float = WARM_WITHIN_SECONDS) -> int:
        """Recompute every analysis viewed in the last ``within`` seconds whose data changed or whose age is
        near its limit; returns how many were recomputed."""
        now = time.monotonic()
        with self._lock:
            recent = [r for r in self._recipes.values() if now - r.used < within]
        done = 0
        for recipe in recent:
            with Session(recipe.engine) as session:
                key = (scoped_key(session, recipe.scope), recipe.name, recipe.args)
                with self._lock:
                    found, _ = self._fresh(key, time.monotonic(), WARM_MARGIN_SECONDS)
                if found:
                    continue
                try:
                    self.get_or_compute(key, lambda: recipe.compute(session), WARM_MARGIN_SECONDS)
                except Exception:  # noqa: BLE001 - e.g. the rep was deleted: a viewer's request says why
                    logger.warning("analytics %s %r no longer computes; no longer kept warm", recipe.name,
                                   recipe.args, exc_info=True)
                    self.forget(recipe)
                    continue
                done += 1
        return done

    def clear(self) -> None:
        """Forget everything (results and recipes)."""
        with self._lock:
            self._items.clear()
            self._recipes.clear()


CACHE = ResultCache()


class CacheWarmer(PeriodicThread):
    """A daemon thread that calls :meth:`ResultCache.warm` every ``interval`` seconds (``salesmind serve`` runs
    one per server process), so the first view after a data change finds its analysis already computed."""

    def __init__(self, cache: ResultCache = CACHE, interval: float = WARM_INTERVAL_SECONDS) -> None:
        self.cache = cache
        super().__init__("salesmind-cache-warmer", interval)

    def tick(self) -> None:
        """Warm the cache (a failure leaves the request path to compute the analysis)."""
        try:
            self.cache.warm()
        except Exception:  # noqa: BLE001
            logger.exception("warming the analytics cache failed")


def scoped_key(session: Session, scope: Scope) -> tuple[Any, ...]:
    """What a cached analysis depends on: the database, who is looking, and the data version."""
    owners = None if scope.owner_ids is None else tuple(sorted(scope.owner_ids))
    bind = session.get_bind()
    return (str(bind.url), id(bind), owners, data_version(session))


def cached(session: Session, scope: Scope, name: str, args: tuple[Hashable, ...],
           compute: Callable[[Session], T]) -> T:
    """``compute(session)`` once per database, scope, data version, analysis ``name`` and ``args``; remembered
    so that a :class:`CacheWarmer` recomputes it after the data change."""
    value = CACHE.get_or_compute((scoped_key(session, scope), name, args), lambda: compute(session))
    CACHE.remember(Recipe(session.get_bind(), scope, name, args, compute, time.monotonic()))  # only if it worked
    return value
