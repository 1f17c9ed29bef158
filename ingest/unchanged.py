"""Whether an ingest of PATHs would change nothing, decided from the manifest alone.

The pipeline decides the same thing file by file (`ingest.files.check`: an `ok` row with the
same size and mtime is unchanged), but only after the command has imported numpy, the loaders
and the store. A re-ingest of an unchanged folder is the common case of a scheduled or
repeated `pmassist ingest`, so it is answered here, from a scan and one manifest query.

Anything else (a new, changed, failed, deleted or touched file, a missing PATH, rows left
`pending` or a run that did not finish cleanly) is not answered here: the pipeline runs, with
its recovery.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.discovery import Scan, scan
from ingest.manifest import OK, Manifest


def unchanged_files(paths: Sequence[Path], manifest: Manifest) -> int | None:
    """How many files the PATHs cover when none of them changed since the last run (and,
    for folders, none is gone); None when the pipeline has anything to do. The caller holds
    the workspace lock."""
    if manifest.pending() or not manifest.last_run_clean():
        return None  # recovery to do
    scans = _scans(paths)
    if scans is None:
        return None
    count = 0
    for found in scans:
        known = manifest.records(found.root)
        for candidate in found.files:
            old = known.get((found.root, candidate.source))
            if old is None or old.status != OK:
                return None
            try:
                stat = candidate.stat or candidate.path.stat()
            except OSError:
                return None  # gone since the scan: the pipeline reports it
            if (old.size, old.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                return None
        if found.whole_root and len(known) != len({c.source for c in found.files}):
            return None  # a file is gone (or a failed row waits for its file)
        count += len(found.files)
    return count


def _scans(paths: Sequence[Path]) -> list[Scan] | None:
    """The PATHs' scans, each folder once (as the pipeline counts them); None if one is
    missing (the pipeline reports it)."""
    scans: list[Scan] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            return None
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            scans.append(scan(path))
    return scans
