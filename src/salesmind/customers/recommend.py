"""Cross-sell and upsell: which product each customer account is likely to buy next, with the reason in words.

A purchase is ``(account_id, product, time)``: every order line and every subscription plan
(:func:`load_purchases`). Three models share one interface, ``fit(purchases)`` then
``recommend(account_ids, k, exclude_owned=True)`` returning one row per recommendation
(``account_id, rank, product, score, reason``):

* :class:`PopularityRecommender`, the baseline: the products most accounts bought.
* :class:`CooccurrenceRecommender`: item to item, P(B bought within ``window_days`` after A | bought A),
  with its lift over B's base rate; an account's score for B is the best such probability over the
  products it holds.
* :class:`ALSRecommender`: implicit-feedback matrix factorisation (``implicit``'s CPU alternating
  least squares, Hu, Koren & Volinsky 2008) on account x product purchase counts.

:func:`evaluate_time_split` trains on purchases before a cutoff and measures hit rate and recall at
k on the accounts that bought a product new to them after it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Protocol

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from sqlalchemy import select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.core.timeutil import ensure_utc
from salesmind.data.models import Order, OrderLine, Product, Subscription

PURCHASE_COLUMNS = ("account_id", "product", "time")
RECOMMENDATION_COLUMNS = ["account_id", "rank", "product", "score", "reason"]
#: implicit scores filtered items with the lowest float32; anything this low is padding
FILTERED_SCORE = float(np.finfo(np.float32).min) / 2


def load_purchases(session: Session, now: datetime) -> pd.DataFrame:
    """Every order line and subscription plan of an account before ``now``, as (account_id, product, time)."""
    now = ensure_utc(now, "UTC")
    lines = session.execute(
        select(Order.account_id, Product.name, Order.ordered_at)
        .join(OrderLine, OrderLine.order_id == Order.id).join(Product, Product.id == OrderLine.product_id)
        .where(Order.ordered_at < now, Order.account_id.is_not(None))).all()
    plans = session.execute(
        select(Subscription.account_id, Product.name, Subscription.started_at)
        .join(Product, Product.id == Subscription.product_id).where(Subscription.started_at < now)).all()
    frame = pd.DataFrame([tuple(r) for r in lines + plans], columns=list(PURCHASE_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame.drop_duplicates().sort_values(["account_id", "time"]).reset_index(drop=True)


def check_purchases(purchases: pd.DataFrame) -> pd.DataFrame:
    """The purchases with a UTC ``time`` column, or a UserInputError naming what is wrong."""
    missing = [c for c in PURCHASE_COLUMNS if c not in purchases.columns]
    if missing:
        raise UserInputError(f"purchases need the columns {list(PURCHASE_COLUMNS)}; missing {missing}")
    out = purchases[list(PURCHASE_COLUMNS)].copy()
    out["time"] = pd.to_datetime(out["time"], utc=True)
    if out[list(PURCHASE_COLUMNS)].isna().any().any():
        raise UserInputError("purchases have an empty account_id, product or time")
    return out


class Recommender(Protocol):
    """What every recommender offers."""

    def fit(self, purchases: pd.DataFrame) -> Recommender: ...

    def recommend(self, account_ids: list[int] | np.ndarray, k: int = 5,
                  exclude_owned: bool = True) -> pd.DataFrame: ...


class _Base:
    """Shared bookkeeping: the products each account holds, the candidates and the ranked output frame.

    Candidates are the products some account bought after its first purchase: a product only ever
    bought as an account's first purchase (a plan sold with the first deal) is never recommended.
    """

    def _learn_holdings(self, purchases: pd.DataFrame) -> pd.DataFrame:
        purchases = check_purchases(purchases)
        if purchases.empty:
            raise UserInputError("no purchases to learn from")
        self.owned_ = purchases.groupby("account_id")["product"].agg(set).to_dict()
        self.items_ = sorted(purchases["product"].unique())
        self.n_accounts_ = len(self.owned_)
        self.item_accounts_ = purchases.drop_duplicates(["account_id", "product"]).groupby("product").size()
        first = purchases.groupby("account_id")["time"].transform("min")
        later = purchases[purchases["time"] > first]
        self.candidates_ = set(later["product"])
        self.added_accounts_ = later.drop_duplicates(["account_id", "product"]).groupby("product").size()
        return purchases

    def _check_fitted(self) -> None:
        if not hasattr(self, "owned_"):
            raise NotFittedError(f"call {type(self).__name__}.fit before recommend")

    def _scores(self, account_id: int) -> dict[str, tuple[int, float, str]]:
        """Product -> (tier, score, reason); lower tiers rank first, then higher scores."""
        raise NotImplementedError

    def recommend(self, account_ids: list[int] | np.ndarray, k: int = 5,
                  exclude_owned: bool = True) -> pd.DataFrame:
        """The top ``k`` products per account, best first, each with its score and reason."""
        self._check_fitted()
        if k < 1:
            raise UserInputError(f"k must be at least 1, got {k}")
        rows = []
        for account_id in account_ids:
            owned = self.owned_.get(account_id, set()) if exclude_owned else set()
            scored = [(t, -s, p, r) for p, (t, s, r) in self._scores(account_id).items()
                      if p not in owned and p in self.candidates_]
            scored.sort(key=lambda row: row[:3])
            rows += [(account_id, rank, p, -s, r) for rank, (_, s, p, r) in enumerate(scored[:k], start=1)]
        return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)


class PopularityRecommender(_Base):
    """Baseline: the products the most accounts added after their first purchase."""

    def __repr__(self) -> str:
        return "PopularityRecommender()"

    def fit(self, purchases: pd.DataFrame) -> PopularityRecommender:
        """Count the accounts that added each product after their first purchase."""
        self._learn_holdings(purchases)
        return self

    def _scores(self, account_id: int) -> dict[str, tuple[int, float, str]]:
        n = self.n_accounts_
        return {p: (0, c / n, f"added by {c / n:.0%} of customer accounts after their first purchase ({c:,} of {n:,})")
                for p, c in self.added_accounts_.items()}


class CooccurrenceRecommender(_Base):
    """Item to item: how often accounts that bought A bought B within ``window_days`` after it.

    Products no rule reaches (fewer than ``min_count`` accounts behind it) are ranked after the ruled
    ones by popularity when ``fill_with_popular`` is set, so a list always has ``k`` products when the
    catalogue allows; their score is then the popularity share, not a probability after a purchase.
    """

    def __init__(self, window_days: float = 90.0, min_count: int = 3, fill_with_popular: bool = True) -> None:
        self.window_days = window_days
        self.min_count = min_count
        self.fill_with_popular = fill_with_popular

    def __repr__(self) -> str:
        return (f"CooccurrenceRecommender(window_days={self.window_days}, min_count={self.min_count}, "
                f"fill_with_popular={self.fill_with_popular})")

    def fit(self, purchases: pd.DataFrame) -> CooccurrenceRecommender:
        """Count, per ordered pair (A, B), the accounts that bought B within the window after buying A."""
        purchases = self._learn_holdings(purchases)
        self.pairs_ = followed_within(purchases, self.window_days)
        base = self.item_accounts_ / self.n_accounts_
        pairs = self.pairs_
        pairs["n_a"] = pairs["a"].map(self.item_accounts_)
        pairs["confidence"] = pairs["count"] / pairs["n_a"]
        pairs["lift"] = pairs["confidence"] / pairs["b"].map(base)
        pairs = pairs[pairs["count"] >= self.min_count]
        self.rules_: dict[str, list[tuple[str, float, float, int, int]]] = defaultdict(list)
        for r in pairs.itertuples(index=False):
            self.rules_[r.a].append((r.b, float(r.confidence), float(r.lift), int(r.count), int(r.n_a)))
        return self

    def _scores(self, account_id: int) -> dict[str, tuple[int, float, str]]:
        best: dict[str, tuple[float, float, str]] = {}
        for a in sorted(self.owned_.get(account_id, ())):
            for b, confidence, lift, count, n_a in self.rules_.get(a, ()):
                if b in best and (best[b][0], best[b][1]) >= (confidence, lift):
                    continue
                reason = (f"accounts like this one that bought {a} added {b} within {self.window_days:g} days: "
                          f"{count:,} of {n_a:,} ({lift:.1f}x the base rate)")
                best[b] = (confidence, lift, reason)
        scores = {b: (0, c, reason) for b, (c, _, reason) in best.items()}
        if self.fill_with_popular:
            for product, (_, share, reason) in PopularityRecommender._scores(self, account_id).items():
                scores.setdefault(product, (1, share, f"no purchase pattern leads here yet; {reason}"))
        return scores


def followed_within(purchases: pd.DataFrame, window_days: float) -> pd.DataFrame:
    """Per ordered pair of different products (a, b): the accounts that bought b within the window after a."""
    p = purchases[["account_id", "product", "time"]]
    joined = p.merge(p, on="account_id", suffixes=("_a", "_b"))
    gap = (joined["time_b"] - joined["time_a"]).dt.total_seconds() / 86400.0
    hit = joined[(joined["product_a"] != joined["product_b"]) & (gap > 0) & (gap <= window_days)]
    counts = hit.drop_duplicates(["account_id", "product_a", "product_b"]).groupby(
        ["product_a", "product_b"]).size()
    return counts.rename("count").reset_index().rename(columns={"product_a": "a", "product_b": "b"})


class ALSRecommender(_Base):
    """Implicit-feedback ALS (``implicit.cpu.als``) on account x product purchase counts."""

    def __init__(self, factors: int = 4, regularization: float = 0.1, alpha: float = 4.0, iterations: int = 30,
                 random_state: int = 0, threads: int = 1) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.threads = threads

    def __repr__(self) -> str:
        return (f"ALSRecommender(factors={self.factors}, regularization={self.regularization}, alpha={self.alpha}, "
                f"iterations={self.iterations}, random_state={self.random_state})")

    def fit(self, purchases: pd.DataFrame) -> ALSRecommender:
        """Factorise the purchase-count matrix (confidence 1 + alpha x count)."""
        from implicit.cpu.als import AlternatingLeastSquares

        purchases = self._learn_holdings(purchases)
        self.accounts_ = sorted(self.owned_)
        self.row_ = {a: i for i, a in enumerate(self.accounts_)}
        column = {p: j for j, p in enumerate(self.items_)}
        counts = purchases.groupby(["account_id", "product"]).size()
        rows = np.array([self.row_[a] for a, _ in counts.index])
        cols = np.array([column[p] for _, p in counts.index])
        self.user_items_ = csr_matrix((counts.to_numpy(dtype=np.float32), (rows, cols)),
                                      shape=(len(self.accounts_), len(self.items_)))
        with threadpool_limits(limits=self.threads):  # implicit asks for single-threaded BLAS
            self.model_ = AlternatingLeastSquares(factors=self.factors, regularization=self.regularization,
                                                  alpha=self.alpha, iterations=self.iterations,
                                                  random_state=self.random_state, num_threads=self.threads)
            self.model_.fit(self.user_items_, show_progress=False)
        binary = (self.user_items_ > 0).astype(np.int64)
        self.together_ = (binary.T @ binary).toarray()  # accounts holding both products
        return self

    def recommend(self, account_ids: list[int] | np.ndarray, k: int = 5,
                  exclude_owned: bool = True) -> pd.DataFrame:
        """The top ``k`` products per known account by ALS score (unknown accounts get none)."""
        self._check_fitted()
        if k < 1:
            raise UserInputError(f"k must be at least 1, got {k}")
        known = [a for a in account_ids if a in self.row_]
        if not known:
            return pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
        rows = np.array([self.row_[a] for a in known])
        blocked = np.array([j for j, p in enumerate(self.items_) if p not in self.candidates_], dtype=np.int32)
        n = min(k, len(self.items_) - len(blocked))
        if n < 1:
            return pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
        with threadpool_limits(limits=self.threads):
            ids, scores = self.model_.recommend(rows, self.user_items_[rows], N=n,
                                                filter_already_liked_items=exclude_owned,
                                                filter_items=blocked if len(blocked) else None)
        out = []
        for account_id, row, item_ids, item_scores in zip(known, rows, ids, scores):
            rank = 0
            for item, score in zip(item_ids, item_scores):
                if item < 0 or not np.isfinite(score) or score <= FILTERED_SCORE:
                    continue  # implicit pads with -1 / the lowest float32 when fewer items are left
                rank += 1
                out.append((account_id, rank, self.items_[item], float(score), self._reason(row, int(item))))
        return pd.DataFrame(out, columns=RECOMMENDATION_COLUMNS)

    def _reason(self, row: int, item: int) -> str:
        """Name the owned product that contributes most to the score, with its co-purchase count."""
        _, contributions, _ = self.model_.explain(row, self.user_items_, item, N=1)
        product = self.items_[item]
        if not contributions:
            return f"accounts with purchase histories like this one bought {product}"
        a = int(contributions[0][0])
        both, n_a = int(self.together_[a, item]), int(self.together_[a, a])
        return (f"accounts with purchase histories like this one bought {product}; the strongest link is "
                f"{self.items_[a]}: {both:,} of {n_a:,} accounts that bought it also bought {product}")


def default_models() -> dict[str, Recommender]:
    """The models compared by :func:`evaluate_time_split` when none are given."""
    return {"co-occurrence": CooccurrenceRecommender(), "ALS (implicit)": ALSRecommender(),
            "popularity": PopularityRecommender()}


def split_at(purchases: pd.DataFrame, cutoff: datetime,
             horizon_days: float | None = None) -> tuple[pd.DataFrame, dict[int, set[str]]]:
    """Training purchases (before ``cutoff``) and, per test account, the products new to it after it.

    Test accounts bought something before the cutoff and, after it (within ``horizon_days`` when
    given), at least one product they did not hold before.
    """
    purchases = check_purchases(purchases)
    cutoff_ts = pd.Timestamp(ensure_utc(cutoff, "UTC"))
    train = purchases[purchases["time"] < cutoff_ts]
    after = purchases[purchases["time"] >= cutoff_ts]
    if horizon_days is not None:
        after = after[after["time"] < cutoff_ts + pd.Timedelta(days=horizon_days)]
    held = train.groupby("account_id")["product"].agg(set).to_dict()
    truth: dict[int, set[str]] = {}
    for account_id, products in after.groupby("account_id")["product"]:
        if account_id in held:
            new = set(products) - held[account_id]
            if new:
                truth[account_id] = new
    return train, truth


def hit_and_recall(recommended: dict[int, list[str]], truth: dict[int, set[str]]) -> tuple[float, float]:
    """Hit rate (share of accounts with at least one new product recommended) and mean recall."""
    if not truth:
        return float("nan"), float("nan")
    hits, recalls = [], []
    for account_id, new in truth.items():
        found = len(new & set(recommended.get(account_id, [])))
        hits.append(found > 0)
        recalls.append(found / len(new))
    return float(np.mean(hits)), float(np.mean(recalls))


def evaluate_time_split(purchases: pd.DataFrame, cutoff: datetime, k: int | tuple[int, ...] = 5,
                        models: dict[str, Recommender] | None = None,
                        horizon_days: float | None = None) -> pd.DataFrame:
    """Hit rate and recall at ``k`` (one or several) per model, trained before ``cutoff``, tested after it."""
    train, truth = split_at(purchases, cutoff, horizon_days)
    if train.empty or not truth:
        raise UserInputError(f"no purchases before {cutoff} or no account bought a new product after it")
    accounts = sorted(truth)
    ks = (k,) if isinstance(k, int) else tuple(k)
    rows = []
    for name, model in (models or default_models()).items():
        model.fit(train)
        recs = model.recommend(accounts, k=max(ks), exclude_owned=True)
        row: dict[str, object] = {"model": name}
        for cut in ks:
            listed = recs[recs["rank"] <= cut].groupby("account_id")["product"].agg(list).to_dict()
            row[f"hit_rate@{cut}"], row[f"recall@{cut}"] = hit_and_recall(listed, truth)
        rows.append(row | {"test_accounts": len(truth), "train_purchases": len(train)})
    return pd.DataFrame(rows).set_index("model")
