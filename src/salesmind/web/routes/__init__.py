"""All page routes, one module per area, gathered on one router."""

from fastapi import APIRouter

from salesmind.web.routes import manager

from salesmind.web.routes import (auth, booking, calls, coaching, content, customers, deals, forecast, home, inbound,
                                  mail, mailbox, records, replies, scores, sequences)
from salesmind.web.routes import discounts
from salesmind.web.routes import battlecards

from salesmind.web.routes import performance
from salesmind.web.routes import territories

web_router = APIRouter(include_in_schema=False)
web_router.include_router(auth.router)
web_router.include_router(home.router)
web_router.include_router(records.router)
web_router.include_router(scores.router)
web_router.include_router(forecast.router)
web_router.include_router(customers.router)
web_router.include_router(calls.router)
web_router.include_router(coaching.router)
web_router.include_router(deals.router)
web_router.include_router(replies.router)
web_router.include_router(booking.router)
web_router.include_router(mail.router)
web_router.include_router(mailbox.router)
web_router.include_router(inbound.router)
web_router.include_router(content.router)
web_router.include_router(sequences.router)
web_router.include_router(manager.router)
web_router.include_router(performance.router)
web_router.include_router(discounts.router)
web_router.include_router(battlecards.router)
web_router.include_router(territories.router)

__all__ = ["web_router"]
