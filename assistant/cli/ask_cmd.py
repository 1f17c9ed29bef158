"""`pmassist ask QUESTION [--project] [--type] [--since] [--until] [--k 5] [--json]`.

The workspace (and with it jieba, bm25s and Chroma) loads inside the command, so
`pmassist --help` and other commands do not pay for it.
"""

from __future__ import annotations

from datetime import date
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
from ingest.model import DocType

if TYPE_CHECKING:
    from assistant.answer import Answer


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
        DocType | None, typer.Option("--type", help="Only this kind of document.")
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
    date_from, date_to = _iso_date(since, "--since"), _iso_date(until, "--until")
    settings = load_settings(workspace)
    with user_errors():
        from assistant.workspace import Workspace  # the core loads only for this command

        with Workspace(settings) as ws:
            result = ws.ask(
                question, project=project, doc_type=doc_type.value if doc_type else None,
                since=date_from, until=date_to, k=k,
            )  # fmt: skip
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
