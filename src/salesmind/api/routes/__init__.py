"""All REST routes, one module per resource, gathered on one router."""

from fastapi import APIRouter

from salesmind.api.routes import health

api_router = APIRouter()
api_router.include_router(health.router)

__all__ = ["api_router"]
