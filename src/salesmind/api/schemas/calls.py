"""Calls over REST: a list row, one call with its transcript and analysis, a transcript to import."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from salesmind.api.schemas.common import RecordId, UtcTime, text

MAX_TRANSCRIPT_CHARS = 5_000_000
MAX_SEGMENTS = 20_000


class CallRowPublic(BaseModel):
    """A call in a list, with its headline metrics once analysed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str | None
    started_at: datetime
    duration_seconds: float | None
    user_id: int | None
    opportunity_id: int | None
    talk_ratio: float | None
    rep_questions: int | None


class CallPage(BaseModel):
    """A page of calls and the number visible in all."""

    total: int
    items: list[CallRowPublic]


class ParticipantPublic(BaseModel):
    """A speaker and the role resolved from the CRM."""

    model_config = ConfigDict(from_attributes=True)

    speaker_label: str
    role: str
    user_id: int | None
    contact_id: int | None
    lead_id: int | None


class UtterancePublic(BaseModel):
    """What one speaker said, in seconds from the call's start."""

    model_config = ConfigDict(from_attributes=True)

    speaker_label: str
    start_seconds: float
    end_seconds: float
    text: str


class AnalysisPublic(BaseModel):
    """Stored metrics, topics and sentiment of a call."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    computed_at: datetime
    metrics: dict[str, Any]
    topics: dict[str, Any] | None
    sentiment: dict[str, Any] | None


class CallPublic(CallRowPublic):
    """One call with its participants, utterances and analysis (null before analysis)."""

    account_id: int | None
    participants: list[ParticipantPublic]
    utterances: list[UtterancePublic]
    analysis: AnalysisPublic | None


class SegmentIn(BaseModel):
    """One segment of a transcript given as JSON."""

    speaker: text(120, 1)  # type: ignore[valid-type]
    start: float = Field(ge=0, le=1e7)
    end: float = Field(ge=0, le=1e7)
    text: text(20_000, 1)  # type: ignore[valid-type]


class CallImport(BaseModel):
    """A transcript to store as a call: the export's text with its format, or the segments themselves."""

    started_at: UtcTime
    opportunity_id: RecordId | None = None
    title: text(255) | None = None  # type: ignore[valid-type]
    format: Literal["vtt", "srt", "json"] | None = None
    content: text(MAX_TRANSCRIPT_CHARS, 1) | None = None  # type: ignore[valid-type]
    segments: list[SegmentIn] | None = Field(None, min_length=1, max_length=MAX_SEGMENTS)

    @model_validator(mode="after")
    def _one_source(self) -> "CallImport":
        if (self.content is None) == (self.segments is None):
            raise ValueError("give either content (with format) or segments")
        if self.content is not None and self.format is None:
            raise ValueError("format (vtt, srt or json) is required with content")
        return self
