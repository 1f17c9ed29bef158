"""One process serving the Gradio app at / and the REST API under /api/v1.

`build_app(settings)` assembles everything from settings (nothing is opened at import time);
`serve(settings)` runs it with uvicorn. The API keeps no per-process session state, so it can
run as several workers behind a proxy (the Gradio app keeps per-browser queues, so it stays a
single process): `PMASSIST_WORKSPACE=... uvicorn --factory ui.server:create_api_app --workers 4`.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from assistant.settings import Settings
from ui.api import RiskApi, build_router, install_openapi
from ui.api_projects import build_projects_router
from ui.auth import BodySizeLimit
from ui.risk_holder import RiskModelHolder
from ui.services import DocumentServices

log = logging.getLogger(__name__)


def upload_dir(settings: Settings) -> Path:
    """The only folder the browser can read files from: uploads and generated downloads."""
    return (settings.workspace / "uploads").resolve()


def build_app(settings: Settings, *, with_ui: bool = True) -> FastAPI:
    """The FastAPI app with the API routes and, unless `with_ui` is False, the Gradio app."""
    holder = RiskModelHolder(settings.risk_model_dir)
    if holder.optional() is None:  # load once at start; later requests reuse it
        log.warning("no risk model in %s yet; risk routes answer 503", settings.risk_model_dir)
    risk = RiskApi(holder, settings.server.max_batch_rows)
    app = FastAPI(
        title="pmassist API",
        version="1",
        description="Risk scoring and cited answers over a project-document index.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    docs = DocumentServices(settings, risk_model=lambda: _model_or_none(holder))
    app.include_router(build_router(settings, risk, docs))
    app.include_router(build_projects_router(settings, docs))
    install_openapi(app, risk)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=int(settings.server.max_upload_mb * 1024 * 1024),
    )
    if with_ui:
        _mount_ui(app, settings, holder, docs)
    return app


def _ui_login(settings: Settings) -> Callable[[str, str], bool] | None:
    """With PMASSIST_API_KEY set, the web app asks for it too (as the password): otherwise
    the UI would reach everything the key protects in the API."""
    if settings.api_key is None:
        return None
    expected = settings.api_key.get_secret_value().encode()

    def check(_user: str, password: str) -> bool:
        return hmac.compare_digest(password.encode(), expected)

    return check


def _model_or_none(holder: RiskModelHolder) -> object | None:
    loaded = holder.optional()
    return loaded.model if loaded else None


def _mount_ui(
    app: FastAPI, settings: Settings, holder: RiskModelHolder, docs: DocumentServices
) -> None:
    uploads = upload_dir(settings)
    uploads.mkdir(parents=True, exist_ok=True)
    # Gradio keeps uploads in GRADIO_TEMP_DIR; pointing it at the workspace keeps user files
    # (and the files it may serve back) in one folder the user chose.
    os.environ["GRADIO_TEMP_DIR"] = str(uploads)
    import gradio as gr

    from ui.app import CSS, build_blocks
    from ui.i18n import gradio_i18n

    blocks = build_blocks(settings, holder, docs, uploads)
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=_ui_login(settings),
        auth_message="pmassist: sign in with any user name and the API key as the password.",
        server_name=settings.server.host,
        server_port=settings.server.port,
        allowed_paths=[str(uploads)],
        max_file_size=int(settings.server.max_upload_mb * 1024 * 1024),
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        i18n=gradio_i18n(),
        css=CSS,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"]),
    )


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Run the server until interrupted (binds settings.server.host, loopback by default)."""
    import uvicorn

    app = build_app(settings)
    uvicorn.run(
        app,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="warning",
        # Keep idle connections longer than clients and proxies do (httpx: 5 s), so the
        # server never closes one a client is about to reuse.
        timeout_keep_alive=30,
    )


def create_app() -> FastAPI:
    """Factory for `uvicorn --factory ui.server:create_app` (settings from PMASSIST_*)."""
    return build_app(Settings())


def create_api_app() -> FastAPI:
    """The REST API alone, for `uvicorn --factory ui.server:create_api_app --workers N`."""
    return build_app(Settings(), with_ui=False)
