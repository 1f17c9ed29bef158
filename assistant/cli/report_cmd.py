"""`pmassist report --kind KIND (--project NAME ... | --all-projects) --out DIR ...`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.app import app, choices_from
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
from assistant.cli.draft_cmd import LangOpt, SinceOpt, UntilOpt
from assistant.draft_kinds import report_kind_names
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.reports import BatchResult


@app.command(cls=choices_from(kind=report_kind_names))
def report(
    kind: Annotated[
        str, typer.Option("--kind", help="Draft kind to generate, or portfolio (all projects).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files (created).")],
    project: Annotated[
        list[str] | None, typer.Option("--project", help="A project; repeat for several.")
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all-projects", help="Every ingested project.")
    ] = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    lang: LangOpt = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated formats: md, docx.")
    ] = "md",
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Generate one report kind for many projects: one dated file per project and format.

    DIR/周报_alpha_2026-03-15.md; an earlier file of that name is kept and the new one gets
    a _2, _3... suffix.

    A project that fails is listed with its error and the others still run; the exit status
    is 2 only when every project failed.
    """
    configure_logging()
    settings = load_settings(workspace)
    with user_errors():
        from assistant.reports import parse_formats
        from assistant.workspace import Workspace  # the core loads only for this command

        if bool(project) == all_projects:
            raise AssistantError("Give either --project NAME (repeatable) or --all-projects.")
        chosen_formats = parse_formats(formats)
        with Workspace(settings) as ws, progress_bar("report", quiet=json_output) as progress:
            ws.index()  # no index: say so once, not once per project
            result = ws.report(
                kind, [] if all_projects else list(project or []), out_dir=out,
                formats=chosen_formats, since=since, until=until,
                lang=lang.value if lang else None, progress=progress,
            )  # fmt: skip
    _show(result, json_output)
    if result.all_failed:
        raise typer.Exit(2)


def _show(result: BatchResult, as_json: bool) -> None:
    if as_json:
        emit_json(result.to_json())
        return
    for path in result.written:
        typer.echo(str(path))
    for failure in result.failed:
        stderr.print(f"[red]failed:[/red] {failure.project}: {failure.error}", highlight=False)
