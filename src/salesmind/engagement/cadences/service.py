"""The service layer the CLI, API and pages share: sequences from a definition, enrolment by id or email
(within the caller's scope), and the tick as one call."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models import Contact, Lead
from salesmind.data.models.cadences import Enrolment, Sequence, SequenceStep
from salesmind.data.scope import Scope
from salesmind.engagement.cadences.building import create_sequence
from salesmind.engagement.cadences.engine import enrol

DEFINITION_KEYS = frozenset({"name", "description", "settings", "steps"})


def read_definition(path: Path) -> dict[str, Any]:
    """A sequence definition from a YAML or JSON file (name, description, settings, steps)."""
    if not path.is_file():
        raise UserInputError(f"{path} is not a file")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise UserInputError(f"{path} is not a readable YAML or JSON sequence definition: {exc}") from None
    return check_definition(data)


def check_definition(data: Any) -> dict[str, Any]:
    """A definition mapping with known keys and a name."""
    if not isinstance(data, dict):
        raise UserInputError("a sequence definition is a mapping with name, steps and optional settings")
    unknown = sorted(set(data) - DEFINITION_KEYS)
    if unknown:
        raise UserInputError(f"unknown key(s) {unknown} in the sequence definition; known: {sorted(DEFINITION_KEYS)}")
    if not isinstance(data.get("name"), str):
        raise UserInputError("the sequence definition needs a name")
    return data


def create_from_definition(session: Session, data: dict[str, Any], created_by_id: int | None = None,
                           app_settings: Settings | None = None) -> Sequence:
    """Create a sequence from a checked definition."""
    data = check_definition(data)
    description = data.get("description")
    return create_sequence(session, data["name"], data.get("steps") or [],
                           description=str(description) if description is not None else None,
                           settings=data.get("settings"), created_by_id=created_by_id,
                           app_settings=app_settings)


def get_sequence(session: Session, sequence_id: int) -> tuple[Sequence, list[SequenceStep]]:
    """A sequence and its steps; :class:`NotFound` when missing."""
    sequence = session.get(Sequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    steps = session.scalars(select(SequenceStep).where(SequenceStep.sequence_id == sequence_id)
                            .order_by(SequenceStep.position))
    return sequence, list(steps)


def find_person(session: Session, scope: Scope, *, lead_id: int | None = None, contact_id: int | None = None,
                email: str | None = None) -> tuple[int | None, int | None]:
    """The (lead id, contact id) to enrol: by id, or by email (a lead first, then a contact), visible in scope."""
    if sum(x is not None and x != "" for x in (lead_id, contact_id, email)) != 1:
        raise UserInputError("give exactly one of a lead id, a contact id or an email address")
    if email:
        address = email.strip().lower()
        lead = session.scalars(select(Lead).where(func.lower(Lead.email) == address).order_by(Lead.id)).first()
        if lead is not None and scope.can_see(lead.owner_id):
            return lead.id, None
        contact = session.scalars(select(Contact).where(func.lower(Contact.email) == address)
                                  .order_by(Contact.id)).first()
        if contact is not None and scope.can_see(contact.owner_id):
            return None, contact.id
        raise NotFound(f"no lead or contact with the address {email!r}")
    model, record_id = (Lead, lead_id) if lead_id is not None else (Contact, contact_id)
    record = session.get(model, record_id)
    what = f"{'lead' if model is Lead else 'contact'} {record_id}"
    if record is None:
        raise NotFound(f"{what} not found")
    scope.check(record.owner_id, what)
    return (record.id, None) if model is Lead else (None, record.id)


def enrol_visible(session: Session, scope: Scope, sequence_id: int, now: datetime, *, lead_id: int | None = None,
                  contact_id: int | None = None, email: str | None = None) -> Enrolment:
    """Enrol a person the caller may see (the enrolment's owner is the person's owner)."""
    lead, contact = find_person(session, scope, lead_id=lead_id, contact_id=contact_id, email=email)
    return enrol(session, sequence_id=sequence_id, lead_id=lead, contact_id=contact, now=now)


def enrolments(session: Session, scope: Scope, sequence_id: int, limit: int = 100) -> list[Enrolment]:
    """The latest enrolments of a sequence the caller may see."""
    stmt = select(Enrolment).where(Enrolment.sequence_id == sequence_id)
    return list(session.scalars(scope.restrict(stmt, Enrolment.owner_id).order_by(Enrolment.id.desc()).limit(limit)))
