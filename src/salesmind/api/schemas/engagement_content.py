"""Content recommendations and personalised drafts: what the API returns and the render request."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from salesmind.api.schemas.common import Input, RecordId

TemplateName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$", examples=["intro"])]


class ContentRecommendationPublic(BaseModel):
    """One recommended content asset with its score and reasons."""

    asset_id: int
    title: str
    kind: str
    url: str | None
    score: float = Field(description="log-scale match score; only the order matters")
    reasons: list[str]


class DraftTemplatePublic(BaseModel):
    """One draft template of the cadence."""

    name: str
    file: str
    description: str
    custom: bool = Field(description="true when it comes from the user's templates folder")


class DraftRender(Input):
    """Render a template for exactly one lead or contact, optionally rewritten by the configured writer."""

    template: TemplateName
    lead_id: RecordId | None = None
    contact_id: RecordId | None = None
    use_writer: bool = False

    @model_validator(mode="after")
    def _one_recipient(self) -> DraftRender:
        if (self.lead_id is None) == (self.contact_id is None):
            raise ValueError("give exactly one of lead_id or contact_id")
        return self


class DraftPublic(BaseModel):
    """A rendered draft for the rep to review and edit; nothing is sent."""

    template: str
    recipient: str | None
    subject: str
    text: str
    html: str
    personalisation_count: int
    personalisation_elements: list[str]
    missing_slots: list[str] = Field(description="slots the template uses that had no value: fallbacks were used")
    written_by: str = Field(description="'template' or 'writer:<model>'")
    writer_note: str | None
