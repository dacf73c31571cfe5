"""Fill the personalisation slots of a lead or contact from the CRM, as of a time."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import Account, Activity, ActivityType, Contact, ContentAsset, Lead, User
from salesmind.engagement.content import ContentRecommender, ContentTarget, contact_target, lead_target
from salesmind.engagement.drafts.slots import Slots, pain_points

#: Activity types that say what a person did recently, newest first wins.
RECENT_TYPES = (ActivityType.WEB_VISIT, ActivityType.CONTENT_DOWNLOAD, ActivityType.WEBINAR, ActivityType.FORM_SUBMIT)
RECOMMENDED = 3


def describe_activity(activity: Activity, asset_title: str | None) -> str:
    """One activity as the end of "I saw that you ..."."""
    if activity.type == ActivityType.CONTENT_DOWNLOAD:
        return f'downloaded "{asset_title}"' if asset_title else "downloaded one of our guides"
    if activity.type == ActivityType.WEBINAR:
        return f'attended "{asset_title}"' if asset_title else "attended one of our webinars"
    if activity.type == ActivityType.FORM_SUBMIT:
        return "filled in a form on our website"
    path = urlparse(activity.url or "").path.strip("/")
    page = path.rsplit("/", 1)[-1].replace("-", " ") if path else ""
    return f"visited our {page} page" if page else "visited our website"


def _activity_slots(session: Session, column: object, person_id: int, now: datetime) -> dict[str, str]:
    acts = session.execute(
        select(Activity, ContentAsset.title).outerjoin(ContentAsset, Activity.content_asset_id == ContentAsset.id)
        .where(column == person_id, Activity.occurred_at <= now, Activity.type.in_(RECENT_TYPES))
        .order_by(Activity.occurred_at.desc()).limit(50)).all()
    out: dict[str, str] = {}
    if acts:
        out["recent_activity"] = describe_activity(*acts[0])
    content = next((title for a, title in acts if title), None)
    event = next((title for a, title in acts if title and a.type == ActivityType.WEBINAR), None)
    out.update({k: v for k, v in (("last_content", content), ("last_event", event)) if v})
    return out


def _rep_slots(rep: User | None) -> dict[str, str]:
    if rep is None:
        return {}
    return {"rep_name": rep.name, "signature": f"{rep.name}\n{rep.email}"}


def _content(model: ContentRecommender | None, target: ContentTarget) -> list[dict[str, object]]:
    if model is None:
        return []
    return [{"title": r.title, "url": r.url, "kind": r.kind, "reasons": r.reasons}
            for r in model.recommend(target, RECOMMENDED)]


def lead_slots(session: Session, lead: Lead, now: datetime, model: ContentRecommender | None) -> Slots:
    """The slots of a lead: name, company, industry, title, recent activity, pain points, content, rep."""
    account = session.get(Account, lead.account_id) if lead.account_id else None
    known: dict[str, object] = {"first_name": lead.first_name, "company": lead.company or (account and account.name),
                                "industry": lead.industry or (account and account.industry), "title": lead.title,
                                "pain_points": pain_points(lead.form_answers)}
    known.update(_activity_slots(session, Activity.lead_id, lead.id, now))
    known.update(_rep_slots(lead.owner))
    if model is not None:
        known["recommended_content"] = _content(model, lead_target(session, lead, now))
    return Slots(known, recipient=lead.email)


def contact_slots(session: Session, contact: Contact, now: datetime, model: ContentRecommender | None) -> Slots:
    """The slots of a contact (pain points from the lead it was converted from, if any)."""
    account = session.get(Account, contact.account_id) if contact.account_id else None
    origin = session.scalars(select(Lead).where(Lead.converted_contact_id == contact.id)).first()
    known: dict[str, object] = {"first_name": contact.first_name, "company": account.name if account else None,
                                "industry": account.industry if account else None, "title": contact.title,
                                "pain_points": pain_points(origin.form_answers) if origin else []}
    known.update(_activity_slots(session, Activity.contact_id, contact.id, now))
    known.update(_rep_slots(contact.owner))
    if model is not None:
        target = contact_target(session, contact, now)
        known["recommended_content"] = _content(model, target)
    return Slots(known, recipient=contact.email)
