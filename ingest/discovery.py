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
    stat: os.stat_result | None = None  # taken while scanning, when the listing gave it


@dataclass(slots=True)
class Scan:
    """The files under one PATH. `whole_root` means files missing from `files` were deleted."""

    root: str
    files: list[Candidate] = field(default_factory=list)
    whole_root: bool = True


def scan(path: Path) -> Scan:
    """Files under a folder (recursive), or one file with its parent folder as root.

    Hidden files and folders, Office lock files (~$x.docx) and unsupported extensions are
    skipped; symlinks are never followed out of the root. Files come in sorted order, a
    folder's files before its subfolders'.
    """
    if path.is_file():
        root = path.resolve().parent if not path.is_symlink() else path.absolute().parent
        found = Scan(str(root), whole_root=False)
        found.files.append(Candidate(path, path.name))
        return found
    root = path.resolve()
    found = Scan(str(root))
    _scan_folder(str(root), root, len(str(root).rstrip(os.sep)) + 1, found.files)
    return found


def _scan_folder(folder: str, root: Path, cut: int, files: list[Candidate]) -> None:
    # os.scandir, not os.walk + Path.is_file: its entries know their type without a stat
    # per file, and the one stat taken is kept (an unchanged re-ingest is mostly this).
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # unreadable folder: skipped, as os.walk did
        return
    folders = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    folders.append(entry.path)
                continue
            # Regular files only: reading a named pipe or device would block the ingest.
            if not (_wanted(entry.name) and entry.is_file()):
                continue
            file = Path(entry.path)
            if entry.is_symlink() and not _inside(file, root):
                continue
            source = entry.path[cut:].replace(os.sep, "/")
            files.append(Candidate(file, source, entry.stat()))
        except OSError:  # vanished or unreadable while listing: not a candidate
            continue
    for sub in folders:
        _scan_folder(sub, root, cut, files)


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
