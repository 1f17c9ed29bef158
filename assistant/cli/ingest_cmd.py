"""`pmassist ingest PATH... [--project NAME] [--json]`."""

from __future__ import annotations

import time
from dataclasses import replace
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
    progress_bar,
    stderr,
    user_errors,
)
from assistant.quick_ingest import unchanged_ingest
from ingest.report import IngestReport

if TYPE_CHECKING:
    from assistant.settings import Settings


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (recursive).")],
    project: Annotated[
        str | None,
        typer.Option(help="Project of every file; default: first folder under PATH."),
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait if another ingest holds the workspace.")
    ] = 0.0,
    batch: Annotated[
        int, typer.Option(min=1, help="Chunks embedded and written per batch (memory bound).")
    ] = 5000,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Ingest PDF, DOCX, Markdown, TXT and HTML files into the workspace index.

    Re-running is incremental: unchanged files are skipped, changed files replace their
    chunks and files gone from a folder lose theirs.
    """
    configure_logging()
    settings = load_settings(workspace)
    started = time.monotonic()
    with user_errors():
        report = unchanged_ingest(settings, paths, wait=wait)
    if report is None:
        waited = time.monotonic() - started
        report = _full_ingest(settings, paths, project, max(0.0, wait - waited), batch,
                              quiet=json_output)  # fmt: skip
    if json_output:
        emit_json(report.to_dict())
    else:
        _print_summary(report)
    if report.nothing_read:
        raise typer.Exit(2)


def _full_ingest(
    settings: Settings,
    paths: list[Path],
    project: str | None,
    wait: float,
    batch: int,
    *,
    quiet: bool,
) -> IngestReport:
    # Deferred on purpose: the workspace service (drafts, python-docx, the record), numpy, the
    # pipeline and Chroma cost about half a second, which an unchanged folder never needs.
    from assistant.factory import ingest_config
    from assistant.workspace import Workspace

    config = replace(ingest_config(settings), write_batch=batch)
    with (
        user_errors(),
        progress_bar("ingest", quiet=quiet) as progress,
        Workspace(settings) as ws,
    ):
        return ws.ingest(paths, project=project, progress=progress, wait=wait, config=config)


def _print_summary(report: IngestReport) -> None:
    stderr.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"deleted {report.deleted}; {report.chunks} chunks written in {report.seconds:.1f} s",
        highlight=False,
    )
    for source, error in report.failed:
        stderr.print(f"[yellow]failed:[/yellow] {source}: {error}", highlight=False)
