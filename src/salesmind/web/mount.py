"""Attach the web shell to the FastAPI app: templates, static files, the bundled plotly.js, pages."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from salesmind.web import formatting
from salesmind.web.deps import LoginRequired, PageNotFound, render
from salesmind.web.nav import init_nav
from salesmind.web.routes.records import record_url

HERE = Path(__file__).resolve().parent
PLOTLY_URL = "/static/vendor/plotly.min.js"
_ONE_DAY = "public, max-age=86400"


def plotly_js_path() -> Path:
    """The plotly.min.js that the installed plotly Python package ships (served instead of a CDN)."""
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def mount_web(app: FastAPI) -> None:
    """Add the pages, their assets and their error pages to ``app``."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    formatting.install(templates.env)
    templates.env.globals.update(plotly_url=PLOTLY_URL, record_url=record_url)
    app.state.web_templates = templates
    init_nav(app)

    plotly_js = plotly_js_path()

    # Registered before the /static mount, which would otherwise claim the path.
    @app.get(PLOTLY_URL, include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(plotly_js, media_type="text/javascript", headers={"Cache-Control": _ONE_DAY})

    from salesmind.web.routes import web_router
    from salesmind.web.routes.battlecards import add_battlecards_nav
    from salesmind.web.routes.booking import add_booking_nav
    from salesmind.web.routes.calls import add_calls_nav
    from salesmind.web.routes.coaching import add_coaching_nav
    from salesmind.web.routes.content import add_content_nav
    from salesmind.web.routes.customers import add_customer_nav
    from salesmind.web.routes.deals import add_deals_nav
    from salesmind.web.routes.discounts import add_discounts_nav
    from salesmind.web.routes.forecast import add_forecast_nav
    from salesmind.web.routes.mail import add_mail_nav
    from salesmind.web.routes.mailbox import add_mailbox_nav
    from salesmind.web.routes.manager import add_manager_nav
    from salesmind.web.routes.inbound import add_inbound_nav
    from salesmind.web.routes.replies import add_reply_nav
    from salesmind.web.routes.scores import add_score_nav
    from salesmind.web.routes.sequences import add_sequences_nav
    from salesmind.web.routes.performance import add_performance_nav
    from salesmind.web.routes.territories import add_territories_nav

    app.include_router(web_router)
    add_score_nav(app)
    add_territories_nav(app)
    add_forecast_nav(app)
    add_customer_nav(app)
    add_calls_nav(app)
    add_deals_nav(app)
    add_coaching_nav(app)
    add_reply_nav(app)
    add_booking_nav(app)
    add_mail_nav(app)
    add_mailbox_nav(app)
    add_inbound_nav(app)
    add_sequences_nav(app)
    add_manager_nav(app)
    add_discounts_nav(app)
    add_content_nav(app)
    add_performance_nav(app)
    add_battlecards_nav(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _install_error_pages(app)


def _install_error_pages(app: FastAPI) -> None:
    previous = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.login_url, status_code=303)

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound) -> Response:
        return render(request, "not_found.html", 404, message=str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Pages get the 404 page; the API and static files keep their own (JSON) answers.
        path = request.url.path
        if exc.status_code == 404 and not path.startswith(("/api/", "/static/")):
            return render(request, "not_found.html", 404, message="There is no page at this address.")
        return await previous(request, exc)
