"""What the content recommender reads, aggregated in SQL so that a million views load in seconds.

Every query is point-in-time: only views before ``as_of``, only deals closed before it, and for
the won-lift only views that happened before the deal closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from salesmind.data.models import Account, Activity, Contact, ContentAsset, Lead, Opportunity
from salesmind.data.models.base import Outcome

VIEW_COLUMNS = ["asset_id", "industry", "seniority", "n"]
DEAL_VIEW_COLUMNS = ["asset_id", "deal_id", "won", "deal_industry"]


def normalise_label(value: Any) -> str | None:
    """A label (or enum) lower-cased and stripped, None when empty."""
    text = None if value is None else str(getattr(value, "value", value)).strip().lower()
    return text or None


def load_catalogue(session: Session) -> pd.DataFrame:
    """Every content asset: id, title, kind, url, industry and stage (labels normalised)."""
    assets = session.scalars(select(ContentAsset).order_by(ContentAsset.id)).all()
    frame = pd.DataFrame([{"asset_id": a.id, "title": a.title, "kind": a.kind, "url": a.url,
                           "industry": normalise_label(a.industry), "stage": normalise_label(a.stage)} for a in assets],
                         columns=["asset_id", "title", "kind", "url", "industry", "stage"])
    return frame


def load_view_counts(session: Session, as_of: datetime) -> pd.DataFrame:
    """Content views before ``as_of`` counted per asset, viewer industry and viewer seniority."""
    account = aliased(Account)
    industry = func.coalesce(Lead.industry, account.industry)
    seniority = func.coalesce(Lead.seniority, Contact.seniority)
    rows = session.execute(
        select(Activity.content_asset_id, industry, seniority, func.count())
        .outerjoin(Lead, Activity.lead_id == Lead.id)
        .outerjoin(Contact, Activity.contact_id == Contact.id)
        .outerjoin(account, Contact.account_id == account.id)
        .where(Activity.content_asset_id.is_not(None), Activity.occurred_at < as_of)
        .group_by(Activity.content_asset_id, industry, seniority)).all()
    frame = pd.DataFrame(rows, columns=VIEW_COLUMNS)
    frame["industry"] = frame["industry"].map(normalise_label)
    frame["seniority"] = frame["seniority"].map(normalise_label)
    return frame.groupby(["asset_id", "industry", "seniority"], dropna=False, as_index=False)["n"].sum()


def load_deal_views(session: Session, as_of: datetime) -> pd.DataFrame:
    """(asset, deal) pairs: deals closed won or lost before ``as_of`` whose buyers viewed the asset before the close.

    A view belongs to a deal when it is logged on the deal, or made by a lead converted into it.
    """
    deal_id = func.coalesce(Activity.opportunity_id, Lead.converted_opportunity_id)
    rows = session.execute(
        select(Activity.content_asset_id, Opportunity.id, Opportunity.outcome, Account.industry).distinct()
        .select_from(Activity)
        .outerjoin(Lead, Activity.lead_id == Lead.id)
        .join(Opportunity, Opportunity.id == deal_id)
        .outerjoin(Account, Opportunity.account_id == Account.id)
        .where(Activity.content_asset_id.is_not(None), Opportunity.outcome.in_([Outcome.WON, Outcome.LOST]),
               Opportunity.closed_at < as_of, Activity.occurred_at < Opportunity.closed_at)).all()
    frame = pd.DataFrame(rows, columns=DEAL_VIEW_COLUMNS)
    frame["won"] = (frame["won"] == Outcome.WON).astype(bool)
    frame["deal_industry"] = frame["deal_industry"].map(normalise_label)
    return frame


def load_win_rate(session: Session, as_of: datetime) -> float | None:
    """The share of deals closed before ``as_of`` that were won (None when none closed)."""
    won, closed = session.execute(
        select(func.sum(case((Opportunity.outcome == Outcome.WON, 1), else_=0)), func.count())
        .where(Opportunity.outcome.in_([Outcome.WON, Outcome.LOST]), Opportunity.closed_at < as_of)).one()
    return float(won) / closed if closed else None


def seen_assets(session: Session, as_of: datetime | None, *, lead_ids: list[int] = (),  # type: ignore[assignment]
                contact_ids: list[int] = (), deal_ids: list[int] = ()) -> frozenset[int]:  # type: ignore[assignment]
    """The assets these leads, contacts or deals viewed (before ``as_of`` when given)."""
    who = [c.in_(ids) for c, ids in ((Activity.lead_id, lead_ids), (Activity.contact_id, contact_ids),
                                     (Activity.opportunity_id, deal_ids)) if ids]
    if not who:
        return frozenset()
    when = [Activity.occurred_at < as_of] if as_of is not None else []
    rows = session.scalars(select(Activity.content_asset_id).distinct()
                           .where(and_(Activity.content_asset_id.is_not(None), or_(*who), *when))).all()
    return frozenset(int(a) for a in rows)
