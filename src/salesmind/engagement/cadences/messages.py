"""The email of a step: the draft template rendered for the person, with an optional subject line variant."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models import Lead
from salesmind.engagement.cadences.stops import Person
from salesmind.engagement.content import ContentRecommender
from salesmind.engagement.drafts import Draft, TemplateLibrary, template_library
from salesmind.engagement.drafts.context import contact_slots, lead_slots

_PLACEHOLDER = re.compile(r"\{(first_name|last_name|company|title|industry)\}")
_FALLBACK = {"first_name": "there", "last_name": "", "company": "your team", "title": "", "industry": "your industry"}


class Drafter:
    """Renders step templates for many people in one tick (the template library and content model are built once)."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        self.settings = settings
        self.now = now
        self._library: TemplateLibrary | None = None
        self._model: ContentRecommender | None = None
        self._fitted = False

    def render(self, session: Session, template: str, person: Person) -> Draft:
        """The draft of ``template`` for ``person`` (a lead or a contact)."""
        if self._library is None:
            self._library = template_library(self.settings)
        self._library.file_for(template)
        if not self._fitted:
            self._fitted = True
            try:
                self._model = ContentRecommender().fit(session, self.now)
            except UserInputError:  # no content library: the draft leaves the content slot out
                self._model = None
        if isinstance(person, Lead):
            slots = lead_slots(session, person, self.now, self._model)
        else:
            slots = contact_slots(session, person, self.now, self._model)
        return self._library.render(template, slots)


def fill_subject(variant: str, person: Person) -> str:
    """A subject line variant with ``{first_name}``, ``{company}``, ... filled from the person (safe fallbacks)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "company" and not isinstance(person, Lead):
            account = getattr(person, "account", None)
            found = getattr(account, "name", None)
        else:
            found = getattr(person, name, None)
        return str(found).strip() if found else _FALLBACK[name]

    return " ".join(_PLACEHOLDER.sub(value, variant).split())
