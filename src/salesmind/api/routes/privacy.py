"""GDPR/CCPA requests over the API: export or erase one person (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from salesmind.api.deps import AdminUser, SessionDep
from salesmind.data.privacy import ErasureReport, erase_person, export_person

router = APIRouter(prefix="/privacy", tags=["privacy"])


class ErasureRequest(BaseModel):
    """Whose data to erase."""

    email: str


@router.get("/export")
def export(_user: AdminUser, session: SessionDep,
           email: str = Query(..., description="The person's email address.")) -> dict[str, Any]:
    """Every record about the person, the same as ``salesmind privacy export``."""
    return export_person(session, email)


@router.post("/erase", response_model=ErasureReport)
def erase(body: ErasureRequest, _user: AdminUser, session: SessionDep) -> dict[str, Any]:
    """Delete or anonymise everything about the person (committed with the request)."""
    return erase_person(session, body.email).to_dict()
