"""The data-quality audit: completeness, duplicates and impossible records, scored and ranked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from salesmind.core.timeutil import ensure_utc
from salesmind.data.models import Activity, Base, FeatureSnapshot, ModelPrediction
from salesmind.quality import completeness
from salesmind.quality.checks import foreign_key_orphans, run_row_checks
from salesmind.quality.duplicates import duplicate_findings
from salesmind.quality.report import AuditReport, Finding, overall_score, rank_fixes, table_score

#: Tables scored even when they have no audited fields (their score is their validity).
EXTRA_TABLES: tuple[Table, ...] = (Activity.__table__, ModelPrediction.__table__, FeatureSnapshot.__table__)


def run_audit(session: Session, now: datetime) -> AuditReport:
    """Audit the whole database as of ``now`` with aggregate queries (nothing is loaded whole)."""
    now = ensure_utc(now)
    problems = run_row_checks(session, now) + duplicate_findings(session) + foreign_key_orphans(session)
    problems = [p for p in problems if p.affected]
    gaps: list[Finding] = []
    scores = []
    for table in (*completeness.FIELDS, *EXTRA_TABLES):
        rows, shares, table_gaps = completeness.measure(session, table)
        gaps += table_gaps
        on_table = [p for p in problems if p.table == table.name]
        scores.append(table_score(table.name, rows, shares, completeness.weights(table), on_table))
    scored = {t.table for t in scores}
    for name in sorted({p.table for p in problems} - scored):
        rows = session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
        scores.append(table_score(name, rows, {}, {}, [p for p in problems if p.table == name]))
    return AuditReport(generated_at=now, overall_score=overall_score(scores), tables=scores,
                       findings=problems, fixes=rank_fixes(problems + gaps))

