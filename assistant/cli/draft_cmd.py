"""`pmassist draft {requirements|weekly-report|risk-list} --project NAME ...`."""

from __future__ import annotations

import logging
from enum import StrEnum
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

# The core loads inside the commands: `pmassist --help` and other commands stay fast.
if TYPE_CHECKING:
    from assistant.drafts.build import DraftDeps
    from assistant.drafts.risk_register import RiskScorer
    from assistant.factory import Index
    from assistant.settings import Settings

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    requirements = "requirements"
    weekly_report = "weekly-report"
    risk_list = "risk-list"


class Language(StrEnum):
    zh = "zh"
    en = "en"


SinceOpt = Annotated[str | None, typer.Option("--since", help="First day included (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last day included (YYYY-MM-DD).")]
LangOpt = Annotated[
    Language | None,
    typer.Option("--lang", help="Language of the draft; default: the project's (project.toml)."),
]


def draft_deps(settings: Settings, index: Index) -> DraftDeps:
    """The draft dependencies for one command run: store, chat model, risk model, roots."""
    from assistant.drafts.build import DraftDeps, roots_by_project
    from assistant.llm import chat_model_from_settings
    from assistant.retrieval import open_retriever

    return DraftDeps(
        store=index.store,
        chat_model=chat_model_from_settings(settings.llm),
        retriever=open_retriever(settings, index),
        risk_model=_risk_model(settings),
        roots=roots_by_project(index.manifest.records().values()),
    )


def _risk_model(settings: Settings) -> RiskScorer | None:
    """The trained risk model when the workspace has one; drafts work without it."""
    folder = settings.risk_model_dir
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    from ml.persist import load_model

    return load_model(folder)


@app.command()
def draft(
    kind: Annotated[Kind, typer.Argument(help="What to draft.")],
    project: Annotated[str, typer.Option("--project", help="Project name (as ingested).")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    lang: LangOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write FILE.md or FILE.docx (atomically) instead of printing."),
    ] = None,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Draft a weekly report, requirement document or risk register for one project.

    Offline the draft is extracted from the documents; with an LLM configured
    (PMASSIST_LLM__PROVIDER=openai) it is generated and validated, with citations either way.
    """
    from assistant.drafts.build import build_draft
    from assistant.drafts.output import format_of, write_draft
    from assistant.drafts.render_markdown import render_markdown
    from assistant.factory import open_index

    configure_logging()
    settings = load_settings(workspace)
    with user_errors():
        if out is not None:
            format_of(out)  # refuse a bad suffix before any work
        index = open_index(settings)
        try:
            result = build_draft(
                kind.value,
                project,
                draft_deps(settings, index),
                since=since,
                until=until,
                lang=lang.value if lang else None,
            )
            markdown = render_markdown(result)
            written = write_draft(result, out, markdown) if out is not None else None
        finally:
            index.close()
    if json_output:
        emit_json(result.to_json(markdown, str(written) if written else None))
    elif written is not None:
        typer.echo(str(written))
    else:
        typer.echo(markdown, nl=False)
