"""The reply-intent job: classify inbound replies and store them, list the inbox, take corrections, retrain.

The classifier is the one saved in the models directory (``reply_intent.joblib``); when none is saved
yet, one is trained on the shipped labelled set's training split and saved. A rep's correction keeps
the model's answer beside it (so the model's accuracy on corrected replies can be measured) and moves
the next action to the corrected intent's. :func:`retrain_from_corrections` trains on the labelled set
plus every correction, each correction counting :data:`CORRECTION_WEIGHT` times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from sklearn.metrics import f1_score
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from salesmind.conversations.intents import intent as intent_named
from salesmind.conversations.replies import (
    MODEL_FILE,
    MODEL_VERSION,
    ReplyIntentClassifier,
    clean_reply,
    extract,
    load_labelled,
    load_model,
    save_model,
)
from salesmind.core.db import Database
from salesmind.core.errors import NotFound
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Contact, Direction, EmailMessage, Lead, ReplyClassification, User
from salesmind.data.scope import Scope

#: A correction counts this many times in retraining: it is a rep's statement about their own market's wording.
CORRECTION_WEIGHT = 3
#: Replies classified per database round trip.
BATCH = 500
#: The models loaded in this process, by file, with the file's modification time.
_LOADED: dict[Path, tuple[int, ReplyIntentClassifier]] = {}


@dataclass
class ClassifySummary:
    """What a classification run did."""

    classified: int
    model_version: str
    by_intent: dict[str, int] = field(default_factory=dict)


@dataclass
class RetrainSummary:
    """What a retraining did: the training size, the corrections used, the held-out macro-F1 before and after."""

    trained_on: int
    corrections: int
    model_version: str
    held_out_macro_f1: float
    previous_macro_f1: float | None


@dataclass(frozen=True)
class InboxItem:
    """One classified reply as the inbox shows it."""

    id: int
    email_message_id: int
    sent_at: datetime
    from_address: str | None
    subject: str | None
    body_text: str | None
    intent: str
    predicted_intent: str
    confidence: float
    next_action: str
    advice: str
    extracted: dict[str, Any]
    corrected: bool
    lead_id: int | None
    contact_id: int | None


def current_model(models_dir: Path) -> ReplyIntentClassifier:
    """The saved classifier (kept in memory until the file changes), trained on the labelled set and saved
    first when there is none."""
    path = models_dir / MODEL_FILE
    if not path.exists():
        train = load_labelled("train")
        model = ReplyIntentClassifier().fit([r.text for r in train], [r.intent for r in train])
        model.version_ = MODEL_VERSION
        save_model(model, models_dir)
    stamp = path.stat().st_mtime_ns
    cached = _LOADED.get(path)
    if cached is None or cached[0] != stamp:
        _LOADED[path] = cached = (stamp, load_model(models_dir))
    return cached[1]


def _apply(row: ReplyClassification, message: EmailMessage, intent: str) -> None:
    """Set the extractions and next action of ``intent`` on a classification row."""
    own = [a for a in (message.from_address, message.to_address) if a]
    row.extracted = extract(message.body_text or "", intent, message.sent_at, own_addresses=own)
    row.next_action = intent_named(intent).next_action


def classify_replies(database: Database, message_ids: Sequence[int] | None = None, *,
                     models_dir: Path | None = None) -> ClassifySummary:
    """Classify inbound replies (the given ones again, or every one not yet classified) and store the results."""
    model = current_model(models_dir or database.settings.models_dir)
    version = getattr(model, "version_", MODEL_VERSION)
    summary = ClassifySummary(classified=0, model_version=version)
    with database.transaction() as session:
        stmt = select(EmailMessage).where(EmailMessage.direction == Direction.INBOUND).order_by(EmailMessage.id)
        if message_ids is None:
            done = select(ReplyClassification.email_message_id)
            stmt = stmt.where(EmailMessage.id.not_in(done))
        else:
            stmt = stmt.where(EmailMessage.id.in_(list(message_ids)))
        messages = list(session.scalars(stmt))
        existing = {r.email_message_id: r for r in session.scalars(select(ReplyClassification).where(
            ReplyClassification.email_message_id.in_([m.id for m in messages])))} if message_ids is not None else {}
        for start in range(0, len(messages), BATCH):
            chunk = messages[start:start + BATCH]
            proba = model.predict_proba([m.body_text or "" for m in chunk])
            for message, p in zip(chunk, proba):
                predicted = str(model.classes_[p.argmax()])
                row = existing.get(message.id) or ReplyClassification(email_message_id=message.id)
                row.intent, row.confidence, row.model_version = predicted, float(p.max()), version
                row.classified_at = utcnow()
                _apply(row, message, row.corrected_intent or predicted)
                session.add(row)
                summary.by_intent[predicted] = summary.by_intent.get(predicted, 0) + 1
                summary.classified += 1
    return summary


def _visible(scope: Scope):  # type: ignore[no-untyped-def]
    """Classifications joined to their message, restricted to replies of leads and contacts the scope sees."""
    lead, contact = aliased(Lead), aliased(Contact)
    stmt = (select(ReplyClassification, EmailMessage)
            .join(EmailMessage, EmailMessage.id == ReplyClassification.email_message_id)
            .outerjoin(lead, lead.id == EmailMessage.lead_id)
            .outerjoin(contact, contact.id == EmailMessage.contact_id))
    return scope.restrict_any(stmt, lead.owner_id, contact.owner_id)


def _item(row: ReplyClassification, message: EmailMessage) -> InboxItem:
    effective = row.corrected_intent or row.intent
    return InboxItem(id=row.id, email_message_id=message.id, sent_at=message.sent_at,
                     from_address=message.from_address, subject=message.subject, body_text=message.body_text,
                     intent=effective, predicted_intent=row.intent, confidence=row.confidence,
                     next_action=row.next_action, advice=intent_named(effective).advice,
                     extracted=row.extracted or {}, corrected=row.corrected_intent is not None,
                     lead_id=message.lead_id, contact_id=message.contact_id)


def inbox(session: Session, scope: Scope, *, intent: str | None = None, limit: int = 50,
          offset: int = 0) -> tuple[list[InboxItem], int]:
    """Visible classified replies, newest first, with their total count."""
    stmt = _visible(scope)
    if intent:
        intent_named(intent)
        stmt = stmt.where(func.coalesce(ReplyClassification.corrected_intent, ReplyClassification.intent) == intent)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(EmailMessage.sent_at.desc(), ReplyClassification.id.desc())
                           .limit(limit).offset(offset)).all()
    return [_item(r, m) for r, m in rows], total


def correct(session: Session, scope: Scope, classification_id: int, intent: str,
            user: User | None) -> InboxItem:
    """Store a rep's corrected intent (the model's answer is kept) and move the next action to match."""
    intent_named(intent)
    found = session.execute(_visible(scope).where(ReplyClassification.id == classification_id)).first()
    if found is None:
        raise NotFound(f"reply classification {classification_id} not found")
    row, message = found
    row.corrected_intent, row.corrected_at = intent, utcnow()
    row.corrected_by_id = user.id if user else None
    _apply(row, message, intent)
    session.flush()
    return _item(row, message)


def corrections(session: Session) -> list[tuple[str, str]]:
    """Every corrected reply's text and corrected intent."""
    stmt = (select(EmailMessage.body_text, ReplyClassification.corrected_intent)
            .join(EmailMessage, EmailMessage.id == ReplyClassification.email_message_id)
            .where(ReplyClassification.corrected_intent.is_not(None)).order_by(ReplyClassification.id))
    return [(text or "", str(label)) for text, label in session.execute(stmt).all()]


def _held_out_f1(model: ReplyIntentClassifier) -> float:
    test = load_labelled("test")
    return float(f1_score([r.intent for r in test], model.predict([r.text for r in test]), average="macro"))


def retrain_from_corrections(database: Database, *, models_dir: Path | None = None,
                             base: Sequence[tuple[str, str]] | None = None) -> RetrainSummary:
    """Train on the labelled training split (or ``base``: text, intent pairs) plus every correction, save the
    model and report its held-out macro-F1 beside the previous model's."""
    directory = models_dir or database.settings.models_dir
    previous = load_model(directory)
    with database.transaction() as session:
        fixes = corrections(session)
    pairs = list(base) if base is not None else [(r.text, r.intent) for r in load_labelled("train")]
    pairs += [fix for fix in fixes for _ in range(CORRECTION_WEIGHT)]
    texts, labels = [t for t, _ in pairs], [i for _, i in pairs]
    model = ReplyIntentClassifier().fit(texts, labels)
    model.version_ = f"{MODEL_VERSION}+{len(fixes)}-corrections-{utcnow():%Y%m%d%H%M%S}"
    save_model(model, directory)
    return RetrainSummary(trained_on=len(texts), corrections=len(fixes), model_version=model.version_,
                          held_out_macro_f1=_held_out_f1(model),
                          previous_macro_f1=_held_out_f1(previous) if previous is not None else None)


def classify_text(text: str, sent_at: datetime, *, models_dir: Path) -> dict[str, Any]:
    """The intent, calibrated confidence, every intent's probability, extractions and next action of one text."""
    model = current_model(models_dir)
    p = model.predict_proba([text])[0]
    best = str(model.classes_[p.argmax()])
    found = intent_named(best)
    return {"intent": best, "confidence": float(p.max()),
            "probabilities": {str(c): float(x) for c, x in zip(model.classes_, p)},
            "next_action": found.next_action, "advice": found.advice,
            "extracted": extract(text, best, sent_at), "cleaned_text": clean_reply(text)}
