"""All REST routes, one module per resource, gathered on one router."""

from fastapi import APIRouter

from salesmind.api.routes import (accounts, audit, auth, calls, coaching, contacts, customers, deals, forecasts, health, ingest, leads,
                                   mail,
                                   opportunities, privacy, replies, scores, users)

api_router = APIRouter()
for module in (health, auth, users, accounts, contacts, leads, opportunities, ingest, audit, privacy, scores, forecasts,
               customers, calls, coaching, replies, mail, deals):
    api_router.include_router(module.router)

__all__ = ["api_router"]
