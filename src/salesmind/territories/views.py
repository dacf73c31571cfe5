"""What the pages, CSV exports and the CLI show of a plan: flat move rows with names, and per-rep loads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import TerritoryAssignment, User


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Names of the given user ids."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())  # type: ignore[arg-type]


def move_rows(session: Session, rows: list[TerritoryAssignment]) -> list[dict[str, Any]]:
    """One flat dict per assignment row: account, from -> to (ids and names), values, gain and the reason text."""
    names = user_names(session, {r.from_owner_id for r in rows} | {r.to_owner_id for r in rows})
    out = []
    for r in rows:
        reason = r.reason or {}
        out.append({"account_id": r.account_id, "account": reason.get("account"),
                    "from_owner_id": r.from_owner_id, "from_owner": names.get(r.from_owner_id or 0),
                    "to_owner_id": r.to_owner_id, "to_owner": names.get(r.to_owner_id or 0), "moved": r.moved,
                    "value": reason.get("value"), "expected_value": round(r.expected_value, 2),
                    "current_expected_value": r.current_expected_value,
                    "gain": reason.get("gain"), "win_probability": (reason.get("to_rate") or {}).get("p"),
                    "segment": reason.get("segment"), "industry": reason.get("industry"),
                    "region": reason.get("region"), "locked": reason.get("locked"), "reason": reason.get("text")})
    return out
