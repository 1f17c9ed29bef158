"""`pmassist status --project NAME [--as-of YYYY-MM-DD] [--json]`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.app import app
from assistant.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    configure_logging,
    emit_json,
    load_settings,
    user_errors,
)
from assistant.cli.register_cmd import AsOfOpt

if TYPE_CHECKING:
    from assistant.record.workspace import RiskScorer


def _risk_model(folder: Path) -> RiskScorer | None:
    """The trained risk model when the workspace has one; the status works without it."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    from ml.persist import load_model

    return load_model(folder)


@app.command()
def status(
    project: Annotated[str, typer.Option("--project", help="Project name (as ingested).")],
    as_of: AsOfOpt = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """The project's state as its documents tell it: progress, milestones, open and overdue
    counts, and a health (green/amber/red) with the reasons."""
    from assistant.factory import open_index
    from assistant.llm import chat_model_from_settings
    from assistant.record.workspace import status_of_project

    configure_logging()
    settings = load_settings(workspace)
    with user_errors():
        index = open_index(settings)
        try:
            found = status_of_project(
                settings, index.manifest, index.store, project, as_of=as_of,
                risk_model=_risk_model(settings.risk_model_dir),
                chat_model=chat_model_from_settings(settings.llm),
            )  # fmt: skip
        finally:
            index.close()
    document = found.to_json()
    if json_output:
        emit_json(document)
        return
    typer.echo(f"{project} as of {found.as_of}: {found.health}")
    for reason in found.health_reasons:
        typer.echo(f"  - {reason}")
    progress = found.progress
    if progress.date:
        typer.echo(
            f"progress {progress.percent}% (planned {progress.planned_percent}%), "
            f"SPI {progress.spi}, CPI {progress.cpi} — {progress.date} {progress.source}"
        )
    for m in document["milestones"]:
        typer.echo(f"milestone {m['id'] or '-'} {m['name']}: planned {m['planned']}, "
                   f"forecast {m['forecast']}, actual {m['actual']}, slip {m['slip_days']}")
    if found.risk:
        typer.echo("risk " + ", ".join(f"{k} {v:.2f}" for k, v in found.risk.items()))
    typer.echo("counts " + ", ".join(f"{k} {v}" for k, v in document["counts"].items()))
