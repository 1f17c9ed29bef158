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
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from assistant.settings import Settings
from assistant.workspace import Workspace
from ui.api.docs import install_offline_docs
from ui.api.documents import documents_router
from ui.api.projects import build_projects_router
from ui.api.routes import RiskApi, build_router, install_openapi
from ui.auth import ASGIApp, BodySizeLimit
from ui.guards import (
    LoginThrottle,
    RejectLoneSurrogates,
    SameOriginWrites,
    SecurityHeaders,
    UploadQuota,
)
from ui.risk_holder import RiskModelHolder
from ui.timeouts import with_deadlines
from ui.web.services import DocumentServices

log = logging.getLogger(__name__)


API_DESCRIPTION = """The pmassist CLI over HTTP: documents, cited answers, drafts, reports and
delay/overrun risk scoring.

**Security.** When `PMASSIST_API_KEY` is set every `/api/v1` route needs
`Authorization: Bearer <key>`; this page and `/api/openapi.json` stay readable without it (they
hold no data). Browsers may call the API only from the server's own pages (or from
`PMASSIST_SERVER__ALLOWED_ORIGINS`). **Text in answers is untrusted**: see `POST /api/v1/ask`.
"""

ASK_UNTRUSTED_TEXT = """
`answer` and every citation's `text` are **untrusted Markdown**: written by the LLM (which a
poisoned document can steer) or quoted from the documents. Never insert them into a page as
HTML. Show them as plain text, or render the Markdown with raw HTML disabled, images not
loaded (show the alt text: a remote image leaks what the reader reads) and links limited to
http(s) and mailto — what the web app does (`assistant/safe_markdown.py`).
"""


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
        description=API_DESCRIPTION,
        docs_url=None,  # served from local assets by install_offline_docs, never a CDN
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    workspace = Workspace(settings, risk_model=lambda: _model_or_none(holder))
    app.include_router(build_router(settings, risk, DocumentServices(workspace)))
    app.include_router(documents_router(settings, workspace, upload_dir(settings) / "outputs"))
    install_offline_docs(app)
    app.include_router(build_projects_router(settings, workspace))
    install_openapi(app, risk)
    _describe_untrusted_text(app)
    _add_guards(app, settings)
    if with_ui:
        _mount_ui(app, settings, holder, workspace)
    return app


def _add_guards(app: FastAPI, settings: Settings) -> None:
    """The HTTP guards of ui/guards.py, outermost last (Starlette wraps in reverse order)."""
    server = settings.server
    app.add_middleware(RejectLoneSurrogates)
    app.add_middleware(BodySizeLimit, max_bytes=int(server.max_upload_mb * 1024 * 1024))
    app.add_middleware(
        UploadQuota,
        folder=upload_dir(settings),
        max_bytes=int(server.max_uploads_total_mb * 1024 * 1024),
    )
    app.add_middleware(LoginThrottle)
    app.add_middleware(SameOriginWrites, allowed_origins=server.allowed_origins)
    # Our CORS policy replaces Gradio's, which lets any localhost page read answers with the
    # user's cookies: only the listed origins may (none by default; same-origin needs none).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=server.allowed_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.add_middleware(SecurityHeaders)


def _describe_untrusted_text(app: FastAPI) -> None:
    """Say in the OpenAPI description of /ask what clients must sanitise."""
    schema_of = app.openapi

    def openapi() -> dict[str, Any]:
        schema = schema_of()
        ask = schema.get("paths", {}).get("/api/v1/ask", {}).get("post")
        if ask is not None and ASK_UNTRUSTED_TEXT.strip() not in ask.get("description", ""):
            ask["description"] = (ask.get("description", "") + ASK_UNTRUSTED_TEXT).strip()
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


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
    app: FastAPI, settings: Settings, holder: RiskModelHolder, workspace: Workspace
) -> None:
    uploads = upload_dir(settings)
    uploads.mkdir(parents=True, exist_ok=True)
    # Gradio keeps uploads in GRADIO_TEMP_DIR; pointing it at the workspace keeps user files
    # (and the files it may serve back) in one folder the user chose.
    os.environ["GRADIO_TEMP_DIR"] = str(uploads)
    import gradio as gr

    from ui.web.app import CSS, build_blocks
    from ui.web.i18n import gradio_i18n

    blocks = build_blocks(settings, holder, workspace, uploads)
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
        # Gradio's own FastAPI schema (/openapi.json, /docs) would list its internal routes
        # without login; the documented API is ours, at /api/docs.
        app_kwargs={"openapi_url": None, "docs_url": None, "redoc_url": None},
    )


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Run the server until interrupted (binds settings.server.host, loopback by default)."""
    import uvicorn

    config = uvicorn_config(build_app(settings), settings, host=host, port=port)
    uvicorn.Server(config).run()


def uvicorn_config(
    app: ASGIApp, settings: Settings, *, host: str | None = None, port: int | None = None
) -> Any:
    """uvicorn's Config for `app`, with deadlines for half-sent requests (ui/timeouts.py)."""
    import uvicorn
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    return uvicorn.Config(
        app,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="warning",
        # Keep idle connections longer than clients and proxies do (httpx: 5 s), so the
        # server never closes one a client is about to reuse.
        timeout_keep_alive=30,
        http=with_deadlines(
            AutoHTTPProtocol,
            header_timeout=settings.server.header_timeout,
            read_timeout=settings.server.read_timeout,
        ),
    )


def create_app() -> FastAPI:
    """Factory for `uvicorn --factory ui.server:create_app` (settings from PMASSIST_*)."""
    return build_app(Settings())


def create_api_app() -> FastAPI:
    """The REST API alone, for `uvicorn --factory ui.server:create_api_app --workers N`."""
    return build_app(Settings(), with_ui=False)
