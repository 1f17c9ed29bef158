"""One file's outcome: unchanged, failed with a reason, or its record, chunks (and vectors).

Shared by the ingest run (`ingest.pipeline`) and the worker process that prepares files ahead
of it (`ingest.file_worker`), so both produce the same chunks and ids for the same bytes.
Steps: `check` (stat only, in the run), `read` (bytes, hash, parse), `finish` (metadata,
chunks), `embed_chunks` (vectors, when the embedder may run in the worker).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

import numpy as np

from ingest.chunking import split_document
from ingest.discovery import Candidate
from ingest.errors import UnreadableFileError
from ingest.loaders import LoadedDocument, LoadLimits, load_document
from ingest.manifest import FAILED, OK, DocumentRecord
from ingest.metadata import date_of, doc_type_of, project_of
from ingest.model import Chunk
from ingest.ports import Embedder
from ingest.reader_process import ISOLATED_SUFFIXES


@dataclass(frozen=True, slots=True)
class FileRules:
    """What turning a file into chunks depends on (sent once to the worker process)."""

    project: str | None
    chunk_size: int
    chunk_overlap: int
    max_file_mb: float
    limits: LoadLimits


@dataclass(slots=True)
class FileResult:
    record: DocumentRecord
    chunks: list[Chunk]
    had_row: bool
    was_ok: bool
    vectors: np.ndarray | None = None  # one row per chunk, when embedded already


@dataclass(frozen=True, slots=True)
class FileJob:
    """A new or changed (by size or mtime) file: its content decides what happens."""

    base: DocumentRecord  # root, source, size, mtime_ns
    path: Path
    old_hash: str | None  # content hash of the version indexed now, if it is `ok`
    had_row: bool


@dataclass(slots=True)
class ToRead:
    """A file whose bytes are in memory, waiting to be parsed."""

    base: DocumentRecord
    data: bytes
    file_hash: str
    had_row: bool
    was_ok: bool


Outcome = (
    FileResult | tuple[int, int] | None
)  # a result, (size, mtime) if only the mtime changed, or unchanged


def check(
    root: str, candidate: Candidate, old: DocumentRecord | None, rules: FileRules
) -> Outcome | FileJob:
    """Unchanged (None) by size and mtime, a failure (gone, too big), or a job to read."""
    had_row, was_ok = old is not None, old is not None and old.status == OK
    try:
        stat = candidate.stat or candidate.path.stat()
    except OSError as exc:  # gone or unreadable since the folder was scanned
        base = DocumentRecord(root, candidate.source)
        return failed(base, f"cannot be read: {exc.strerror or exc}", had_row, was_ok)
    size, mtime = stat.st_size, stat.st_mtime_ns
    if was_ok and old and (old.size, old.mtime_ns) == (size, mtime):
        return None
    base = DocumentRecord(root, candidate.source, size=size, mtime_ns=mtime)
    if size > rules.max_file_mb * 1024 * 1024:
        error = (
            f"file is {size / 2**20:.1f} MB, over the {rules.max_file_mb:g} MB limit; split "
            "it or raise PMASSIST_INGEST__MAX_FILE_MB"
        )
        return failed(base, error, had_row, was_ok)
    old_hash = old.file_hash if was_ok and old else None
    return FileJob(base, candidate.path, old_hash, had_row)


def read(job: FileJob, rules: FileRules, *, isolate: bool) -> Outcome | ToRead:
    """The file's outcome; with `isolate`, PDF/DOCX bytes are returned unparsed (ToRead)."""
    base, was_ok = job.base, job.old_hash is not None
    try:
        data = job.path.read_bytes()
    except OSError as exc:
        return failed(base, f"cannot be read: {exc.strerror or exc}", job.had_row, was_ok)
    file_hash = hashlib.blake2b(data, digest_size=16).hexdigest()
    if file_hash == job.old_hash:
        return base.size, base.mtime_ns
    to_read = ToRead(base, data, file_hash, job.had_row, was_ok)
    if isolate and PurePath(base.source).suffix.lower() in ISOLATED_SUFFIXES:
        return to_read
    try:
        document = load_document(PurePath(base.source), data, rules.limits)
    except UnreadableFileError as exc:
        return failed(base, str(exc), job.had_row, was_ok)
    return finish(to_read, document, rules)


def failed(base: DocumentRecord, error: str, had_row: bool, was_ok: bool) -> FileResult:
    record = DocumentRecord(base.root, base.source, size=base.size, mtime_ns=base.mtime_ns,
                            status=FAILED, error=error)  # fmt: skip
    return FileResult(record, [], had_row, was_ok)


def finish(read: ToRead, document: LoadedDocument, rules: FileRules) -> FileResult:
    """The parsed file's record and chunks (a failure if it has no text)."""
    try:
        chunks, record = _chunks(read.base, document, read.file_hash, rules)
    except UnreadableFileError as exc:
        return failed(read.base, str(exc), read.had_row, read.was_ok)
    return FileResult(record, chunks, read.had_row, read.was_ok)


def _chunks(
    base: DocumentRecord, document: LoadedDocument, file_hash: str, rules: FileRules
) -> tuple[list[Chunk], DocumentRecord]:
    head = document.pages[0].text if document.pages else ""
    meta = document.front_matter
    record = DocumentRecord(
        root=base.root,
        source=base.source,
        project=project_of(base.source, meta, rules.project),
        doc_type=doc_type_of(base.source, meta, head),
        date=date_of(base.source, meta, head),
        size=base.size,
        mtime_ns=base.mtime_ns,
        file_hash=file_hash,
    )
    pieces = split_document(
        document.pages, chunk_size=rules.chunk_size, chunk_overlap=rules.chunk_overlap
    )
    if not pieces:
        raise UnreadableFileError("no readable text found")
    chunks = [
        Chunk(
            id=chunk_id(base.root, base.source, file_hash, index),
            text=piece.text,
            source=base.source,
            project=record.project,
            doc_type=record.doc_type,
            page=piece.page,
            date=record.date,
            heading=piece.heading,
            chunk_index=index,
            file_hash=file_hash,
            root=base.root,
        )
        for index, piece in enumerate(pieces)
    ]
    return chunks, replace(record, chunks=len(chunks))


def chunk_id(root: str, source: str, file_hash: str, index: int) -> str:
    """Deterministic: re-writing the same file version upserts the same ids."""
    key = f"{root}\x00{source}\x00{file_hash}\x00{index}".encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def embedding_text(chunk: Chunk) -> str:
    """What is embedded: the heading path gives a passage its document context."""
    return f"{chunk.heading}\n{chunk.text}" if chunk.heading else chunk.text


def embed_chunks(chunks: list[Chunk], embedder: Embedder, batch: int) -> np.ndarray:
    texts = [embedding_text(c) for c in chunks]
    parts = [embedder.embed_batch(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), "float32")
