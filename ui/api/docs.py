"""Swagger UI at /api/docs and ReDoc at /api/redoc, from assets installed with the project.

FastAPI's own pages load Swagger UI, ReDoc and Google Fonts from CDNs, which most users'
machines cannot reach: the page stays blank. The `fastapi-offline` package ships the same
JavaScript and CSS in the wheel; we serve its files and nothing else from /api/docs-assets.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/api/docs-assets"
# The pages may load nothing from elsewhere: ReDoc's footer links a logo on its CDN, which the
# browser then does not even request.
LOCAL_ONLY = "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"


def install_offline_docs(
    app: FastAPI, *, docs_url: str = "/api/docs", redoc_url: str = "/api/redoc"
) -> None:
    """Add the two documentation pages and their assets to `app` (outside the API key)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/api/openapi.json"

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _local_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} — Swagger UI",
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            )
        )

    @app.get(redoc_url, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} — ReDoc",
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = LOCAL_ONLY
    return page
