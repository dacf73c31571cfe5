"""Redact personal data in transcript text: emails, phone numbers and card numbers.

Card numbers are 13-19 digits (spaces or dashes allowed) that pass the Luhn check; digit runs that fail
it are left to the phone rule. Turned on for ingestion by ``SALESMIND_REDACT_TRANSCRIPTS=1``.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}(?!\w)")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15  # E.164 numbers have at most 15 digits
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return bool(digits) and total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if luhn_valid(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(c.isdigit() for c in found)
    if ISO_DATE.fullmatch(found) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return found
    return "[PHONE]"


def redact(text: str) -> str:
    """``text`` with emails, Luhn-valid card numbers and phone numbers replaced by [EMAIL] [CARD] [PHONE]."""
    text = EMAIL.sub("[EMAIL]", text)
    text = CARD.sub(_card, text)
    return PHONE.sub(_phone, text)
