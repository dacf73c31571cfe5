"""Coaching: the team overview and one rep's report (reps see their own, managers their teams', admins all)."""

from __future__ import annotations

from fastapi import APIRouter

from salesmind.api.deps import ScopeDep, SessionDep
from salesmind.api.schemas.coaching import RepCoachingPublic, TeamCoachingPublic
from salesmind.api.schemas.common import RecordId
from salesmind.conversations.coaching_views import rep_coaching, rep_dict, team_coaching, team_dict

router = APIRouter(prefix="/coaching", tags=["coaching"])


@router.get("", response_model=TeamCoachingPublic)
def team(session: SessionDep, scope: ScopeDep) -> TeamCoachingPublic:
    """Every visible rep with analysed calls: metrics, win rate, top-performer marker, what to work on."""
    return TeamCoachingPublic.model_validate(team_dict(team_coaching(session, scope)))


@router.get("/{user_id}", response_model=RepCoachingPublic)
def report(user_id: RecordId, session: SessionDep, scope: ScopeDep) -> RepCoachingPublic:
    """One rep's report with example moments from their calls; 404 when not visible or without analysed calls."""
    return RepCoachingPublic.model_validate(rep_dict(rep_coaching(session, scope, user_id)))
