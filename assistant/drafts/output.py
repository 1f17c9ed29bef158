"""Writing a rendered draft to disk atomically: a temp file beside the target, then os.replace,
so a reader never sees half a report and a failed write leaves the old file in place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from assistant.drafts.models import Draft
from assistant.drafts.render_docx import render_docx
from assistant.drafts.render_markdown import render_markdown
from assistant.errors import AssistantError

FORMATS = ("md", "docx")


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "markdown":
        return "md"
    if suffix not in FORMATS:
        raise AssistantError(f"Cannot write {path}: the file name must end in .md or .docx.")
    return suffix


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_draft(draft: Draft, path: Path, markdown: str | None = None) -> Path:
    """Write `draft` as Markdown or DOCX, chosen by the file name's suffix."""
    kind = format_of(path)
    try:
        if kind == "md":
            text = markdown if markdown is not None else render_markdown(draft)
            atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
        else:
            document = render_docx(draft)
            atomic_write(path, document.save)
    except OSError as exc:
        raise AssistantError(
            f"Cannot write {path}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc
    return path
