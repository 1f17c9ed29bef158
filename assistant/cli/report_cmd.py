"""`pmassist report --kind KIND (--project NAME ... | --all-projects) --out DIR ...`."""

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
    progress_bar,
    stderr,
    user_errors,
)
from assistant.cli.draft_cmd import Kind, LangOpt, SinceOpt, UntilOpt, draft_deps
from assistant.errors import AssistantError

# The core loads inside the command: other commands stay fast to start.
if TYPE_CHECKING:
    from assistant.drafts.build import DraftDeps
    from assistant.reports import BatchResult


@app.command()
def report(
    kind: Annotated[Kind, typer.Option("--kind", help="Draft kind to generate.")],
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
    """Generate one report kind for many projects: DIR/<project>-<kind>.<format>.

    A project that fails is listed with its error and the others still run; the exit status
    is 2 only when every project failed.
    """
    from assistant.drafts.sources import known_projects
    from assistant.factory import open_index
    from assistant.reports import parse_formats

    configure_logging()
    settings = load_settings(workspace)
    with user_errors():
        if bool(project) == all_projects:
            raise AssistantError("Give either --project NAME (repeatable) or --all-projects.")
        chosen_formats = parse_formats(formats)
        index = open_index(settings)
        try:
            projects = known_projects(index.store) if all_projects else list(project or [])
            result = _run(
                kind.value, projects, draft_deps(settings, index), out, chosen_formats,
                since, until, lang.value if lang else None, quiet=json_output,
            )  # fmt: skip
        finally:
            index.close()
    _show(result, json_output)
    if result.all_failed:
        raise typer.Exit(2)


def _run(
    kind: str,
    projects: list[str],
    deps: DraftDeps,
    out: Path,
    formats: list[str],
    since: str | None,
    until: str | None,
    lang: str | None,
    *,
    quiet: bool,
) -> BatchResult:
    from assistant.reports import batch_report

    with progress_bar("report", quiet=quiet) as progress:
        return batch_report(
            kind, projects, deps, out, formats=formats, since=since, until=until, lang=lang,
            progress=progress,
        )  # fmt: skip


def _show(result: BatchResult, as_json: bool) -> None:
    if as_json:
        emit_json(result.to_json())
        return
    for path in result.written:
        typer.echo(str(path))
    for failure in result.failed:
        stderr.print(f"[red]failed:[/red] {failure.project}: {failure.error}", highlight=False)
