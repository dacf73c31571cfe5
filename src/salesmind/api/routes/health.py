"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from salesmind import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Service status."""

    status: str
    version: str
    database: str


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Report that the service runs and its database answers."""
    database = request.app.state.database
    with database.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(status="ok", version=__version__, database=database.engine.dialect.name)
