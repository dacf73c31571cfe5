"""Exact money: Decimal amounts with a currency, parsed leniently and stored exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")
_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_STRIP = re.compile(r"[\s,_']")


@dataclass(frozen=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str = "USD"

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


def parse_amount(text: object) -> tuple[Decimal, str | None]:
    """Parse ``'$1,234.50'`` or ``'1234.5 EUR'`` into an exact amount and a currency if shown.

    Raises ``ValueError`` with a reason when the text is not an amount.
    """
    if isinstance(text, Decimal):
        return text.quantize(CENT, ROUND_HALF_EVEN), None
    if isinstance(text, (int, float)):
        if text != text:  # NaN
            raise ValueError("not a number")
        return Decimal(str(text)).quantize(CENT, ROUND_HALF_EVEN), None
    raw = str(text).strip()
    currency = None
    for sign, code in _CURRENCY_SIGNS.items():
        if sign in raw:
            currency = code
            raw = raw.replace(sign, "")
    match = re.fullmatch(r"\s*([A-Za-z]{3})?\s*(.*?)\s*([A-Za-z]{3})?\s*", raw)
    if match:
        code = match.group(1) or match.group(3)
        if code:
            currency = code.upper()
        raw = match.group(2)
    negative = raw.startswith("(") and raw.endswith(")")
    raw = _STRIP.sub("", raw.strip("()"))
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not value.is_finite():
        raise ValueError("not a finite amount")
    if negative:
        value = -value
    return value.quantize(CENT, ROUND_HALF_EVEN), currency


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as an exact two-place Decimal."""
    return parse_amount(value)[0]
