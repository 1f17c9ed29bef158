"""Options and edge behaviour shared by every command: settings, JSON output, user errors."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.errors import AssistantError
from assistant.settings import Settings
from ingest.errors import IngestError
from ml.errors import RiskModelError

USER_ERRORS: tuple[type[Exception], ...] = (AssistantError, IngestError, RiskModelError)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        help="Workspace folder (index, manifest, models). "
        "Default: $PMASSIST_WORKSPACE or .pmassist/",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

stderr = Console(stderr=True)


def load_settings(workspace: Path | None = None, **overrides: Any) -> Settings:
    """Settings from env/.env with the CLI's flags on top."""
    try:
        settings = Settings()
    except ValidationError as exc:
        stderr.print(f"[red]error:[/red] invalid configuration: {exc}")
        raise typer.Exit(2) from None
    update: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    if workspace is not None:
        update["workspace"] = workspace
    return settings.model_copy(update=update) if update else settings


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into a one-line message and exit code 2."""
    try:
        yield
    except USER_ERRORS as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, markup=True)
        raise typer.Exit(2) from None


def emit_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


class _Bar:
    """The core's progress protocol (start(total), advance(name)) drawn as a rich bar."""

    def __init__(self, bar: Progress, label: str) -> None:
        self.bar = bar
        self.task = bar.add_task(label, total=None)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def advance(self, name: str, width: int = 40) -> None:
        short = name if len(name) <= width else "…" + name[-(width - 1) :]
        self.bar.update(self.task, advance=1, description=short)


@contextmanager
def progress_bar(label: str, *, quiet: bool = False) -> Iterator[_Bar | None]:
    """A transient bar on stderr; None (no drawing) with --json or when stderr is no terminal."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=stderr, transient=True) as bar:
        yield _Bar(bar, label)
