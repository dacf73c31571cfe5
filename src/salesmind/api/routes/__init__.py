"""All REST routes, one module per resource, gathered on one router."""

from fastapi import APIRouter

from salesmind.api.routes import (accounts, audit, auth, booking, calls, coaching, contacts, customers, deals, forecasts, health, ingest, leads,
                                   mail,
                                   inbound,
                                   engagement_content,
                                   opportunities, privacy, replies, scores, sequences, users)
from salesmind.api.routes import discounts
from salesmind.api.routes import winloss
from salesmind.api.routes import performance
from salesmind.api.routes import pipeline
from salesmind.api.routes import territories

api_router = APIRouter()
for module in (health, auth, users, accounts, contacts, leads, opportunities, ingest, audit, privacy, scores, forecasts,
               customers, calls, coaching, replies, mail, deals, booking, sequences):
    api_router.include_router(module.router)
api_router.include_router(engagement_content.router)
api_router.include_router(inbound.router)
api_router.include_router(pipeline.router)
api_router.include_router(performance.router)
api_router.include_router(discounts.router)
api_router.include_router(winloss.router)
api_router.include_router(territories.router)

__all__ = ["api_router"]
