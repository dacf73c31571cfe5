"""The interactive API docs, served with the Swagger UI files a package ships (no CDN)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/api/docs"
ASSETS_URL = "/api/docs/assets"


def mount_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/api/docs`` from the ``swagger-ui-bundle-v2`` package's own files."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(ASSETS_URL, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/api/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        )
