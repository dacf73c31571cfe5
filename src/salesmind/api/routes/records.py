"""The routes every CRM record kind shares: list, get, create, change, delete, timeline, activities.

Each resource module builds its router here, so that the access rules are written once.
(No ``from __future__ import annotations``: FastAPI must see the schema classes themselves.)
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from salesmind.api.deps import ManagerUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.activities import ActivityPublic, TimelineItemPublic
from salesmind.api.schemas.common import Page, RecordId, SafeText
from salesmind.data.record_edits import create_record, delete_record, update_record
from salesmind.data.records import (
    MAX_PAGE,
    count_records,
    get_record,
    list_record_activities,
    list_records,
    timeline,
)

Search = Annotated[SafeText | None, Query(max_length=200, description="Text to look for in names and emails")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


def record_router(kind: str, plural: str, create: Any, update: Any, public: Any) -> APIRouter:
    """A router for ``/{plural}``: the record kind's CRUD, timeline and activities, all scoped."""
    router = APIRouter(prefix=f"/{plural}", tags=[plural])

    @router.get("", response_model=Page[public], name=f"list_{plural}")
    def list_(session: SessionDep, scope: ScopeDep, q: Search = None, limit: Limit = 50,
              offset: Offset = 0) -> dict[str, Any]:
        """Records the caller can see, newest first, with their total."""
        items = list_records(session, scope, kind, search=q, limit=limit, offset=offset)
        total = count_records(session, scope, kind, search=q)
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @router.post("", response_model=public, status_code=status.HTTP_201_CREATED, name=f"create_{kind}")
    def create_(body: create, session: SessionDep, scope: ScopeDep, now: NowDep) -> Any:
        """Add a record; it belongs to the caller unless a manager or admin names another owner."""
        return create_record(session, scope, kind, body.model_dump(), now=now)

    @router.get("/{id}", response_model=public, name=f"get_{kind}")
    def get_(id: RecordId, session: SessionDep, scope: ScopeDep) -> Any:  # noqa: A002
        """One record the caller can see."""
        return get_record(session, scope, kind, id)

    @router.patch("/{id}", response_model=public, name=f"update_{kind}")
    def update_(id: RecordId, body: update, session: SessionDep, scope: ScopeDep,  # noqa: A002
                now: NowDep) -> Any:
        """Change some fields of a record the caller can see."""
        return update_record(session, scope, kind, id, body.model_dump(exclude_unset=True), now=now)

    @router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, name=f"delete_{kind}")
    def delete_(id: RecordId, _manager: ManagerUser, session: SessionDep, scope: ScopeDep) -> Response:  # noqa: A002
        """Delete a record (managers and admins only)."""
        delete_record(session, scope, kind, id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get("/{id}/timeline", response_model=list[TimelineItemPublic], name=f"{kind}_timeline")
    def timeline_(id: RecordId, session: SessionDep, scope: ScopeDep, limit: Limit = 200) -> Any:  # noqa: A002
        """Activities, emails, calls and stage changes of a record, newest first."""
        return timeline(session, scope, kind, id, limit=limit)

    @router.get("/{id}/activities", response_model=Page[ActivityPublic], name=f"{kind}_activities")
    def activities_(id: RecordId, session: SessionDep, scope: ScopeDep, limit: Limit = 50,  # noqa: A002
                    offset: Offset = 0) -> dict[str, Any]:
        """The activities linked to a record, newest first, with their total."""
        items, total = list_record_activities(session, scope, kind, id, limit=limit, offset=offset)
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    return router
