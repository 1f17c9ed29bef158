"""Which files an ingest of PATH covers, and what each is called (its source)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES

# Metadata for drafts and the risk model (data/samples/<project>/project.toml), not a document.
_NOT_DOCUMENTS = frozenset({"project.toml"})


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path
    source: str  # relative to root, "/" separators


@dataclass(slots=True)
class Scan:
    """The files under one PATH. `whole_root` means files missing from `files` were deleted."""

    root: str
    files: list[Candidate] = field(default_factory=list)
    whole_root: bool = True


def scan(path: Path) -> Scan:
    """Files under a folder (recursive), or one file with its parent folder as root.

    Hidden files and folders, Office lock files (~$x.docx) and unsupported extensions are
    skipped; symlinks are never followed out of the root.
    """
    if path.is_file():
        root = path.resolve().parent if not path.is_symlink() else path.absolute().parent
        found = Scan(str(root), whole_root=False)
        found.files.append(Candidate(path, path.name))
        return found
    root = path.resolve()
    found = Scan(str(root))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            file = Path(dirpath) / name
            # Regular files only: reading a named pipe or device would block the ingest.
            if _wanted(name) and file.is_file() and _inside(file, root):
                found.files.append(Candidate(file, file.relative_to(root).as_posix()))
    return found


def _wanted(name: str) -> bool:
    return (
        not name.startswith((".", "~$"))
        and name not in _NOT_DOCUMENTS
        and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
    )


def _inside(file: Path, root: Path) -> bool:
    if not file.is_symlink():
        return True
    try:
        target = file.resolve(strict=True)
    except (OSError, RuntimeError):
        return False  # dangling or looping link
    return target.is_file() and target.is_relative_to(root)
