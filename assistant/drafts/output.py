"""Writing a rendered draft to disk atomically, never over an earlier draft.

The file is written to a temp file beside the target and then given its name, so a reader never
sees half a report and a failed write leaves nothing behind. A draft never replaces a file:
when the name is taken, it gets the first free `_2`, `_3`... suffix (os.link refuses an
existing name, so two writers cannot take the same one). Drafts written into a folder get a
dated name a PM can file: 周报_smart-gov-cloud_2026-04-10.docx.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from assistant.draft_kinds import kind_label
from assistant.drafts.models import Draft
from assistant.drafts.render_docx import render_docx
from assistant.drafts.render_markdown import render_markdown
from assistant.errors import AssistantError

FORMATS = ("md", "docx")
# How many `_N` suffixes to try before giving up on a name (a folder of a thousand drafts of
# the same kind, project and day is a mistake worth an error).
MAX_SUFFIX = 1000


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "markdown":
        return "md"
    if suffix not in FORMATS:
        raise AssistantError(f"Cannot write {path}: the file name must end in .md or .docx.")
    return suffix


def safe_name(text: str) -> str:
    """A file-name part: letters (any script), digits and -_. kept, anything else as _."""
    cleaned = re.sub(r"[^\w.-]", "_", re.sub(r"\s+", "-", text.strip()), flags=re.UNICODE)
    return cleaned.strip(".") or "draft"


def dated_name(draft: Draft, fmt: str, today: dt.date | None = None) -> str:
    """<kind in the draft's language>_<project>_<end of the period, else today>.<fmt>"""
    day = draft.until or (today or dt.date.today()).isoformat()
    label = kind_label(draft.kind, draft.lang)
    return f"{safe_name(label)}_{safe_name(draft.project)}_{day}.{fmt}"


def numbered(path: Path) -> list[Path]:
    """path, then path_2, path_3... (before the suffix): the names a new draft may take."""
    return [path] + [
        path.with_name(f"{path.stem}_{n}{path.suffix}") for n in range(2, MAX_SUFFIX + 1)
    ]


def atomic_write(path: Path, write: Callable[[BinaryIO], object], *, replace: bool = True) -> Path:
    """Write through a temp file; returns the path written. With replace=False an existing
    file is kept and the first free numbered name is used instead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, path)
            return path
        return _claim_free_name(Path(temp), path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _claim_free_name(temp: Path, path: Path) -> Path:
    for candidate in numbered(path):
        try:
            os.link(temp, candidate)  # fails when the name exists: never replaces a file
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: check, then rename
            if candidate.exists() or candidate.is_symlink():
                continue
            os.replace(temp, candidate)
        return candidate
    raise AssistantError(
        f"Cannot write {path}: {path.name} and {MAX_SUFFIX - 1} numbered copies exist. "
        "Choose another folder or move the old drafts away."
    )


def write_draft(draft: Draft, path: Path, markdown: str | None = None) -> Path:
    """Write `draft` as Markdown or DOCX, chosen by the file name's suffix; returns the path
    written, which is `path` or, when a file of that name exists, `path_2`, `path_3`..."""
    kind = format_of(path)
    try:
        if kind == "md":
            text = markdown if markdown is not None else render_markdown(draft)
            return atomic_write(
                path, lambda handle: handle.write(text.encode("utf-8")), replace=False
            )
        document = render_docx(draft)
        return atomic_write(path, document.save, replace=False)
    except OSError as exc:
        raise AssistantError(
            f"Cannot write {path}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc


def write_dated(
    draft: Draft, out_dir: Path, fmt: str, markdown: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """Write `draft` into `out_dir` under its dated name (numbered when taken)."""
    return write_draft(draft, out_dir / dated_name(draft, fmt, today), markdown)
