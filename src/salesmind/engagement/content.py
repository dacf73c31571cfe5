"""Content recommendations: rank the content library for a lead or a deal, each pick with its reasons.

:class:`ContentRecommender` learns, as of a day (nothing after it is read):

* from every content view (downloads, webinars) the popularity of each asset overall, per industry and
  per seniority, each segment's shares shrunk toward the overall share (``segment_strength`` pseudo views);
* from deals closed before that day, which assets their buyers viewed before the close, and per asset
  a smoothed win rate: a Beta prior centred on the overall win rate with ``prior_strength`` pseudo deals,
  updated by the asset's wins and losses (posterior mean and a 90% equal-tailed interval). Its lift is
  the posterior mean over the overall win rate, so an asset seen before 2 wins out of 2 deals is pulled
  almost all the way back to 1.

An asset's score for a target is the naive-Bayes combination of its industry and seniority shares
(``log p(a|industry) + log p(a|seniority) - log p(a)``), plus ``lift_weight * log(lift)``, plus a bonus when
the asset is written for the target's industry or stage (a penalty when written for another industry).
Assets the target has already viewed are left out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFittedError, UserInputError
from salesmind.data.models import Account, Contact, Lead, Opportunity
from salesmind.engagement.content_data import (
    load_catalogue,
    load_deal_views,
    load_view_counts,
    load_win_rate,
    normalise_label,
    seen_assets,
)

_SEGMENT_LABELS = {"vp": "VP", "c_level": "C-level"}
#: Funnel phases a lead goes through, used to match assets tagged with a stage.
LEAD_PHASES = ("awareness", "consideration", "decision")


@dataclass(frozen=True)
class ContentTarget:
    """Who content is recommended for: their industry, role, stage and what they already viewed."""

    label: str
    industry: str | None = None
    seniority: str | None = None
    stages: tuple[str, ...] = ()
    seen: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AssetStats:
    """What the recommender learned about one asset."""

    asset_id: int
    views: int
    won_deals: int
    closed_deals: int
    win_rate: float
    win_rate_low: float
    win_rate_high: float
    lift: float


@dataclass(frozen=True)
class Recommendation:
    """One recommended asset with its score and the reasons in words."""

    asset_id: int
    title: str
    kind: str
    url: str | None
    score: float
    reasons: list[str] = field(default_factory=list)


class ContentRecommender:
    """Ranks content assets by segment popularity, match on industry and stage, and smoothed win lift."""

    def __init__(self, prior_strength: float = 20.0, segment_strength: float = 20.0, lift_weight: float = 1.0,
                 match_bonus: float = float(np.log(2.0)), interval: float = 0.9) -> None:
        self.prior_strength = prior_strength
        self.segment_strength = segment_strength
        self.lift_weight = lift_weight
        self.match_bonus = match_bonus
        self.interval = interval

    def __repr__(self) -> str:
        return (f"ContentRecommender(prior_strength={self.prior_strength}, segment_strength={self.segment_strength}, "
                f"lift_weight={self.lift_weight})")

    def fit(self, session: Session, as_of: datetime) -> ContentRecommender:
        """Learn from the content views and closed deals before ``as_of``."""
        return self.fit_frames(load_catalogue(session), load_view_counts(session, as_of),
                               load_deal_views(session, as_of), load_win_rate(session, as_of))

    def fit_frames(self, catalogue: pd.DataFrame, views: pd.DataFrame, deal_views: pd.DataFrame,
                   base_win_rate: float | None = None) -> ContentRecommender:
        """Learn from frames shaped like :mod:`content_data`'s: the catalogue, view counts per asset and
        segment (``asset_id, industry, seniority, n``), and the (asset, closed deal) pairs
        (``asset_id, deal_id, won, deal_industry``); ``base_win_rate`` defaults to the pairs' deals' rate."""
        if catalogue.empty:
            raise UserInputError("the content library is empty: import content assets first")
        self.catalogue_ = catalogue.set_index("asset_id")
        ids = self.catalogue_.index
        counts = views.groupby("asset_id")["n"].sum().reindex(ids, fill_value=0).astype(float)
        self.views_ = int(counts.sum())
        self.popularity_ = (counts + 1.0) / (counts.sum() + len(ids))
        self.by_industry_ = self._segment_shares(views, "industry")
        self.by_seniority_ = self._segment_shares(views, "seniority")
        self._fit_lift(deal_views, counts, base_win_rate)
        return self

    def _segment_shares(self, views: pd.DataFrame, column: str) -> dict[str, pd.Series]:
        m = self.segment_strength
        out = {}
        for segment, part in views.dropna(subset=[column]).groupby(column):
            n = part.groupby("asset_id")["n"].sum().reindex(self.popularity_.index, fill_value=0).astype(float)
            out[str(segment)] = (n + m * self.popularity_) / (n.sum() + m)
        return out

    def _fit_lift(self, pairs: pd.DataFrame, counts: pd.Series, base_win_rate: float | None) -> None:
        ids = self.catalogue_.index
        pairs = pairs.drop_duplicates(["asset_id", "deal_id"]).astype({"won": bool})
        if base_win_rate is None:
            deals = pairs.drop_duplicates("deal_id")
            base_win_rate = float(deals["won"].mean()) if len(deals) else 0.5
        base = min(max(base_win_rate, 1e-3), 1 - 1e-3)
        self.won_by_industry_ = pairs[pairs["won"]].groupby(["asset_id", "deal_industry"]).size().to_dict()
        won = pairs.groupby("asset_id")["won"].sum().reindex(ids, fill_value=0).astype(float)
        closed = pairs.groupby("asset_id").size().reindex(ids, fill_value=0).astype(float)
        a = self.prior_strength * base + won
        b = self.prior_strength * (1 - base) + closed - won
        tail = (1 - self.interval) / 2
        self.base_win_rate_ = base
        self.stats_ = {int(i): AssetStats(int(i), int(counts[i]), int(won[i]), int(closed[i]),
                                          float(a[i] / (a[i] + b[i])), float(stats.beta.ppf(tail, a[i], b[i])),
                                          float(stats.beta.ppf(1 - tail, a[i], b[i])),
                                          float(a[i] / (a[i] + b[i]) / base)) for i in ids}

    def _check(self) -> None:
        if not hasattr(self, "stats_"):
            raise NotFittedError("ContentRecommender is not fitted: call fit(session, as_of) first")

    def scores(self, target: ContentTarget) -> pd.Series:
        """The score of every asset for the target (seen assets included), highest best."""
        self._check()
        pop = self.popularity_
        score = np.log(self.by_industry_.get(target.industry or "", pop)) - np.log(pop)
        score = score + np.log(self.by_seniority_.get(target.seniority or "", pop))
        lift = pd.Series({i: s.lift for i, s in self.stats_.items()}).reindex(pop.index)
        score = score + self.lift_weight * np.log(lift)
        cat = self.catalogue_
        if target.industry:
            score += np.where(cat["industry"] == target.industry, self.match_bonus,
                              np.where(cat["industry"].notna(), -self.match_bonus, 0.0))
        if target.stages:
            score += np.where(cat["stage"].isin(target.stages), self.match_bonus, 0.0)
        return score

    def recommend(self, target: ContentTarget, k: int = 5) -> list[Recommendation]:
        """The ``k`` best assets the target has not viewed yet, best first, each with its reasons."""
        if k < 1:
            raise UserInputError(f"k must be at least 1, not {k}")
        score = self.scores(target).drop(index=list(target.seen), errors="ignore")
        best = score.sort_values(ascending=False, kind="stable").head(k)
        return [self._recommendation(int(i), float(s), target) for i, s in best.items()]

    def _recommendation(self, asset_id: int, score: float, target: ContentTarget) -> Recommendation:
        row = self.catalogue_.loc[asset_id]
        return Recommendation(asset_id, str(row["title"]), str(row["kind"]), row["url"], round(score, 4),
                              self.reasons(asset_id, target))

    def reasons(self, asset_id: int, target: ContentTarget) -> list[str]:
        """Why an asset suits the target, in words."""
        row, st = self.catalogue_.loc[asset_id], self.stats_[asset_id]
        out = []
        if target.industry and row["industry"] == target.industry:
            out.append(f"written for {target.industry.title()}")
        won_here = self.won_by_industry_.get((asset_id, target.industry), 0) if target.industry else 0
        if won_here:
            out.append(f"viewed by the buyers of {won_here} won deal{'s' * (won_here != 1)} in "
                       f"{target.industry.title()}")  # type: ignore[union-attr]
        elif st.won_deals:
            out.append(f"viewed by the buyers of {st.won_deals} won deal{'s' * (st.won_deals != 1)}")
        if st.closed_deals and st.win_rate_low > self.base_win_rate_:
            out.append(f"deals that saw it were won {st.win_rate:.0%} of the time against {self.base_win_rate_:.0%} "
                       f"overall ({self.interval:.0%} interval {st.win_rate_low:.0%}-{st.win_rate_high:.0%})")
        if row["stage"] and row["stage"] in target.stages:
            out.append(f"matches the {row['stage'].title()} stage")
        for segment, shares, name in ((target.industry, self.by_industry_, "{} buyers"),
                                      (target.seniority, self.by_seniority_, "{} roles")):
            if segment and segment in shares and shares[segment][asset_id] > 1.2 * self.popularity_[asset_id]:
                out.append(f"popular with {name.format(_SEGMENT_LABELS.get(segment, segment.replace('_', ' ').title()))}")
        if not out:
            out.append(f"viewed {st.views} time{'s' * (st.views != 1)} across all buyers")
        return out


def lead_target(session: Session, lead: Lead, as_of: datetime | None = None) -> ContentTarget:
    """The target for a lead: its (or its account's) industry, its seniority, funnel phase and viewed assets."""
    seen = seen_assets(session, as_of, lead_ids=[lead.id])
    converted = lead.converted_at is not None and (as_of is None or lead.converted_at <= as_of)
    phase = LEAD_PHASES[2] if converted else LEAD_PHASES[1] if seen else LEAD_PHASES[0]
    industry = lead.industry
    if not industry and lead.account_id:  # the lead's account knows it
        account = session.get(Account, lead.account_id)
        industry = account.industry if account else None
    return ContentTarget(lead.full_name, normalise_label(industry), normalise_label(lead.seniority), (phase,), seen)


def contact_target(session: Session, contact: Contact, as_of: datetime | None = None) -> ContentTarget:
    """The target for a contact: its account's industry, its seniority, and what it (or its lead) viewed."""
    account = session.get(Account, contact.account_id) if contact.account_id else None
    leads = session.scalars(select(Lead.id).where(Lead.converted_contact_id == contact.id)).all()
    seen = seen_assets(session, as_of, contact_ids=[contact.id], lead_ids=list(leads))
    return ContentTarget(contact.full_name, normalise_label(account.industry if account else None),
                         normalise_label(contact.seniority), (LEAD_PHASES[2],), seen)


def deal_target(session: Session, deal: Opportunity, as_of: datetime | None = None) -> ContentTarget:
    """The target for a deal: the account's industry, the primary contact's seniority, the stage, what its buyers saw."""
    account = session.get(Account, deal.account_id) if deal.account_id else None
    contact = session.get(Contact, deal.primary_contact_id) if deal.primary_contact_id else None
    leads = session.scalars(select(Lead.id).where(Lead.converted_opportunity_id == deal.id)).all()
    contacts = session.scalars(select(Contact.id).where(Contact.account_id == deal.account_id)).all() \
        if deal.account_id else []
    seen = seen_assets(session, as_of, lead_ids=list(leads), contact_ids=list(contacts), deal_ids=[deal.id])
    return ContentTarget(deal.name, normalise_label(account.industry if account else None),
                         normalise_label(contact.seniority if contact else None),
                         (normalise_label(deal.stage) or "", LEAD_PHASES[2]), seen)


class RecommenderCache:
    """A fitted recommender reused for ``max_age`` (a fit reads every content view: seconds on a large CRM).

    A model fitted at time ``t`` is used for requests at ``t`` to ``t + max_age`` only: it never knows
    more than the request's moment allows. Keep one per app (``app.state``), not per request.
    """

    def __init__(self, max_age: timedelta = timedelta(hours=1)) -> None:
        self.max_age = max_age
        self._model: ContentRecommender | None = None
        self._fitted_at: datetime | None = None
        self._lock = threading.Lock()

    def get(self, session: Session, now: datetime) -> ContentRecommender:
        """The cached model when it is recent enough for ``now``, else a new fit as of ``now``."""
        with self._lock:
            at = self._fitted_at
            if self._model is None or at is None or not (at <= now <= at + self.max_age):
                self._model, self._fitted_at = ContentRecommender().fit(session, now), now
            return self._model


def recommend_for(session: Session, scope: Any, kind: str, record_id: int, now: datetime, k: int = 5,
                  cache: RecommenderCache | None = None) -> list[Recommendation]:
    """Content for one visible lead or deal (``kind`` "lead" or "opportunity"), learned from everything before now."""
    from salesmind.data.records import get_record

    record = get_record(session, scope, kind, record_id)
    model = cache.get(session, now) if cache is not None else ContentRecommender().fit(session, now)
    target = lead_target(session, record, now) if kind == "lead" else deal_target(session, record, now)
    return model.recommend(target, k)


def app_cache(state: Any) -> RecommenderCache:
    """The recommender cache kept on an app's ``state`` (created on first use)."""
    cache = getattr(state, "content_recommender", None)
    if cache is None:
        cache = state.content_recommender = RecommenderCache()
    return cache
