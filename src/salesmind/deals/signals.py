"""Point-in-time signals of open deals: what a deal's records said at a moment, and nothing later.

Stage, days in stage, close-date pushes and whether pricing came up on a call are replayed by
:func:`salesmind.features.deals.deal_features` (the same features the deal score uses). On top of
those, this module reads every touch of the deal strictly before ``as_of``:

- activities linked to the deal (the prospect's engagement: every type but ``email_sent`` and
  ``email_bounced``, which are the rep's doing),
- email messages of the deal's threads (inbound ones are the prospect's engagement),
- calls on the deal, their prospect participants and their stored :class:`CallAnalysis`.

"Last activity" counts any touch (the rep's too); "engaged" contacts and the champion's last
appearance count only the prospect's own touches. The sentiment series is the prospect's VADER
sentiment per call (from the call analysis) and per inbound email (scored here), by date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.conversations.sentiment import compound
from salesmind.data.models import (
    OPEN_STAGES,
    Activity,
    Call,
    CallAnalysis,
    CallParticipant,
    Direction,
    EmailMessage,
    EmailThread,
    Opportunity,
    OpportunityContact,
    SpeakerRole,
)
from salesmind.features.deals import deal_features
from salesmind.features.frames import rows_for_ids

#: Activity types that are the rep's doing, not the prospect's engagement.
REP_ACTIVITY_TYPES = frozenset({"email_sent", "email_bounced"})
CLOSED_STAGES = frozenset({"closed_won", "closed_lost"})


@dataclass(frozen=True)
class SentimentPoint:
    """The prospect's sentiment in one conversation: a call or an inbound email."""

    at: str
    source: str
    score: float


@dataclass
class DealSignals:
    """What was known about one open deal at ``as_of`` (JSON-safe through :meth:`to_dict`)."""

    opportunity_id: int
    as_of: str
    stage: str | None
    stage_rank: int
    days_in_stage: float | None
    days_since_last_activity: float | None
    contacts_engaged_30d: int
    champion_known: bool
    champion_days_silent: float | None
    close_date_pushes: int
    days_to_expected_close: float | None
    pricing_discussed: bool
    calls: int
    competitor_mentions_per_call_30d: float | None
    competitor_mentions_per_call_before: float | None
    next_step_on_last_call: bool | None
    sentiment_series: list[SentimentPoint] = field(default_factory=list)
    sentiment_slope_per_30d: float | None = None
    sentiment_recent_mean: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe values (what a ``DealHealth.signals`` column stores)."""
        return asdict(self)


def stage_rank(stage: str | None) -> int:
    """1 (prospecting) to 5 (negotiation) on the default ladder; 0 for an unknown or closed stage."""
    return OPEN_STAGES.index(stage) + 1 if stage in OPEN_STAGES else 0


def open_deal_ids(session: Session, as_of: datetime) -> list[int]:
    """Deals created by ``as_of`` and not closed by then (imported deals without dates count as open)."""
    stmt = select(Opportunity.id).where(Opportunity.created_at <= as_of,
                                        (Opportunity.closed_at.is_(None)) | (Opportunity.closed_at > as_of))
    return sorted(session.scalars(stmt))


def _touches(session: Session, ids: list[int], as_of: pd.Timestamp, emails: pd.DataFrame) -> pd.DataFrame:
    """Every touch of the deals before ``as_of`` (``emails`` from :func:`_emails`): opportunity_id, at,
    contact_id, kind, by_prospect."""
    acts = rows_for_ids(session, lambda c: select(Activity.opportunity_id, Activity.occurred_at, Activity.contact_id,
                                                  Activity.type).where(Activity.opportunity_id.in_(c)),
                        ids, ["opportunity_id", "at", "contact_id", "kind"])
    acts["kind"] = acts["kind"].map(lambda t: str(getattr(t, "value", t)))
    acts["by_prospect"] = ~acts["kind"].isin(REP_ACTIVITY_TYPES)
    mails = emails[["opportunity_id", "at", "contact_id", "inbound"]].rename(
        columns={"inbound": "by_prospect"})
    mails["kind"] = "email"
    calls = rows_for_ids(session, lambda c: select(Call.opportunity_id, Call.started_at, CallParticipant.contact_id)
                         .join(CallParticipant, CallParticipant.call_id == Call.id)
                         .where(Call.opportunity_id.in_(c), CallParticipant.role == SpeakerRole.PROSPECT),
                         ids, ["opportunity_id", "at", "contact_id"])
    calls["kind"], calls["by_prospect"] = "call", True
    frames = [f for f in (acts, mails, calls) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["opportunity_id", "at", "contact_id", "kind", "by_prospect"])
    out = pd.concat(frames, ignore_index=True)
    out["at"] = pd.to_datetime(out["at"], utc=True)
    return out[out["at"] < as_of]


def _emails(session: Session, ids: list[int]) -> pd.DataFrame:
    """Messages of the deals' threads: opportunity_id, at, contact_id, inbound, body."""
    mails = rows_for_ids(session, lambda c: select(EmailThread.opportunity_id, EmailMessage.sent_at,
                                                   EmailMessage.contact_id, EmailMessage.direction,
                                                   EmailMessage.body_text)
                         .join(EmailThread, EmailThread.id == EmailMessage.thread_id)
                         .where(EmailThread.opportunity_id.in_(c)),
                         ids, ["opportunity_id", "at", "contact_id", "direction", "body"])
    mails["inbound"] = mails["direction"].map(lambda d: str(getattr(d, "value", d)) == Direction.INBOUND.value)
    mails["at"] = pd.to_datetime(mails["at"], utc=True)
    return mails


def _champions(session: Session, ids: list[int]) -> dict[int, int]:
    """The champion of each deal: the contact with role ``champion``, else the primary contact."""
    out = {int(o): int(c) for o, c in session.execute(
        select(Opportunity.id, Opportunity.primary_contact_id)
        .where(Opportunity.id.in_(ids), Opportunity.primary_contact_id.is_not(None)))}
    for opp, contact in session.execute(select(OpportunityContact.opportunity_id, OpportunityContact.contact_id)
                                        .where(OpportunityContact.opportunity_id.in_(ids),
                                               OpportunityContact.role == "champion")
                                        .order_by(OpportunityContact.id)):
        out[int(opp)] = int(contact)
    return out


def _call_analyses(session: Session, ids: list[int], as_of: pd.Timestamp) -> pd.DataFrame:
    """Analysed calls before ``as_of``: opportunity_id, at, competitor mentions, next step, prospect sentiment."""
    rows = rows_for_ids(session, lambda c: select(Call.id, Call.opportunity_id, Call.started_at, CallAnalysis.topics,
                                                  CallAnalysis.sentiment)
                        .join(CallAnalysis, CallAnalysis.call_id == Call.id).where(Call.opportunity_id.in_(c)),
                        ids, ["call_id", "opportunity_id", "at", "topics", "sentiment"])
    rows["at"] = pd.to_datetime(rows["at"], utc=True)
    rows = rows[rows["at"] < as_of]
    if rows.empty:
        return rows.assign(competitor_mentions=[], next_step=[], prospect_sentiment=[])
    prospects = rows_for_ids(session, lambda c: select(CallParticipant.call_id, CallParticipant.speaker_label)
                             .where(CallParticipant.call_id.in_(c), CallParticipant.role == SpeakerRole.PROSPECT),
                             rows["call_id"].astype(int).tolist(), ["call_id", "label"])
    labels = prospects.groupby("call_id")["label"].apply(set).to_dict()
    rows = rows.copy()
    rows["competitor_mentions"] = [len((t or {}).get("competitor_mentions") or []) for t in rows["topics"]]
    rows["next_step"] = [bool((t or {}).get("next_steps")) for t in rows["topics"]]
    rows["prospect_sentiment"] = [_prospect_score(s, labels.get(cid, set()))
                                  for cid, s in zip(rows["call_id"], rows["sentiment"])]
    return rows.sort_values(["opportunity_id", "at"], kind="stable")


def _prospect_score(sentiment: dict[str, Any] | None, labels: set[str]) -> float | None:
    """Mean overall sentiment of the call's prospect speakers (None when none spoke)."""
    speakers = (sentiment or {}).get("speakers") or {}
    scores = [v["overall"] for k, v in speakers.items() if k in labels and v.get("overall") is not None]
    return float(np.mean(scores)) if scores else None


def sentiment_trend(points: list[SentimentPoint], last: int) -> tuple[float | None, float | None]:
    """Least-squares slope (per 30 days) and mean of the last ``last`` points; slope needs 3 points over a day apart."""
    recent = points[-last:]
    if not recent:
        return None, None
    mean = float(np.mean([p.score for p in recent]))
    if len(recent) < 3:
        return None, mean
    days = np.array([pd.Timestamp(p.at).timestamp() / 86400.0 for p in recent])
    if days.max() - days.min() < 1.0:
        return None, mean
    slope = float(np.polyfit(days - days.min(), [p.score for p in recent], 1)[0]) * 30.0
    return slope, mean


def deal_signals(session: Session, as_of: datetime, opportunity_ids: Iterable[int] | None = None, *,
                 window_days: int = 30, trend_points: int = 5) -> dict[int, DealSignals]:
    """Signals of each deal open at ``as_of`` (all open deals when ``opportunity_ids`` is None), by id.

    Only records dated strictly before ``as_of`` are read; deals whose replayed stage is closed at
    ``as_of`` are left out.
    """
    cut = pd.Timestamp(as_of)
    ids = open_deal_ids(session, as_of) if opportunity_ids is None else sorted({int(i) for i in opportunity_ids})
    if not ids:
        return {}
    feats = deal_features(session, as_of, ids)
    feats = feats[~feats["stage"].isin(list(CLOSED_STAGES))]
    ids = [int(i) for i in feats.index]
    mails = _emails(session, ids)
    touches = _touches(session, ids, cut, mails)
    window = cut - timedelta(days=window_days)
    recent = touches[(touches["at"] >= window) & touches["by_prospect"]].dropna(subset=["contact_id"])
    engaged = recent.groupby("opportunity_id")["contact_id"].nunique()
    last_touch = touches.groupby("opportunity_id")["at"].max()
    champions = _champions(session, ids)
    prospect_touch = touches[touches["by_prospect"]].dropna(subset=["contact_id"])
    seen = prospect_touch.assign(contact_id=prospect_touch["contact_id"].astype(int)).groupby(
        ["opportunity_id", "contact_id"])["at"].max().to_dict()
    champ_last = {opp: seen.get((opp, c)) for opp, c in champions.items()}
    calls = _call_analyses(session, ids, cut)
    mails = mails[mails["inbound"] & (mails["at"] < cut)]
    out = {}
    for opp in ids:
        row = feats.loc[opp]
        opp_calls = calls[calls["opportunity_id"] == opp]
        in_window = opp_calls["at"] >= window
        points = _series(opp_calls, mails[mails["opportunity_id"] == opp])
        slope, mean = sentiment_trend(points, trend_points)
        out[opp] = DealSignals(
            opportunity_id=opp, as_of=cut.isoformat(), stage=_str(row["stage"]), stage_rank=stage_rank(_str(row["stage"])),
            days_in_stage=_num(row["days_in_stage"]),
            days_since_last_activity=_days(cut, last_touch.get(opp)),
            contacts_engaged_30d=int(engaged.get(opp, 0)),
            champion_known=opp in champions,
            champion_days_silent=_days(cut, champ_last.get(opp)) if opp in champions else None,
            close_date_pushes=int(row["close_date_pushes"]),
            days_to_expected_close=_num(row["days_to_expected_close"]),
            pricing_discussed=bool(row["pricing_discussed"]), calls=len(opp_calls),
            competitor_mentions_per_call_30d=_mean(opp_calls.loc[in_window, "competitor_mentions"]),
            competitor_mentions_per_call_before=_mean(opp_calls.loc[~in_window, "competitor_mentions"]),
            next_step_on_last_call=bool(opp_calls["next_step"].iloc[-1]) if len(opp_calls) else None,
            sentiment_series=points, sentiment_slope_per_30d=_round(slope), sentiment_recent_mean=_round(mean))
    return out


def _series(calls: pd.DataFrame, mails: pd.DataFrame) -> list[SentimentPoint]:
    points = [SentimentPoint(at.isoformat(), "call", round(s, 4))
              for at, s in zip(calls["at"], calls["prospect_sentiment"]) if s is not None]
    points += [SentimentPoint(at.isoformat(), "email", round(compound(body), 4))
               for at, body in zip(mails["at"], mails["body"]) if body and body.strip()]
    return sorted(points, key=lambda p: p.at)


def _str(value: Any) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 3) if len(values) else None


def _days(cut: pd.Timestamp, at: Any) -> float | None:
    return None if at is None or pd.isna(at) else round((cut - at).total_seconds() / 86400.0, 2)
