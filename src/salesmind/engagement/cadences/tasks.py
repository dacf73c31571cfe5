"""A rep's tasks: today's list (overdue first, then due today, by priority), done or skipped.

Completing the "review and send" task of a manual email step queues the (possibly edited) draft in
the outbox under the step's idempotency key, so sending it twice is impossible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models import User
from salesmind.data.models.cadences import Enrolment, Task, Touch
from salesmind.data.scope import Scope
from salesmind.engagement.cadences.stops import person_of
from salesmind.engagement.cadences.windows import first_zone, start_of_local_day
from salesmind.engagement.mail.outbox import enqueue


def todays_tasks(session: Session, scope: Scope, now: datetime, *, user_id: int | None = None,
                 limit: int = 200) -> list[Task]:
    """Open tasks due by the end of the user's local day: overdue first, then today's, each by priority then time.

    ``user_id`` defaults to the caller; a manager may ask for a rep of their team; without either (the CLI's
    unrestricted scope) every user's tasks are listed.
    """
    user_id = user_id if user_id is not None else scope.user_id
    if user_id is not None:
        scope.check(user_id, f"user {user_id}")
    owner = session.get(User, user_id) if user_id is not None else None
    zone = first_zone(owner.timezone if owner else None)
    today = start_of_local_day(now, zone)
    tomorrow = start_of_local_day(today + timedelta(days=1, hours=12), zone)
    stmt = select(Task).where(Task.status == "open", Task.due_at < tomorrow)
    stmt = stmt.where(Task.user_id == user_id) if user_id is not None else scope.restrict(stmt, Task.user_id)
    overdue = case((Task.due_at < today, 0), else_=1)
    return list(session.scalars(stmt.order_by(overdue, Task.priority.desc(), Task.due_at, Task.id).limit(limit)))


def complete_task(session: Session, scope: Scope, task_id: int, now: datetime, *, skip: bool = False,
                  subject: str | None = None, text: str | None = None, settings: Settings | None = None) -> Task:
    """Mark a visible open task done (or skipped); a manual email's task queues its draft when done."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    scope.check(task.user_id, f"task {task_id}")
    if task.status != "open":
        raise UserInputError(f"task {task_id} is already {task.status}")
    task.status, task.done_at = ("skipped" if skip else "done"), now
    details = task.details or {}
    if not skip and task.kind == "email" and details.get("idempotency_key"):
        _send_reviewed(session, task, subject or details.get("subject") or "", text or details.get("text") or "",
                       now, settings)
    session.flush()
    return task


def _send_reviewed(session: Session, task: Task, subject: str, text: str, now: datetime,
                   settings: Settings | None) -> None:
    """Queue the reviewed draft of a manual email step and link it to the step's touch."""
    enrolment = session.get(Enrolment, task.enrolment_id) if task.enrolment_id else None
    person_email = None
    if enrolment is not None:
        person = person_of(session, enrolment)
        person_email = person.email if person is not None else None
    if not person_email:
        raise UserInputError(f"task {task.id}: the person has no email address any more")
    details = task.details or {}
    edited = text != details.get("text")
    picks = dict(details.get("experiments") or {})  # an arm the rep rewrote is not what was tested
    if edited:
        picks.pop("template", None)
    if subject != details.get("subject"):
        picks.pop("subject", None)
    message = enqueue(session, idempotency_key=str(details["idempotency_key"]), to=person_email, subject=subject,
                      text=text, html=None if edited else details.get("html"), user_id=task.user_id,
                      lead_id=task.lead_id, contact_id=None if task.lead_id else task.contact_id, send_after=now,
                      details={"task_id": task.id, "enrolment_id": task.enrolment_id,
                               "experiments": picks}, settings=settings)
    touch = session.scalar(select(Touch).where(Touch.task_id == task.id))
    if touch is not None:
        touch.outbox_message_id, touch.status = message.id, message.status
