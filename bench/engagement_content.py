"""Content recommendations on the small demo company: which asset does a lead open next?

Time split at ``CUTOFF``: the recommender is fitted on the views and closed deals before it (nothing
after it is read). The test leads are those that opened at least one asset new to them in the ``HORIZON_DAYS``
after it (leads with no view before the cutoff included: they get industry, role and won-lift only);
their relevant items are those new assets.
Every model ranks the assets each lead has not viewed yet, and hit rate@3 (at least one relevant asset
in the top 3) and NDCG@3 (scikit-learn's ``ndcg_score``) are averaged over the leads. Baselines in the
same run: popularity only (views before the cutoff) and random order (mean of ``RANDOM_DRAWS`` draws).

What to expect: the demo company draws each content view uniformly from its library (see
``demo/journeys.py``), with no link to industry, role or outcome, so no model can beat random by
more than noise here; the bench measures that the recommender does not invent a signal (and is the
harness for real data, where content does differ by segment).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import ndcg_score
from sqlalchemy import select

from bench.scoring import machine
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.data.models import Activity, Lead
from salesmind.demo import build_demo
from salesmind.engagement.content import ContentRecommender, lead_target

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
HORIZON_DAYS = 180
CUTOFF = AS_OF - timedelta(days=HORIZON_DAYS)
K = 3
RANDOM_DRAWS = 20
#: Stands in for "already viewed": ranked below every candidate and never relevant.
EXCLUDED = -1e12


def hits_at_k(scores: np.ndarray, relevant: np.ndarray, k: int) -> np.ndarray:
    """Per row: whether a relevant item is among the ``k`` highest scores."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(relevant, top, axis=1).any(axis=1)


def hit_rate_at_k(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Share of rows with at least one relevant item among the ``k`` highest scores."""
    return float(hits_at_k(scores, relevant, k).mean())


def paired_interval(a: np.ndarray, b: np.ndarray, draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval (resampling rows) of ``mean(a) - mean(b)`` for paired per-row values."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), (draws, len(a)))
    diff = (a[idx] - b[idx]).mean(axis=1)
    return float(np.quantile(diff, 0.025)), float(np.quantile(diff, 0.975))


def ndcg_at_k(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Mean NDCG@k with binary relevance (scikit-learn's implementation)."""
    return float(ndcg_score(relevant.astype(float), scores, k=k))


def test_matrix(session, asset_ids: list[int]) -> tuple[list[int], np.ndarray]:
    """Lead ids of the test set and their relevance matrix (assets new to them viewed after the cutoff)."""
    end = CUTOFF + timedelta(days=HORIZON_DAYS)
    rows = session.execute(select(Activity.lead_id, Activity.content_asset_id, Activity.occurred_at)
                           .where(Activity.content_asset_id.is_not(None), Activity.lead_id.is_not(None),
                                  Activity.occurred_at < end)).all()
    views = pd.DataFrame(rows, columns=["lead_id", "asset_id", "occurred_at"])
    after = pd.to_datetime(views["occurred_at"], utc=True) >= pd.Timestamp(CUTOFF)
    before = views[~after].groupby("lead_id")["asset_id"].agg(set).to_dict()
    column = {a: j for j, a in enumerate(asset_ids)}
    leads, matrix = [], []
    for lead_id, part in views[after].groupby("lead_id"):
        new = set(part["asset_id"]) - before.get(lead_id, set())
        if new:
            row = np.zeros(len(asset_ids), dtype=bool)
            row[[column[a] for a in new]] = True
            leads.append(int(lead_id))
            matrix.append(row)
    return leads, np.array(matrix)


def score_matrices(session, model: ContentRecommender, lead_ids: list[int],
                   asset_ids: list[int]) -> dict[str, np.ndarray]:
    """Each model's scores (leads x assets), seen assets pushed to the bottom."""
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))}
    targets = [lead_target(session, leads[i], CUTOFF) for i in lead_ids]
    seen = np.array([[a in t.seen for a in asset_ids] for t in targets])
    recommender = np.array([model.scores(t).reindex(asset_ids).to_numpy() for t in targets])
    popularity = np.tile(model.popularity_.reindex(asset_ids).to_numpy(), (len(lead_ids), 1))
    out = {"recommender": recommender, "popularity only": popularity}
    return {name: np.where(seen, EXCLUDED, s) for name, s in out.items()} | {"seen": seen}


def evaluate(scores: dict[str, np.ndarray], relevant: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Hit rate@K and NDCG@K per model, plus the random baseline (mean over draws)."""
    seen = scores["seen"]
    rng = np.random.default_rng(seed)
    draws = [np.where(seen, EXCLUDED, rng.random(relevant.shape)) for _ in range(RANDOM_DRAWS)]
    random_hits = np.mean([hits_at_k(d, relevant, K) for d in draws], axis=0)
    rows = []
    for name, s in scores.items():
        if name != "seen":
            hits = hits_at_k(s, relevant, K).astype(float)
            low, high = paired_interval(hits, random_hits)
            rows.append({"model": name, "hit_rate@3": hits.mean(), "ndcg@3": ndcg_at_k(s, relevant, K),
                         "diff_low": low, "diff_high": high})
    rows.append({"model": f"random (mean of {RANDOM_DRAWS})", "hit_rate@3": float(random_hits.mean()),
                 "ndcg@3": float(np.mean([ndcg_at_k(d, relevant, K) for d in draws])),
                 "diff_low": 0.0, "diff_high": 0.0})
    return pd.DataFrame(rows)


def run() -> str:
    """Build the small demo company, fit before the cutoff, score the next views, return the markdown section."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"SALESMIND_HOME": folder, "SALESMIND_DATABASE_URL":
                                      f"sqlite:///{Path(folder) / 'demo.db'}", "SALESMIND_SECRET_KEY": "bench"})
        database = Database(settings)
        database.migrate()
        build_demo(database, "small", seed=42, as_of=AS_OF)
        with database.sessions() as session:
            fit_started = time.perf_counter()
            model = ContentRecommender().fit(session, CUTOFF)
            fit_seconds = time.perf_counter() - fit_started
            asset_ids = [int(a) for a in model.catalogue_.index]
            lead_ids, relevant = test_matrix(session, asset_ids)
            scores = score_matrices(session, model, lead_ids, asset_ids)
            warm = scores["seen"].any(axis=1).sum()
            result = evaluate(scores, relevant)
            n_views, n_deals = model.views_, sum(s.closed_deals > 0 for s in model.stats_.values())
        database.dispose()
    random_row = result.iloc[-1]
    lines = ["## Content recommendations (demo company, small)", "",
             (f"Fitted on content views before {CUTOFF:%Y-%m-%d} ({n_views:,} views, {len(asset_ids)} assets, "
             f"{n_deals} assets seen before a closed deal); test: {len(lead_ids)} leads that opened an asset new to "
             f"them in the {HORIZON_DAYS} days after it ({int(warm)} of them had viewed content before) "
             f"({relevant.sum(axis=1).mean():.1f} new assets each on average). Fit took {fit_seconds:.2f} s."), "",
             "| model | hit rate@3 | NDCG@3 | hit rate vs random | NDCG vs random | hit rate minus random, 95% CI |",
             "|---|---|---|---|---|---|"]
    for _, r in result.iterrows():
        lines.append(f"| {r['model']} | {r['hit_rate@3']:.3f} | {r['ndcg@3']:.3f} | "
                     f"{r['hit_rate@3'] / random_row['hit_rate@3']:.2f}x | {r['ndcg@3'] / random_row['ndcg@3']:.2f}x | "
                     f"{r['diff_low']:+.3f} to {r['diff_high']:+.3f} |")
    rec = result.iloc[0]
    verdict = ("no model is distinguishable from random (every interval contains 0)"
               if (result["diff_low"] <= 0).all() and (result["diff_high"] >= 0).all()
               else f"the recommender's hit rate differs from random by {rec['diff_low']:+.3f} to {rec['diff_high']:+.3f}")
    lines += ["", ("The demo draws every content view uniformly from the library, independent of industry, role and "
              f"outcome, so there is nothing to learn here; measured: {verdict}. Real content libraries, where what "
              "buyers read differs by segment and stage, are where the segment shares and won-lift can help; no "
              "public data set with content views and deal outcomes was available to measure that."), "",
              f"Reproduce: `python -m bench engagement_content` ({time.perf_counter() - started:.0f} s). {machine()}"]
    return "\n".join(lines)
