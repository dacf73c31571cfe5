"""Duplicates: accounts by domain and by (fuzzy) name, contacts and leads by email."""

from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from salesmind.data.models import Account, Contact, Lead
from salesmind.quality.report import EXAMPLES, Finding

DUPLICATE_WEIGHT = 2.0
NAME_SIMILARITY = 90  # token-sort ratio (0-100) above which two account names are the same company
BLOCK_PREFIX = 3  # names are compared only with names that start with the same letters
WINDOW = 20  # ... and, in sorted order, only with the next WINDOW names of their block
_LEGAL_SUFFIXES = {"inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "corp",
                   "corporation", "co", "company", "plc", "bv", "nv", "srl", "oy", "ab", "pty", "group"}
_NON_WORD = re.compile(r"[^\w\s]+")
_DIGITS = re.compile(r"\d+")


def normalise_name(name: str) -> str:
    """Lower case, no punctuation, no leading 'the' and no legal suffix ('ACME, Inc.' -> 'acme')."""
    words = _NON_WORD.sub(" ", name.lower().replace("&", " and ")).split()
    if words[:1] == ["the"]:
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def duplicate_findings(session: Session) -> list[Finding]:
    """Every duplicate check."""
    accounts, contacts, leads = Account.__table__, Contact.__table__, Lead.__table__
    domain = func.replace(func.lower(func.trim(accounts.c.domain)), "www.", "")
    return [
        _same_key(session, accounts, domain, "duplicates.accounts.domain", "accounts sharing a domain",
                  "Merge the accounts that share a domain into one (keep the one with the most deals)."),
        _similar_names(session),
        _same_key(session, contacts, func.lower(func.trim(contacts.c.email)), "duplicates.contacts.email",
                  "contacts sharing an email address",
                  "Merge contacts with the same email address into one record."),
        _same_key(session, leads, func.lower(func.trim(leads.c.email)), "duplicates.leads.email",
                  "leads sharing an email address",
                  "Merge leads with the same email address (keep the earliest, add the later activity)."),
    ]


def _same_key(session: Session, table: Table, key: ColumnElement[str], check: str, title: str,
              instruction: str) -> Finding:
    """Rows sharing ``key``: affected = the rows a merge would remove (group size - 1)."""
    groups = (select(key.label("k"), func.count().label("n")).where(key.is_not(None), key != "")
              .group_by(key).having(func.count() > 1).subquery())
    affected = session.scalar(select(func.coalesce(func.sum(groups.c.n - 1), 0))) or 0
    examples: list[int] = []
    if affected:
        keys = select(groups.c.k).order_by(groups.c.k).limit(EXAMPLES)
        examples = list(session.scalars(select(table.c.id).where(key.in_(keys))
                                        .order_by(key, table.c.id).limit(EXAMPLES)))
    return Finding(check=check, table=table.name, title=title, affected=int(affected),
                   weight=DUPLICATE_WEIGHT, instruction=instruction, example_ids=examples)


def _similar_names(session: Session) -> Finding:
    """Accounts whose normalised names match exactly or nearly, compared within prefix blocks."""
    table = Account.__table__
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rows = session.execute(select(table.c.id, table.c.name).where(table.c.name.is_not(None))
                           .execution_options(yield_per=10_000))
    for account_id, name in rows:
        norm = normalise_name(name)
        if norm:
            blocks[norm.replace(" ", "")[:BLOCK_PREFIX]].append((account_id, norm))
    clusters = [c for block in blocks.values() for c in _cluster(block) if len(c) > 1]
    clusters.sort(key=min)
    examples = [i for c in clusters for i in sorted(c)][:EXAMPLES]
    return Finding(
        check="duplicates.accounts.name", table=table.name,
        title="accounts with the same or nearly the same name",
        affected=sum(len(c) - 1 for c in clusters), weight=DUPLICATE_WEIGHT,
        instruction="Check these look-alike account names and merge the ones that are one company.",
        example_ids=examples,
    )


def _cluster(block: list[tuple[int, str]]) -> list[set[int]]:
    """Groups of similar names in one block: each name is compared with the next few in sorted order.

    Comparing within a sliding window (sorted-neighbourhood blocking) keeps the work linear even when
    thousands of names share their first letters; union-find joins chains of matches.
    """
    block = sorted(block, key=lambda item: item[1])
    parent = list(range(len(block)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (_, name) in enumerate(block):
        for j in range(i + 1, min(i + 1 + WINDOW, len(block))):
            if same_company(name, block[j][1]):
                parent[root(j)] = root(i)
    groups: dict[int, set[int]] = defaultdict(set)
    for index, (account_id, _) in enumerate(block):
        groups[root(index)].add(account_id)
    return list(groups.values())


def same_company(a: str, b: str) -> bool:
    """Equal, or nearly equal with the same numbers ('Acme 1' and 'Acme 2' are different firms)."""
    if a == b:
        return True
    same_numbers = _DIGITS.findall(a) == _DIGITS.findall(b)
    return same_numbers and fuzz.token_sort_ratio(a, b, score_cutoff=NAME_SIMILARITY) > 0
