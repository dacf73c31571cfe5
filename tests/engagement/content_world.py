"""A small content library on top of the API world: views by ann's lead, won and lost deals that saw content."""

from __future__ import annotations

from datetime import timedelta

from api_world import NOW, World

from salesmind.core.db import Database
from salesmind.data.models import Account, Activity, ActivityType, ContentAsset, Lead, Opportunity
from salesmind.data.models.base import Outcome


def seed_content(database: Database, world: World) -> dict[str, int]:
    """Assets (generic, retail case study, banking case study, pricing tool); ann's lead is in Retail and
    downloaded the generic ebook; three closed Retail deals saw the pricing tool (two won)."""
    with database.transaction() as s:
        assets = {key: ContentAsset(title=title, kind=kind, url=f"https://site/{key}", industry=industry, stage=stage)
                  for key, title, kind, industry, stage in (
                      ("ebook", "Pipeline hygiene playbook", "ebook", None, None),
                      ("retail", "How a retailer cut forecast error", "case_study", "Retail", None),
                      ("banking", "How a bank cut forecast error", "case_study", "Banking", None),
                      ("pricing", "ROI calculator", "tool", None, "proposal"))}
        s.add_all(assets.values())
        s.flush()
        lead = s.get(Lead, world.records["leads"]["ann"])
        lead.industry, lead.title, lead.company = "Retail", "VP Sales", "Ann Foods"
        lead.form_answers = {"use_case": "forecasting", "timeline": "this quarter"}
        s.add(Activity(type=ActivityType.CONTENT_DOWNLOAD, occurred_at=NOW - timedelta(days=3), lead_id=lead.id,
                       content_asset_id=assets["ebook"].id))
        s.add(Activity(type=ActivityType.WEB_VISIT, occurred_at=NOW - timedelta(days=1), lead_id=lead.id,
                       url="https://site/pricing"))
        s.get(Account, s.get(Opportunity, world.records["opportunities"]["ann"]).account_id).industry = "Retail"
        for i, outcome in enumerate((Outcome.WON, Outcome.WON, Outcome.LOST)):
            account = Account(name=f"retail-{i}", industry="Retail", owner_id=world.users["bob"])
            s.add(account)
            s.flush()
            deal = Opportunity(name=f"closed-{i}", account_id=account.id, owner_id=world.users["bob"], stage="closed",
                               outcome=outcome, closed_at=NOW - timedelta(days=10))
            s.add(deal)
            s.flush()
            s.add(Activity(type=ActivityType.CONTENT_DOWNLOAD, occurred_at=NOW - timedelta(days=40),
                           opportunity_id=deal.id, account_id=account.id, content_asset_id=assets["pricing"].id))
        return {key: a.id for key, a in assets.items()}
