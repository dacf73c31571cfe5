"""Inbound intake: validate a form or webhook submission, then create the lead or merge it into the one with that email.

Validation collects every problem at once (a :class:`ValidationFailed` whose issues name the field),
so nothing is stored when any field is wrong. Fields the form does not know are kept as answers
(``Lead.form_answers``), so a custom form question is never lost.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import RowIssue, ValidationFailed
from salesmind.data.models import Activity, ActivityType, Contact, Lead, LeadStatus

#: Known text fields and their longest allowed value (the column sizes).
TEXT_FIELDS = {"first_name": 120, "last_name": 120, "company": 255, "title": 200, "country": 64, "region": 64,
               "industry": 120, "timezone": 64, "message": 5000}
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
#: Fields read but not stored as answers (the full name is split, the consent box is recorded apart).
CONTROL_FIELDS = frozenset({"name", "email", "phone", "employees", "budget", "consent"})
MAX_EXTRA_FIELDS = 40
MAX_EXTRA_LENGTH = 2000
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{5,40}$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\- ]{0,99}$")
_YES = {"1", "true", "yes", "on", "y", "checked"}
_NO = {"", "0", "false", "no", "off", "n"}


@dataclass
class CleanSubmission:
    """A validated submission: the lead's fields, the consent box, the budget and the other answers."""

    email: str
    fields: dict[str, Any]
    consent: bool
    budget: float | None
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        """What the person wrote, if anything."""
        return self.fields.get("message")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("must be text")
    text = str(value).strip()
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text or None


def _number(value: Any, *, whole: bool, upper: float) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a number")
    raw = str(value).strip().replace(",", "").replace("_", "").lstrip("$€£")
    try:
        number = float(raw)
    except ValueError:
        raise ValueError("must be a number") from None
    if not math.isfinite(number) or number < 0 or number > upper:
        raise ValueError(f"must be between 0 and {upper:,.0f}")
    if whole and number != int(number):
        raise ValueError("must be a whole number")
    return number


def _consent(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("must be a ticked (yes/on/true) or unticked checkbox")


def _email(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError("is required")
    try:
        found = validate_email(text, check_deliverability=False)  # no DNS: we never go online
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address ({exc})") from None
    return found.normalized.lower()


def _extra(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if len(value) > MAX_EXTRA_LENGTH or "\x00" in value:
            raise ValueError(f"must be text of at most {MAX_EXTRA_LENGTH} characters")
        return value.strip()
    if isinstance(value, list) and len(value) <= 50:
        return [_extra(v) for v in value if not isinstance(v, (list, dict))]
    raise ValueError("must be text, a number, a yes/no or a list of those")


def _split_name(full: str | None) -> tuple[str | None, str | None]:
    parts = (full or "").split()
    if not parts:
        return None, None
    return parts[0][:120], (" ".join(parts[1:])[:120] or None)


def validate_submission(payload: Mapping[str, Any]) -> CleanSubmission:
    """Check every field of a submission; :class:`ValidationFailed` lists each wrong field (nothing is stored)."""
    issues: list[RowIssue] = []

    def check(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(payload.get(name), *args, **kwargs)
        except ValueError as exc:
            shown = payload.get(name)
            issues.append(RowIssue("form", None, name, None if shown is None else str(shown)[:80], str(exc)))
            return None

    email = check("email", _email)
    fields: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        value = check(name, _text)
        if value is not None and len(value) > limit:
            issues.append(RowIssue("form", None, name, value[:80], f"must be at most {limit} characters"))
        elif value is not None:
            fields[name] = value
    if "first_name" not in fields and "last_name" not in fields:
        first, last = _split_name(check("name", _text))
        fields.update({k: v for k, v in (("first_name", first), ("last_name", last)) if v})
    phone = check("phone", _text)
    if phone is not None and not (_PHONE.match(phone) and sum(c.isdigit() for c in phone) >= 5):
        issues.append(RowIssue("form", None, "phone", phone[:80], "must be a phone number (digits, spaces, + ( ) - .)"))
    elif phone is not None:
        fields["phone"] = phone
    employees = check("employees", _number, whole=True, upper=10_000_000)
    if employees is not None:
        fields["employees"] = int(employees)
    budget = check("budget", _number, whole=False, upper=1e12)
    consent = check("consent", _consent) or False
    answers: dict[str, Any] = {}
    for name in UTM_FIELDS:
        value = check(name, _text)
        if value is not None:
            answers[name] = value[:200]
    extra = [k for k in payload if k not in TEXT_FIELDS and k not in CONTROL_FIELDS and k not in UTM_FIELDS]
    if len(extra) > MAX_EXTRA_FIELDS:
        issues.append(RowIssue("form", None, None, None, f"at most {MAX_EXTRA_FIELDS} extra fields, got {len(extra)}"))
        extra = []
    for name in extra:
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            issues.append(RowIssue("form", None, str(name)[:100], None,
                                   "a field name is a letter then letters, digits, _ . - or spaces (100 at most)"))
            continue
        value = check(name, _extra)
        if value not in (None, "", []):
            answers[name] = value
    if issues:
        fields_named = ", ".join(sorted({i.column or "form" for i in issues}))
        raise ValidationFailed(f"the submission has {len(issues)} problem(s) in: {fields_named}; nothing was stored",
                               issues)
    return CleanSubmission(email=email, fields=fields, consent=consent, budget=budget, answers=answers)


def find_lead(session: Session, email: str) -> Lead | None:
    """The oldest lead with this email (any case), if any."""
    return session.scalars(select(Lead).where(func.lower(Lead.email) == email.lower()).order_by(Lead.id)).first()


def _merge_answers(old: dict[str, Any] | None, clean: CleanSubmission, source: str | None,
                   now: datetime) -> dict[str, Any]:
    """Earlier answers plus the new ones (newest wins); messages and consent records are appended, never replaced."""
    answers = dict(old or {})
    answers.update(clean.answers)
    if clean.message:
        answers["messages"] = [*answers.get("messages", []), clean.message]
    if clean.budget is not None:
        answers["budget"] = clean.budget
    record = {"given": clean.consent, "at": now.isoformat(), "source": source or "form"}
    answers["consent_history"] = [*answers.get("consent_history", []), record]
    return answers


def upsert_lead(session: Session, clean: CleanSubmission, *, source: str | None, now: datetime) -> tuple[Lead, bool]:
    """Create the lead, or fill the empty fields of the one with this email; returns it and whether it merged.

    A ticked consent box sets ``consent_email``; an unticked one never withdraws consent given
    before (that is what the unsubscribe link is for). When a contact has this email the lead is
    linked to the contact's account. A form-submit activity is logged either way.
    """
    lead = find_lead(session, clean.email)
    merged = lead is not None
    if lead is None:
        lead = Lead(email=clean.email, status=LeadStatus.NEW, source=(source or clean.answers.get("utm_source")),
                    created_at=now, updated_at=now)
        session.add(lead)
    for name, value in clean.fields.items():
        if name != "message" and getattr(lead, name) in (None, ""):
            setattr(lead, name, value)
    lead.form_answers = _merge_answers(lead.form_answers, clean, source, now)
    lead.consent_email = bool(lead.consent_email or clean.consent)
    if lead.account_id is None:
        contact = session.scalars(select(Contact).where(func.lower(Contact.email) == clean.email,
                                                        Contact.account_id.is_not(None)).order_by(Contact.id)).first()
        if contact is not None:
            lead.account_id = contact.account_id
    session.flush()
    session.add(Activity(type=ActivityType.FORM_SUBMIT, occurred_at=now, lead_id=lead.id, account_id=lead.account_id,
                         subject=f"Inbound {source or 'form'} submission"[:500],
                         details={"message": clean.message} if clean.message else None))
    return lead, merged
