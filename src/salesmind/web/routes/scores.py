"""Score pages: the rep's work queue, rescoring and feedback from record pages, and the model registry."""

from __future__ import annotations

from typing import Annotated, Any, Callable

from fastapi import APIRouter, FastAPI, Form, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from salesmind.core.errors import NotFound, SalesmindError
from salesmind.data.models import Role
from salesmind.scoring import views
from salesmind.web.deps import Page, PageDep, PageNotFound
from salesmind.web.nav import INSIGHTS, NavItem, add_nav_item
from salesmind.web.routes.records import SECTION_BY_KIND, record_url
from salesmind.web.score_charts import gains_chart, reliability_chart
from salesmind.web.score_panel import flash

MODEL_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
router = APIRouter()


def add_score_nav(app: FastAPI) -> None:
    """Put Queue (everyone) and Models (managers and admins) in the navigation bar."""
    add_nav_item(app, NavItem("Queue", "/queue"), before="Leads")
    add_nav_item(app, NavItem("Models", "/models", roles=MODEL_ROLES, group=INSIGHTS))


def _scoped(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None


@router.get("/queue", response_class=HTMLResponse)
def queue_page(page: PageDep, owner_id: int | None = Query(None, ge=1, le=2**31 - 1)) -> HTMLResponse:
    """Open leads, best score first, with grade and the top reasons; managers may pick a rep."""
    entries = _scoped(lambda: views.work_queue(page.session, page.scope, owner_id=owner_id, limit=100))
    owners = views.queue_owners(page.session, page.scope) if page.user.role in MODEL_ROLES else []
    return page.render("scores/queue.html", entries=entries, owners=owners, owner_id=owner_id)


def _rescore_route(kind: str) -> Callable[..., RedirectResponse]:
    def rescore(page: PageDep, record_id: int) -> RedirectResponse:
        page.record(kind, record_id)
        settings = page.request.app.state.settings
        try:
            made = views.rescore(page.session, page.scope, kind, [record_id],
                                 now=page.request.app.state.clock.now(), models_dir=settings.models_dir)
            flash(page, "ok", f"Rescored: {made[0].score:.0f} ({made[0].grade}).")
        except SalesmindError as exc:
            flash(page, "error", str(exc))
        return RedirectResponse(f"{record_url(kind, record_id)}#score", status_code=303)

    rescore.__name__ = f"rescore_{kind}"
    return rescore


for _kind in views.SCORED_KINDS:
    router.add_api_route(f"{SECTION_BY_KIND[_kind].path}/{{record_id:int}}/rescore", _rescore_route(_kind),
                         methods=["POST"])


@router.post("/predictions/{prediction_id:int}/feedback")
def feedback_form(page: PageDep, prediction_id: int, verdict: Annotated[str, Form()] = "",
                  override_score: Annotated[str, Form()] = "", reason: Annotated[str, Form(max_length=2000)] = ""
                  ) -> RedirectResponse:
    """Store a rep's verdict from the score panel and go back to the record."""
    prediction = _scoped(lambda: views.prediction_in_scope(page.session, page.scope, prediction_id))
    try:
        score = float(override_score) if override_score.strip() else None
        views.give_feedback(page.session, page.scope, page.user, prediction_id, verdict,
                            override_score=score, reason=reason)
        flash(page, "ok", "Thanks: your feedback is stored with this score.")
    except ValueError:
        flash(page, "error", f"override score {override_score!r} is not a number between 0 and 100")
    except SalesmindError as exc:
        flash(page, "error", str(exc))
    return RedirectResponse(f"{record_url(prediction.entity_type, prediction.entity_id)}#score", status_code=303)


def _manager(page: Page) -> None:
    if page.user.role not in MODEL_ROLES:
        raise PageNotFound("The model pages are for managers and admins.")


@router.get("/models", response_class=HTMLResponse)
def models_page(page: PageDep) -> HTMLResponse:
    """The registry: every model version with its held-out metrics against the baselines."""
    _manager(page)
    versions = views.list_versions(page.session)
    return page.render("scores/models.html", versions=versions,
                       summaries={v.id: views.main_and_best_baseline(v) for v in versions})


@router.get("/models/{model_id:int}", response_class=HTMLResponse)
def model_page(page: PageDep, model_id: int) -> HTMLResponse:
    """One version: metrics against baselines, reliability, gains, drivers, warnings and rep feedback."""
    _manager(page)
    version = _scoped(lambda: views.get_model(page.session, model_id))
    try:
        views.model_report_path(version, page.request.app.state.settings.models_dir)
        has_report = True
    except NotFound:
        has_report = False
    return page.render("scores/model.html", version=version, rows=views.headline_metrics(version),
                       reliability=reliability_chart(version.metrics), gains=gains_chart(version.metrics),
                       feedback=views.feedback_summary(page.session, version), has_report=has_report)


@router.get("/models/{model_id:int}/report")
def model_report(page: PageDep, model_id: int) -> FileResponse:
    """The full HTML evaluation report saved with the model (only from inside the models folder)."""
    _manager(page)
    version = _scoped(lambda: views.get_model(page.session, model_id))
    path = _scoped(lambda: views.model_report_path(version, page.request.app.state.settings.models_dir))
    return FileResponse(path, media_type="text/html")
