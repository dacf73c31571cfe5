"""The deal-health job: assess every open deal, store the result, alert owners and managers.

A refresh as of a moment stores one :class:`DealHealth` row per deal open then (re-running the
same moment replaces its rows). A new high-severity flag, or a grade falling to critical, sends
a :class:`Notification` to the deal's owner and their team's manager, once: its ``dedupe_key``
(``deal-health:{deal}:{flag}``) blocks a second one until a refresh finds the flag cleared.
Notification text names the deal and the risk in numbers, never a contact (erasing a person
must leave nothing behind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.core.timeutil import utcnow
from salesmind.data.models import DealHealth, Notification, Opportunity, Team, User
from salesmind.deals.health import HEALTH_VERSION, HealthConfig, RedFlag, assess
from salesmind.deals.signals import deal_signals

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
KIND = "deal_health"
CRITICAL = "critical"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HealthSummary:
    """What one refresh did."""

    as_of: datetime
    deals: int
    grades: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    notifications: int = 0


def dedupe_key(opportunity_id: int, code: str) -> str:
    """The key that keeps one alert per deal and flag (or ``critical``) until it clears."""
    return f"deal-health:{opportunity_id}:{code}"


def refresh_deal_health(database: Database, as_of: datetime | None = None, config: HealthConfig | None = None,
                        progress: Progress | None = None) -> HealthSummary:
    """Assess every deal open at ``as_of`` (now when None), store the rows, and send new alerts."""
    config = config or HealthConfig()
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise UserInputError(f"as of {as_of.isoformat()} has no time zone: give one (e.g. 2025-06-01T00:00Z)")
    if as_of < EARLIEST:
        raise UserInputError(f"as of {as_of.isoformat()} is before {EARLIEST.year}: pick a time the CRM covers")
    with database.transaction() as session:
        signals = deal_signals(session, as_of, window_days=config.window_days, trend_points=config.trend_points)
        session.execute(delete(DealHealth).where(DealHealth.as_of == as_of))
        grades: dict[str, int] = {}
        counts: dict[str, int] = {}
        sent = 0
        for done, (opp, sig) in enumerate(sorted(signals.items()), start=1):
            health = assess(sig, config)
            session.add(DealHealth(opportunity_id=opp, as_of=as_of, score=health.score, grade=health.grade,
                                   flags=[f.to_dict() for f in health.flags], signals=sig.to_dict(),
                                   version=HEALTH_VERSION))
            grades[health.grade] = grades.get(health.grade, 0) + 1
            for f in health.flags:
                counts[f.code] = counts.get(f.code, 0) + 1
            sent += _alert(session, opp, health.flags, health.grade, as_of)
            if progress:
                progress(done, len(signals))
    return HealthSummary(as_of=as_of, deals=len(signals), grades=grades,
                         flags=dict(sorted(counts.items(), key=lambda kv: -kv[1])), notifications=sent)


def _recipients(session: Session, owner_id: int | None) -> list[int]:
    """The owner and their team's manager (once each)."""
    if owner_id is None:
        return []
    manager = session.scalar(select(Team.manager_id).join(User, User.team_id == Team.id).where(User.id == owner_id))
    return [owner_id] + ([manager] if manager is not None and manager != owner_id else [])


def _alert(session: Session, opp_id: int, flags: list[RedFlag], grade: str, as_of: datetime) -> int:
    """Notify about new high flags (and a fall to critical); re-arm the alerts of flags that cleared."""
    deal = session.get(Opportunity, opp_id)
    if deal is None:
        return 0
    alerts = {f.code: f"{deal.name}: {f.message}" for f in flags if f.severity == "high"}
    if grade == CRITICAL:
        alerts[CRITICAL] = f"{deal.name}: health is critical ({len(flags)} red flags)"
    prefix = dedupe_key(opp_id, "")
    raised = set(session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.startswith(prefix))))
    cleared = {k for k in raised if k[len(prefix):] not in alerts and ":cleared:" not in k}
    for key in cleared:
        # The flag cleared: keep the message, free its key so that a recurrence is announced again.
        session.execute(update(Notification).where(Notification.dedupe_key == key)
                        .values(dedupe_key=f"{key}:cleared:{as_of.isoformat()}"))
    sent = 0
    for code, title in alerts.items():
        key = dedupe_key(opp_id, code)
        for user_id in _recipients(session, deal.owner_id):
            if session.scalar(select(Notification.id).where(Notification.user_id == user_id,
                                                            Notification.dedupe_key == key)) is None:
                session.add(Notification(user_id=user_id, kind=KIND, title=title[:300],
                                         body=f"Deal health as of {as_of.date().isoformat()}: {title}",
                                         link=f"/opportunities/{opp_id}", opportunity_id=opp_id,
                                         account_id=deal.account_id, dedupe_key=key))
                session.flush()
                sent += 1
    return sent


def list_notifications(session: Session, user_id: int, *, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """A user's notifications, newest first."""
    if not 1 <= limit <= 500:
        raise UserInputError(f"limit must be from 1 to 500, not {limit}")
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    """How many of a user's notifications are unread."""
    return int(session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


def mark_read(session: Session, user_id: int, notification_id: int, at: datetime | None = None) -> Notification:
    """Mark one of the user's notifications read (404 for anyone else's)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound(f"notification {notification_id} not found")
    if note.read_at is None:
        note.read_at = at or utcnow()
        session.flush()
    return note
