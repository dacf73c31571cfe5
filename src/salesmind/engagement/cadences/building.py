"""Build and edit sequences: validated steps (kinds, waits, templates, subject variants), replace and reorder."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models.cadences import STEP_KINDS, Enrolment, Sequence, SequenceStep, Touch
from salesmind.engagement.cadences.config import CadenceSettings
from salesmind.engagement.drafts import TemplateLibrary, template_library

MAX_STEPS = 30
STEP_KEYS = frozenset({"kind", "wait_days", "template", "subject_variants", "manual", "instructions"})


def check_new_name(session: Session, name: str, sequence_id: int | None = None) -> None:
    """Refuse an empty, too long or already used sequence name."""
    if not name or not name.strip() or len(name.strip()) > 200:
        raise UserInputError("a sequence name is 1 to 200 characters")
    taken = session.scalar(select(Sequence.id).where(Sequence.name == name.strip()))
    if taken is not None and taken != sequence_id:
        raise UserInputError(f"a sequence named {name.strip()!r} exists already")


def validate_step(raw: Any, number: int) -> dict[str, Any]:
    """One step's fields, checked (``number`` is 1-based, for the message)."""
    if not isinstance(raw, dict):
        raise UserInputError(f"step {number} must be a mapping with kind and wait_days")
    unknown = sorted(set(raw) - STEP_KEYS)
    if unknown:
        raise UserInputError(f"step {number}: unknown field(s) {unknown}; known: {sorted(STEP_KEYS)}")
    kind = str(raw.get("kind", "")).strip().lower()
    if kind not in STEP_KINDS:
        raise UserInputError(f"step {number}: kind must be one of {', '.join(STEP_KINDS)}, not {raw.get('kind')!r}")
    try:
        wait = float(raw.get("wait_days", 0) or 0)
    except (TypeError, ValueError):
        raise UserInputError(f"step {number}: wait_days must be a number of days") from None
    if not 0 <= wait <= 365:
        raise UserInputError(f"step {number}: wait_days must be between 0 and 365, got {wait:g}")
    template = (str(raw["template"]).strip() or None) if raw.get("template") else None
    if kind == "email" and not template:
        raise UserInputError(f"step {number}: an email step needs a template (e.g. intro, value, break_up)")
    variants = raw.get("subject_variants") or []
    if not isinstance(variants, list) or any(not isinstance(v, str) or not v.strip() or "\n" in v or len(v) > 500
                                             for v in variants):
        raise UserInputError(f"step {number}: subject_variants must be a list of one-line subjects")
    instructions = str(raw["instructions"])[:2000] if raw.get("instructions") else None
    return {"kind": kind, "wait_days": wait, "template": template, "subject_variants": variants or None,
            "manual": bool(raw.get("manual", False)), "instructions": instructions}


def validate_steps(steps: Any, settings: Settings | None = None) -> list[dict[str, Any]]:
    """All steps checked, 1 to :data:`MAX_STEPS` of them, with template names the draft library knows (the
    user's folder of ``settings`` included; the shipped templates without settings)."""
    if not isinstance(steps, list) or not steps:
        raise UserInputError("a sequence needs a list of at least one step")
    if len(steps) > MAX_STEPS:
        raise UserInputError(f"a sequence has at most {MAX_STEPS} steps, got {len(steps)}")
    checked = [validate_step(raw, i + 1) for i, raw in enumerate(steps)]
    library = template_library(settings) if settings is not None else TemplateLibrary()
    for i, step in enumerate(checked):
        if step["template"]:
            try:
                library.file_for(step["template"])
            except UserInputError as exc:
                raise UserInputError(f"step {i + 1}: {exc}") from None
    return checked


def add_steps(session: Session, sequence: Sequence, steps: list[dict[str, Any]],
              app_settings: Settings | None = None) -> list[SequenceStep]:
    """Append validated steps after the sequence's last one."""
    last = session.scalar(select(func.max(SequenceStep.position)).where(SequenceStep.sequence_id == sequence.id))
    rows = [SequenceStep(sequence_id=sequence.id, position=(last or 0) + i + 1, **step)
            for i, step in enumerate(validate_steps(steps, app_settings))]
    session.add_all(rows)
    session.flush()
    return rows


def create_sequence(session: Session, name: str, steps: list[dict[str, Any]], *, description: str | None = None,
                    settings: dict[str, Any] | None = None, created_by_id: int | None = None,
                    app_settings: Settings | None = None) -> Sequence:
    """A new sequence with its steps (each a mapping: kind, wait_days, template, subject_variants, manual,
    instructions) and settings (see :class:`CadenceSettings`); ``app_settings`` locate the user's templates."""
    check_new_name(session, name)
    validate_steps(steps, app_settings)
    sequence = Sequence(name=name.strip(), description=description,
                        settings=CadenceSettings.parse(settings).to_dict(), created_by_id=created_by_id)
    session.add(sequence)
    session.flush()
    add_steps(session, sequence, steps, app_settings)
    return sequence


def replace_steps(session: Session, sequence_id: int, steps: list[dict[str, Any]],
                  app_settings: Settings | None = None) -> list[SequenceStep]:
    """Replace every step (edit, add, remove, reorder); refused once any enrolment has made a touch, since
    positions would no longer mean the same step."""
    sequence = session.get(Sequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    checked = validate_steps(steps, app_settings)
    touched = session.scalar(select(func.count()).select_from(Touch).join(Enrolment, Touch.enrolment_id == Enrolment.id)
                             .where(Enrolment.sequence_id == sequence_id)) or 0
    if touched:
        raise UserInputError(f"sequence {sequence.name!r} has already made {touched} touches: copy it into a new "
                             "sequence to change its steps")
    session.execute(delete(SequenceStep).where(SequenceStep.sequence_id == sequence_id))
    session.flush()
    rows = [SequenceStep(sequence_id=sequence_id, position=i + 1, **step) for i, step in enumerate(checked)]
    session.add_all(rows)
    session.flush()
    return rows


def update_sequence(session: Session, sequence_id: int, *, name: str | None = None, description: str | None = None,
                    settings: dict[str, Any] | None = None, is_active: bool | None = None) -> Sequence:
    """Change a sequence's name, description, settings or active flag."""
    sequence = session.get(Sequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    if name is not None:
        check_new_name(session, name, sequence_id)
        sequence.name = name.strip()
    if description is not None:
        sequence.description = description
    if settings is not None:
        sequence.settings = CadenceSettings.parse(settings).to_dict()
    if is_active is not None:
        sequence.is_active = is_active
    session.flush()
    return sequence


def delete_sequence(session: Session, sequence_id: int) -> None:
    """Delete a sequence nobody was ever enrolled in (otherwise deactivate it, to keep its history)."""
    sequence = session.get(Sequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    if session.scalar(select(Enrolment.id).where(Enrolment.sequence_id == sequence_id).limit(1)) is not None:
        raise UserInputError(f"sequence {sequence.name!r} has enrolments: deactivate it (is_active false) instead")
    session.delete(sequence)
    session.flush()
