"""Data-quality audit over the API (managers and admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from salesmind.api.deps import ManagerUser, SessionDep
from salesmind.quality import AuditReport, run_audit

router = APIRouter(tags=["quality"])


@router.get("/audit", response_model=AuditReport)
def audit(request: Request, _user: ManagerUser, session: SessionDep) -> dict[str, Any]:
    """Scores per table and the ranked fixes, the same as ``salesmind audit --json``."""
    return run_audit(session, request.app.state.clock.now()).to_dict()
