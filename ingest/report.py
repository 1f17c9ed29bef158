"""What an ingest run reports (`ingest --json`) and the progress it draws through.

Apart from the pipeline so that a command can answer an ingest that changes nothing
(`ingest.unchanged`) without importing numpy, the loaders or the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class IngestProgress(Protocol):
    """What the CLI's progress bar needs; ingest never draws anything itself."""

    def start(self, total: int) -> None: ...

    def advance(self, source: str) -> None: ...


@dataclass(slots=True)
class IngestReport:
    """What one run did; `to_dict()` is the `ingest --json` document of CONTRACT.md.

    `chunks` counts the chunks written by this run (0 when nothing changed); a file listed in
    `failed` has no chunks in the index, even if an older version of it had.
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0  # chunks written by this run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    seconds: float = 0.0
    files: int = 0  # files considered (not in the JSON)
    missing_paths: int = 0

    @property
    def nothing_read(self) -> bool:
        """True when there were files and all failed, or when no given path exists."""
        failed_files = len(self.failed) - self.missing_paths
        all_missing = self.files == 0 and self.missing_paths > 0
        return all_missing or (self.files > 0 and failed_files >= self.files)

    def to_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "chunks": self.chunks,
            "failed": [{"source": s, "error": e} for s, e in self.failed],
            "seconds": round(self.seconds, 3),
        }
