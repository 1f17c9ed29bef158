"""`pmassist demo`: prepare the sample workspace (ingest data/samples, train the risk model on
data/portfolio.csv if there is none yet), then serve the app and the API.

Both steps are incremental, so a second `demo` starts serving almost at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import app
from assistant.cli.common import WorkspaceOpt, configure_logging, load_settings, stderr, user_errors
from assistant.cli.serve_cmd import HostOpt, PortOpt, run_server, with_server_options
from assistant.settings import Settings, data_dir


def ingest_samples(settings: Settings, samples: Path) -> dict[str, object]:
    """Ingest the sample corpus (unchanged files are skipped by the manifest)."""
    from assistant.workspace import Workspace  # the core loads only for this command

    with Workspace(settings) as ws:
        return ws.ingest([samples], wait=30).to_dict()


def train_if_missing(settings: Settings, portfolio: Path) -> bool:
    """Train the risk model into settings.risk_model_dir unless a usable one is there (one
    written by another pmassist version is retrained); True if trained."""
    from ml.errors import ModelFileError
    from ml.persist import CARD_FILE, load_model
    from ml.service import train_to_dir

    model_dir = settings.risk_model_dir
    if (model_dir / CARD_FILE).is_file():
        try:
            load_model(model_dir)
            return False
        except ModelFileError as exc:
            stderr.print(f"[yellow]retraining:[/yellow] {exc}", highlight=False)
    train_to_dir(portfolio, None, model_dir)
    return True


def prepare_workspace(settings: Settings) -> None:
    samples, portfolio = data_dir() / "samples", data_dir() / "portfolio.csv"
    stderr.print(f"Workspace: {settings.workspace.resolve()}")
    summary = ingest_samples(settings, samples)
    stderr.print(
        f"Samples ingested: added {summary['added']}, updated {summary['updated']}, "
        f"unchanged {summary['unchanged']} ({summary['chunks']} chunks written)",
        highlight=False,
    )
    for failure in summary["failed"]:  # type: ignore[attr-defined]
        stderr.print(f"[yellow]failed:[/yellow] {failure['source']}: {failure['error']}")
    with stderr.status("Training the risk model on data/portfolio.csv ..."):
        trained = train_if_missing(settings, portfolio)
    stderr.print(
        f"Risk model {'trained' if trained else 'already present'}: {settings.risk_model_dir}"
    )


@app.command("demo")
def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Prepare the workspace, then stop.")
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Ingest data/samples, train the risk model on data/portfolio.csv, then serve."""
    configure_logging()
    settings = with_server_options(load_settings(workspace), host, port, None)
    with user_errors():
        prepare_workspace(settings)
    if not no_serve:
        run_server(settings)
