"""`pmassist status --project NAME [--as-of YYYY-MM-DD] [--json]`."""

from __future__ import annotations

from typing import Annotated

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


@app.command()
def status(
    project: Annotated[str, typer.Option("--project", help="Project name (as ingested).")],
    as_of: AsOfOpt = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """The project's state as its documents tell it: progress, milestones, open and overdue
    counts, and a health (green/amber/red) with the reasons."""
    from assistant.workspace import Workspace

    configure_logging()
    settings = load_settings(workspace)
    with user_errors(), Workspace(settings) as service:
        found = service.status(project, as_of=as_of)
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
        shown = {k: "—" if m[k] is None else m[k] for k in ("planned", "forecast", "actual")}
        slip = "" if m["slip_days"] is None else f", slip {m['slip_days']} d"
        typer.echo(f"milestone {m['id'] or '-'} {m['name']}: planned {shown['planned']}, "
                   f"forecast {shown['forecast']}, actual {shown['actual']}{slip}")
    if found.risk:
        typer.echo("risk " + ", ".join(f"{k} {v:.2f}" for k, v in found.risk.items()))
    typer.echo("counts " + ", ".join(f"{k} {v}" for k, v in document["counts"].items()))
