"""Retraining on a schedule: "retrain when the current version is older than N days".

``retrain_if_due`` is idempotent, so the same call serves cron (``salesmind score retrain
--if-older-than 7d``) and the opt-in timer that ``salesmind serve`` starts when
``SALESMIND_RETRAIN_EVERY`` is set (:class:`RetrainTimer`). A retrained version still replaces the
current one only under the promotion rule (:mod:`salesmind.scoring.registry`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Sequence

from salesmind.core.db import Database
from salesmind.core.errors import SalesmindError, UserInputError
from salesmind.core.periodic import PeriodicThread
from salesmind.core.timeutil import ensure_utc
from salesmind.data.models import ModelVersion
from salesmind.scoring.crm import MODEL_NAMES, check_kind, train_crm_model
from salesmind.scoring.registry import current_version

RETRAIN_ENV = "SALESMIND_RETRAIN_EVERY"
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
log = logging.getLogger(__name__)


def parse_interval(text: str) -> timedelta:
    """``"7d"``, ``"12h"``, ``"2w"`` or ``"30m"`` as a timedelta; a clear error otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", str(text).lower())
    if not match or int(match.group(1)) == 0:
        raise UserInputError(f"interval {text!r}: expected a positive number and a unit m, h, d or w "
                             "(e.g. 7d)")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class RetrainResult:
    """What one scheduled check did for one model kind."""

    kind: str
    retrained: bool
    reason: str
    version: str | None = None
    status: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return dict(vars(self))


def retrain_if_due(database: Database, kinds: Sequence[str], *, now: datetime, max_age: timedelta,
                   progress: Callable[[str], None] | None = None,
                   **train_options: object) -> list[RetrainResult]:
    """Retrain each kind whose current version was trained more than ``max_age`` before ``now``.

    ``train_options`` go to :func:`~salesmind.scoring.crm.train_crm_model` (e.g. ``tune=False``).
    """
    now = ensure_utc(now, "UTC")
    results = []
    for kind in kinds:
        name = MODEL_NAMES[check_kind(kind)]
        with database.sessions() as session:
            current = current_version(session, name)
            trained = trained_at(current) if current is not None else None
        if trained is not None and now - trained < max_age:
            results.append(RetrainResult(kind, False, f"current version {current.version} is "
                                                       f"{_age(now - trained)} old, under {_age(max_age)}"))
            continue
        why = "no current version" if trained is None else f"current version is {_age(now - trained)} old"
        version = train_crm_model(database, kind, now=now, models_dir=database.settings.models_dir,
                                  progress=progress, **train_options)  # type: ignore[arg-type]
        results.append(RetrainResult(kind, True, why, version.version, version.status))
    return results


def trained_at(version: ModelVersion) -> datetime:
    """When ``version`` was trained: its training time (``notes.trained_at``), else its row's time."""
    stamp = (version.notes or {}).get("trained_at")
    return ensure_utc(datetime.fromisoformat(stamp) if stamp else version.created_at, "UTC")


def _age(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.1f} days" if days >= 1 else f"{delta.total_seconds() / 3600:.1f} hours"


class RetrainTimer(PeriodicThread):
    """A daemon thread that runs :func:`retrain_if_due` every ``check_every`` until stopped (first at once)."""

    def __init__(self, database: Database, every: timedelta, kinds: Sequence[str] = tuple(MODEL_NAMES),
                 check_every: timedelta | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.every = every
        self.kinds = tuple(kinds)
        self.check_every = check_every or min(every, timedelta(hours=1))
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.runs: list[list[RetrainResult]] = []
        super().__init__("salesmind-retrain", self.check_every.total_seconds(), at_once=True)

    def tick(self) -> None:
        """Retrain the models that are due."""
        try:
            self.runs.append(retrain_if_due(self.database, self.kinds, now=self.clock(), max_age=self.every))
        except SalesmindError as exc:  # e.g. too little history yet: try again next time
            log.warning("scheduled retraining skipped: %s", exc)
