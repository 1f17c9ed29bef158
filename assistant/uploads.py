"""Names that uploads bring: a project name that becomes a folder, file names that must not
choose a folder, and suffixes pmassist can read. Checked before anything is stored."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import AssistantError
from ingest.loaders import SUPPORTED_SUFFIXES

# Usable as a folder name on every system: no separators, reserved or control characters, and
# at least one character that is not a dot or a space (so never "." or "..").
_NAME_CHAR = r'[^/\\:*?"<>|\x00-\x1f]'
PROJECT_NAME_PATTERN = rf"^{_NAME_CHAR}*[^/\\:*?\"<>|\x00-\x1f\s.]{_NAME_CHAR}*$"


def checked_project_name(name: str) -> str:
    """A project name usable as a folder name (uploads are stored per project)."""
    if not re.fullmatch(PROJECT_NAME_PATTERN, name):
        raise AssistantError(
            f"Project name {name!r} cannot be used as a folder name; use letters, digits, "
            "CJK characters, '-' or '_'."
        )
    return name.strip()


def check_upload_names(names: Sequence[str]) -> None:
    """Refuse files pmassist cannot read before anything is stored."""
    refused = [n for n in names if Path(n).suffix.lower() not in SUPPORTED_SUFFIXES]
    if refused:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise AssistantError(
            f"Cannot ingest {', '.join(refused)}: upload {kinds} files (convert others first)."
        )


def upload_name(name: str) -> str:
    """The file name part only: an upload never chooses a folder."""
    base = Path(name.replace("\\", "/")).name
    if base in ("", ".", ".."):
        raise AssistantError(f"Uploaded file name {name!r} cannot be used; rename the file.")
    return base
