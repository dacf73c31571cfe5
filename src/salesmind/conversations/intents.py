"""The reply-intent taxonomy and the next action each intent maps to.

The intents follow the granularity sales-engagement tools use for inbound replies: two positive kinds
(willing to meet, needs information), four objections (has a solution, timing, price, wrong person),
a referral, an out-of-office, an unsubscribe, and everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesmind.core.errors import UserInputError


@dataclass(frozen=True)
class Intent:
    """One intent: its name, what it means, the next action's code and its wording for a rep."""

    name: str
    meaning: str
    next_action: str
    advice: str


INTENTS: tuple[Intent, ...] = (
    Intent("positive_meeting", "willing to meet", "send_calendar_link",
           "Send a calendar link now (or call while they are warm)."),
    Intent("positive_info", "interested, asks for information", "send_information",
           "Send the information asked for, then propose a call."),
    Intent("objection_has_solution", "already uses another solution", "enrol_nurture",
           "Enrol in the nurture cadence; check back before their renewal."),
    Intent("objection_timing", "not now", "enrol_nurture",
           "Enrol in nurture and follow up when they said the timing is better."),
    Intent("objection_price", "too expensive or no budget", "call_now",
           "Call now: price objections are best handled live (value, packaging, terms)."),
    Intent("objection_wrong_person", "not the right person", "ask_for_referral",
           "Ask who owns this and look for the right contact at the account."),
    Intent("referral", "points to another contact", "create_referred_contact",
           "Create the referred contact and reach out, mentioning who referred you."),
    Intent("out_of_office", "automatic out-of-office reply", "pause_until_return",
           "Pause the sequence until the return date, then resume."),
    Intent("unsubscribe", "asks to stop emailing", "stop_and_suppress",
           "Stop every sequence and add the address to the suppression list."),
    Intent("other", "none of the above", "review_manually", "Read it and decide."),
)
BY_NAME: dict[str, Intent] = {i.name: i for i in INTENTS}
INTENT_NAMES: tuple[str, ...] = tuple(BY_NAME)


def intent(name: str) -> Intent:
    """The intent called ``name`` (a :class:`UserInputError` naming the valid ones otherwise)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise UserInputError(f"unknown intent {name!r}: use one of {', '.join(INTENT_NAMES)}") from None


def next_action(name: str) -> str:
    """The next action's code for an intent (for example ``send_calendar_link``)."""
    return intent(name).next_action
