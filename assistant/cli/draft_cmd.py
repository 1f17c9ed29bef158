"""`pmassist draft KIND --project NAME ...` (KIND: a registered draft kind, e.g. weekly-report)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import app, choices_from
from assistant.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    configure_logging,
    emit_json,
    load_settings,
    user_errors,
)
from assistant.draft_kinds import draft_kind_names


class Language(StrEnum):
    zh = "zh"
    en = "en"


SinceOpt = Annotated[str | None, typer.Option("--since", help="First day included (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last day included (YYYY-MM-DD).")]
LangOpt = Annotated[
    Language | None,
    typer.Option("--lang", help="Language of the draft; default: the project's (project.toml)."),
]


@app.command(cls=choices_from(kind=draft_kind_names))
def draft(
    kind: Annotated[str, typer.Argument(help="What to draft.", show_default=False)],
    project: Annotated[str, typer.Option("--project", help="Project name (as ingested).")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    lang: LangOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write FILE.md or FILE.docx (atomically) instead of printing; an existing file "
            "is kept and the draft goes to FILE_2 (the path written is printed).",
        ),
    ] = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Draft one document of a registered kind (weekly report, requirements, risk register...).

    Offline the draft is extracted from the documents; with an LLM configured
    (PMASSIST_LLM__PROVIDER=openai) it is generated and validated, with citations either way.
    """
    configure_logging()
    settings = load_settings(workspace)
    with user_errors():
        from assistant.workspace import Workspace  # the core loads only for this command

        with Workspace(settings) as ws:
            result = ws.draft(
                kind, project, since=since, until=until, lang=lang.value if lang else None,
                outputs=[out] if out is not None else [],
            )  # fmt: skip
    if json_output:
        emit_json(result.to_json())
    elif result.files:
        typer.echo(str(result.files[0]))
    else:
        typer.echo(result.markdown, nl=False)
