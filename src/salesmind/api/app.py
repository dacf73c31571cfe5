"""The FastAPI application factory: REST API under /api, web pages at /, one error policy."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from salesmind import __version__
from salesmind.core.db import Database
from salesmind.core.errors import SalesmindError
from salesmind.core.settings import Settings
from salesmind.core.timeutil import Clock, SystemClock

#: ``1`` (``salesmind serve`` sets it) runs :func:`_served` in each server process
WARM_CACHE_ENV = "SALESMIND_WARM_CACHE"


@asynccontextmanager
async def _served(_app: FastAPI) -> AsyncIterator[None]:
    """A served process: long-lived objects frozen for the garbage collector
    (:func:`~salesmind.core.memory.freeze_long_lived`), and the manager analytics that viewers
    opened recently kept computed while the app runs."""
    from salesmind.analytics.cache import CacheWarmer
    from salesmind.core.memory import freeze_long_lived

    freeze_long_lived()
    warmer = CacheWarmer().start()
    try:
        yield
    finally:
        warmer.stop()


def create_app(settings: Settings | None = None, *, database: Database | None = None,
               clock: Clock | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when not given)."""
    settings = settings or Settings.from_env()
    database = database or Database(settings)
    app = FastAPI(
        lifespan=_served if os.environ.get(WARM_CACHE_ENV) == "1" else None,
        title="salesmind",
        version=__version__,
        description="Self-hosted sales intelligence: CRM records, scores with reasons, forecasts.",
        docs_url=None,  # served by mount_docs from packaged files, not a CDN
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock or SystemClock()

    from starlette.middleware.sessions import SessionMiddleware

    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="salesmind_session",
                       same_site="lax", https_only=settings.session_cookie_secure, max_age=14 * 24 * 3600)

    @app.exception_handler(SalesmindError)
    async def _salesmind_error(_request: Request, exc: SalesmindError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content=exc.to_dict())

    from salesmind.api.docs import mount_docs
    from salesmind.api.routes import api_router

    mount_docs(app)

    app.include_router(api_router, prefix="/api")
    try:
        from salesmind.web import mount_web
    except ImportError:  # the web layer is optional for API-only deployments
        mount_web = None
    if mount_web is not None:
        mount_web(app)
    return app
