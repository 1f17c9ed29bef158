"""`pmassist serve`: the Gradio app at / and the REST API under /api/v1, one process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import app
from assistant.cli.common import WorkspaceOpt, configure_logging, load_settings, stderr
from assistant.settings import Settings

HostOpt = Annotated[
    str | None,
    typer.Option("--host", help="Bind address (default 127.0.0.1; anything else is public)."),
]
PortOpt = Annotated[int | None, typer.Option("--port", help="HTTP port (default 7860).")]


def announce(settings: Settings) -> None:
    """Tell the user where the app and the API docs are (stderr: stdout stays clean)."""
    host = settings.server.host
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{settings.server.port}"
    stderr.print(f"App:      {base}/")
    stderr.print(f"API docs: {base}/api/docs")
    if settings.api_key is None and host not in ("127.0.0.1", "localhost", "::1"):
        stderr.print("[yellow]warning:[/yellow] serving beyond loopback without PMASSIST_API_KEY")


def run_server(settings: Settings) -> None:
    from ui.server import serve  # gradio/fastapi load only when serving

    announce(settings)
    serve(settings)


def with_server_options(
    settings: Settings, host: str | None, port: int | None, model: Path | None
) -> Settings:
    server = settings.server.model_copy(
        update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    )
    update: dict[str, object] = {"server": server}
    if model is not None:
        update["model_dir"] = model
    return settings.model_copy(update=update)


@app.command("serve")
def serve_command(
    host: HostOpt = None,
    port: PortOpt = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Risk model directory (default <workspace>/models/risk)."),
    ] = None,
    workspace: WorkspaceOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Serve the web app and the REST API (127.0.0.1:7860 by default)."""
    configure_logging(verbose)
    settings = with_server_options(load_settings(workspace), host, port, model)
    run_server(settings)
