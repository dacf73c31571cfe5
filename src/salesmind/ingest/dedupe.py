"""Finding the record a row is about when ids differ: email for people, domain and name for companies.

Company names are compared after normalising legal suffixes ("Inc", "Ltd", "GmbH", ...) with
rapidfuzz's ``token_sort_ratio``; a score of :data:`FUZZY_THRESHOLD` or more is the same company.
"""

from __future__ import annotations

import re
import unicodedata
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from salesmind.data.models import Account

FUZZY_THRESHOLD = 92.0
LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation", "co",
    "company", "gmbh", "ag", "kg", "ug", "mbh", "se", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy",
    "ab", "as", "aps", "pty", "pte", "kk", "the", "group", "holding", "holdings",
})


def normalise_company(name: str) -> str:
    """Lower-case, accents and punctuation removed, legal suffixes dropped: ``'ACME, Inc.'`` -> ``'acme'``."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w]
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    return " ".join(kept or words)


class AccountMatcher:
    """Existing accounts by normalised name, loaded once per import and kept up to date."""

    def __init__(self, session: Session) -> None:
        self._names: dict[int, str] = {}
        for account_id, name in session.execute(select(Account.id, Account.name)):
            self._names[account_id] = normalise_company(name or "")

    def add(self, account_id: int, name: str) -> None:
        """Remember an account written during this import."""
        self._names[account_id] = normalise_company(name)

    def match(self, name: str) -> tuple[int, float] | None:
        """The id and score of the closest account name scoring at least the threshold, or None."""
        wanted = normalise_company(name)
        if not wanted or not self._names:
            return None
        found = process.extractOne(wanted, self._names, scorer=fuzz.token_sort_ratio,
                                   score_cutoff=FUZZY_THRESHOLD)
        if found is None:
            return None
        _, score, account_id = found
        return int(account_id), float(score)

