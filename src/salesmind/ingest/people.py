"""Teams, managers and territories for imported users, created when a user export names them.

A CRM's user export usually says who each rep reports to and where they sit (``manager``,
``regional office``) rather than giving team ids. :class:`UserLinker` turns those names into
``team_id`` and ``territory_id``: the manager becomes (or already is) a user with the manager
role, their team is the rep's team (named after the manager unless the row names it), and the
territory is found or created by name. It runs in the write pass, inside the import's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.data.models import Role, Team, Territory, User
from salesmind.ingest.specs import placeholder_email
from salesmind.ingest.writer import RowRejected

#: the manager fields of the users entity, with the user column each one is matched on
MANAGER_KEYS = (("manager_external_id", "external_id"), ("manager_email", "email"), ("manager_name", "name"))


def team_name_for(manager: User) -> str:
    """The name given to a manager's team when the export names no team."""
    return f"{manager.name}'s team"[:120]


class UserLinker:
    """Fills ``team_id`` and ``territory_id`` of user records from team, manager and territory names."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._managers: dict[tuple[str, str], User] = {}
        self._teams: dict[str, Team] = {}
        self._territories: dict[str, Territory] = {}

    def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with its helper fields replaced by foreign keys (raises :class:`RowRejected`)."""
        team_name = record.pop("team", None)
        territory = record.pop("territory", None)
        manager = self.manager(record)
        if manager is not None and team_name is None:
            team_name = team_name_for(manager)
        if team_name:
            record["team_id"] = self.team(str(team_name), manager).id
        if territory:
            record["territory_id"] = self.territory(str(territory)).id
        return record

    def manager(self, record: dict[str, Any]) -> User | None:
        """The manager the record names (popping every manager field), created when missing."""
        given = {name: record.pop(name) for name, _ in MANAGER_KEYS if record.get(name) not in (None, "")}
        if not given:
            return None
        field, column = next((f, c) for f, c in MANAGER_KEYS if f in given)
        key = str(given[field]).strip()
        cache_key = (column, key.lower() if column != "external_id" else key)
        if cache_key not in self._managers:
            self._managers[cache_key] = self._find_or_create_manager(field, column, key, given)
        manager = self._managers[cache_key]
        if manager.role == Role.REP:
            manager.role = Role.MANAGER
        return manager

    def _find_or_create_manager(self, field: str, column: str, key: str, given: dict[str, Any]) -> User:
        attr = getattr(User, column)
        clause = attr == key if column == "external_id" else func.lower(attr) == key.lower()
        found = self.session.scalars(select(User).where(clause).order_by(User.id).limit(3)).all()
        if len(found) > 1:
            raise RowRejected(field, f"{len(found)} users have this manager {column} ({key!r}); "
                                     "give the manager's email or external id instead")
        if found:
            return found[0]
        name = str(given.get("manager_name") or key)
        email = given.get("manager_email") or placeholder_email(str(given.get("manager_external_id") or name))
        manager = User(name=name[:200], email=email, external_id=given.get("manager_external_id"),
                       role=Role.MANAGER)
        self.session.add(manager)
        self.session.flush()
        return manager

    def team(self, name: str, manager: User | None) -> Team:
        """The team called ``name`` (created when missing); a team without a manager gets ``manager``."""
        name = name.strip()[:120]
        team = self._teams.get(name)
        if team is None:
            team = self.session.scalars(select(Team).where(Team.name == name)).first()
            if team is None:
                team = Team(name=name, manager_id=manager.id if manager else None)
                self.session.add(team)
                self.session.flush()
            self._teams[name] = team
        if team.manager_id is None and manager is not None:
            team.manager_id = manager.id
        return team

    def territory(self, name: str) -> Territory:
        """The territory called ``name`` (created when missing, its region the same name)."""
        name = name.strip()[:120]
        territory = self._territories.get(name)
        if territory is None:
            territory = self.session.scalars(select(Territory).where(Territory.name == name)).first()
            if territory is None:
                territory = Territory(name=name, region=name[:64])
                self.session.add(territory)
                self.session.flush()
            self._territories[name] = territory
        return territory
