"""Typed data shared by ingestion, the vector store and retrieval."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DocType(StrEnum):
    REQUIREMENTS = "requirements"
    MEETING_NOTES = "meeting_notes"
    POSTMORTEM = "postmortem"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable passage of a document, with everything a citation needs."""

    id: str
    text: str
    source: str  # path relative to the ingested root, "/" separators
    project: str
    doc_type: str  # a DocType value
    page: int | None  # 1-based page for PDFs, else None
    date: str | None  # ISO date (YYYY-MM-DD) of the document, when known
    heading: str  # heading path, "Title > Section > Subsection"
    chunk_index: int  # position of the chunk within its file
    file_hash: str  # content hash of the file the chunk came from
    root: str = ""  # absolute folder it was ingested from: tells apart equal `source`s


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Restricts a search; None means "any"."""

    project: str | None = None
    doc_type: str | None = None
    date_from: str | None = None  # inclusive ISO date
    date_to: str | None = None  # inclusive ISO date

    @property
    def is_empty(self) -> bool:
        return not (self.project or self.doc_type or self.date_from or self.date_to)


@dataclass(frozen=True, slots=True)
class SearchHit:
    chunk: Chunk
    score: float
