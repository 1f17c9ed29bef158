"""Options and edge behaviour shared by every command: settings, JSON output, user errors."""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
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
    """Turn the errors a user can cause into a one-line message and exit code 2: the project's
    own, and a disk that is full, read-only or not ours to write (`storage_problem`)."""
    try:
        yield
    except USER_ERRORS as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        stderr.print(f"[red]error:[/red] {escape(problem)}", highlight=False, markup=True)
        raise typer.Exit(2) from None


_FIXES = {
    errno.ENOSPC: "the disk is full; free some space, or use a --workspace on another disk",
    errno.EDQUOT: "the disk quota is exceeded; free some space, or use another --workspace",
    errno.EROFS: "the file system is read-only; ingest into a writable --workspace (questions "
    "work on a read-only one)",
    errno.EACCES: "permission denied; make the workspace writable for this user, or use "
    "another --workspace",
    errno.EPERM: "operation not permitted; make the workspace writable for this user, or use "
    "another --workspace",
}
# SQLite (the manifest, and Chroma's own database) reports the same causes in words.
_SQLITE_CAUSES = {
    "database or disk is full": errno.ENOSPC,
    "attempt to write a readonly database": errno.EROFS,
    "unable to open database file": errno.EACCES,
}


def storage_problem(exc: BaseException) -> str | None:
    """What a failed write at the OS boundary means for the user, or None if it is not one.

    OSError carries an errno; sqlite3 and chromadb (whose Rust core wraps SQLite) only say it
    in their message, so those are matched by SQLite's own wording."""
    if isinstance(exc, OSError) and exc.errno in _FIXES:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot write{where}: {_FIXES[exc.errno]}."
    text = str(exc)
    for words, code in _SQLITE_CAUSES.items():
        if words in text and (isinstance(exc, sqlite3.Error) or _from_chromadb(exc)):
            return f"cannot write the index ({words}): {_FIXES[code]}."
    return None


def _from_chromadb(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "chromadb"


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
