"""What a reader makes of one file (pages of text, front matter) and the bounds it reads
within. Shared by the dispatcher (loaders.py) and the office readers (office.py), which
import this module rather than each other."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ingest.errors import UnreadableFileError


@dataclass(frozen=True, slots=True)
class Page:
    number: int | None  # 1-based for PDFs, None for formats without pages
    text: str


@dataclass(slots=True)
class LoadedDocument:
    pages: list[Page]
    front_matter: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Bounds on the work one file may cause (time, pages, characters, unzipped bytes)."""

    timeout: float = 60.0
    max_pages: int = 2000
    max_chars: int = 5_000_000
    max_unzipped_mb: float = 300.0
    max_zip_ratio: float = 200.0


class Deadline:
    """Cooperative per-file time limit, checked between pages/blocks."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise UnreadableFileError(
                f"reading took longer than {self.seconds:g} s and was stopped; split the file "
                "or raise PMASSIST_INGEST__FILE_TIMEOUT"
            )
