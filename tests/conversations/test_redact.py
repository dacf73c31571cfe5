"""Redaction of emails, phone numbers and Luhn-valid card numbers."""

from __future__ import annotations

import pytest

from salesmind.conversations.redact import luhn_valid, redact


@pytest.mark.parametrize("number,valid", [
    ("79927398713", True),          # the worked example of the Luhn algorithm (ISO/IEC 7812-1 annex)
    ("79927398710", False),
    ("4111111111111111", True),     # Visa test card
    ("5555555555554444", True),     # Mastercard test card
    ("378282246310005", True),      # American Express test card
    ("4111111111111112", False),
])
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_cards_only_when_luhn_valid() -> None:
    assert redact("card 4111 1111 1111 1111 expires") == "card [CARD] expires"
    assert redact("amex 3782-822463-10005.") == "amex [CARD]."
    assert redact("ref 4111 1111 1111 1112 here") == "ref 4111 1111 1111 1112 here"


def test_emails_and_phones() -> None:
    text = "Write to ana.ruiz+x@acme.co.uk or call +44 20 7946 0958, (555) 123-4567 or 555.123.4567."
    assert redact(text) == "Write to [EMAIL] or call [PHONE], [PHONE] or [PHONE]."


def test_numbers_that_are_not_personal_data_stay() -> None:
    text = "We have 40 reps, a 2025 budget of 12,000 dollars, meet on 2025-06-02 at 10:30."
    assert redact(text) == text
