"""`pmassist ask QUESTION [--project] [--type] [--since] [--until] [--k 5] [--json]`.

Imports of the core are deferred into the command so `pmassist --help` and other commands
do not pay for jieba, bm25s or Chroma.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
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

if TYPE_CHECKING:
    from assistant.answer import Answer


class DocTypeChoice(StrEnum):
    requirements = "requirements"
    meeting_notes = "meeting_notes"
    postmortem = "postmortem"


SinceOpt = Annotated[str | None, typer.Option(help="Only documents dated on or after YYYY-MM-DD.")]
UntilOpt = Annotated[str | None, typer.Option(help="Only documents dated on or before YYYY-MM-DD.")]


def _iso_date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD.", param_hint=flag
        ) from None


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in Chinese or English.")],
    project: Annotated[str | None, typer.Option(help="Only this project's documents.")] = None,
    doc_type: Annotated[
        DocTypeChoice | None, typer.Option("--type", help="Only this kind of document.")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Passages to cite.")] = 5,
    json_output: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logs.")] = False,
) -> None:
    """Answer a question from the ingested documents, with numbered citations."""
    configure_logging(verbose)
    where_kwargs = {
        "project": project,
        "doc_type": doc_type.value if doc_type else None,
        "date_from": _iso_date(since, "--since"),
        "date_to": _iso_date(until, "--until"),
    }
    settings = load_settings(workspace)
    with user_errors():
        from assistant.answer import answer
        from assistant.llm import chat_model_from_settings
        from assistant.retrieval import open_retriever
        from ingest.model import SearchFilter

        result = answer(
            question,
            retriever=open_retriever(settings),
            chat_model=chat_model_from_settings(settings.llm),
            k=k,
            where=SearchFilter(**where_kwargs),
            context_tokens=settings.llm.context_tokens,
        )
    if json_output:
        emit_json(result.model_dump(mode="json"))
    else:
        typer.echo(render_answer(result))


def render_answer(result: Answer) -> str:
    """The answer, then the numbered sources it cites."""
    lines = [result.answer, ""]
    if result.citations:
        lines.append("Sources:" if result.answer.isascii() else "来源：")
    for n, c in enumerate(result.citations, start=1):
        page = f", p. {c.page}" if c.page is not None else ""
        snippet = " ".join(c.text.split())
        snippet = snippet if len(snippet) <= 120 else snippet[:119] + "…"
        lines.append(f"[{n}] {c.source}{page}  ({c.project}, {c.doc_type})")
        lines.append(f"    {snippet}")
    return "\n".join(lines).rstrip()
