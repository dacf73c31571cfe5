"""The score panel of lead and deal pages: latest score, reasons, history chart, rescore and feedback forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from salesmind.data.models import ModelPrediction
from salesmind.scoring import views
from salesmind.web.deps import Page
from salesmind.web.score_charts import score_history_chart

FLASH_KEY = "score_flash"


@dataclass(frozen=True)
class ScorePanel:
    """What the panel shows for one record."""

    kind: str
    record_id: int
    latest: ModelPrediction | None
    history: list[ModelPrediction]
    chart: dict[str, Any] | None
    flash: dict[str, str] | None

    @property
    def positive(self) -> list[str]:
        """Reasons that raise the score."""
        return list(((self.latest.reasons or {}) if self.latest else {}).get("positive") or [])

    @property
    def negative(self) -> list[str]:
        """Reasons that lower the score."""
        return list(((self.latest.reasons or {}) if self.latest else {}).get("negative") or [])

    @property
    def expected_close_month(self) -> str | None:
        """For deals: the month the model expects the deal to close (``YYYY-MM``)."""
        return ((self.latest.reasons or {}) if self.latest else {}).get("expected_close_month")

    @property
    def expected_close_label(self) -> str:
        """``2025-03`` as ``Mar 2025`` (a dash when unknown, the raw text when not a month)."""
        raw = self.expected_close_month
        try:
            return datetime.strptime(raw, "%Y-%m").strftime("%b %Y") if raw else "—"
        except ValueError:
            return str(raw)


def flash(page: Page, kind: str, message: str) -> None:
    """Leave a one-time message (``ok`` or ``error``) for the panel on the next page view."""
    page.request.session[FLASH_KEY] = {"kind": kind, "message": message}


def score_panel(page: Page, kind: str, record_id: int) -> ScorePanel:
    """The panel of one visible record (the caller has already checked scope through ``page.record``)."""
    history = views.score_history(page.session, page.scope, kind, record_id, limit=100)
    message = page.request.session.pop(FLASH_KEY, None) if "session" in page.request.scope else None
    return ScorePanel(kind, record_id, history[-1] if history else None, history,
                      score_history_chart(history), message)
