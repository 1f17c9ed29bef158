"""Ingest files into the index: scan, load, chunk, embed, write — incrementally and safely.

Write protocol per batch of files (crash-safe at every step):
  1. manifest: mark the batch `pending` (one transaction);
  2. store: delete the old chunks of those files, then upsert the new ones (ids are
     deterministic, so a repeated write never duplicates);
  3. manifest: save the batch as `ok`/`failed` with chunk counts (one transaction).
Every run starts by cleaning pending rows (their chunks are deleted; the file is processed
again), and after an unclean previous run also checks the store against the manifest.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Protocol

import numpy as np

from ingest.chunking import split_document
from ingest.discovery import Candidate, Scan, scan
from ingest.errors import UnreadableFileError
from ingest.loaders import LoadedDocument, LoadLimits, load_document
from ingest.manifest import FAILED, OK, DocumentRecord, Manifest
from ingest.metadata import date_of, doc_type_of, project_of
from ingest.model import Chunk
from ingest.ports import Embedder, VectorStore
from ingest.reader_process import ISOLATED_SUFFIXES, ReaderThread
from ingest.recovery import crash_point, recover

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """How documents are split and bounded; built from Settings.ingest by the factory."""

    chunk_size: int = 600
    chunk_overlap: int = 80
    max_file_mb: float = 50.0
    file_timeout: float = 60.0
    max_pages: int = 2000
    max_chars: int = 5_000_000
    write_batch: int = 5000  # chunks embedded and written per store call (Chroma max: 5,461)
    embed_batch: int = 256
    rebuild_hint: str = "delete the workspace's chroma folder, then ingest again"


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


@dataclass(slots=True)
class _FileResult:
    record: DocumentRecord
    chunks: list[Chunk]
    had_row: bool
    was_ok: bool


def ingest_paths(
    paths: Sequence[Path],
    *,
    project: str | None = None,
    store: VectorStore,
    embedder: Embedder,
    manifest: Manifest,
    config: IngestConfig | None = None,
    progress: IngestProgress | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively). The caller holds the workspace lock."""
    config = config or IngestConfig()
    started = time.monotonic()
    report = IngestReport()
    manifest.check_embedder(embedder.id, config.rebuild_hint)
    recover(store, manifest)
    manifest.set_running(True)
    scans: list[Scan] = []
    seen: set[Path] = set()
    for path in paths:
        key = path.resolve() if path.exists() else path
        if key in seen:  # the same folder twice would count its files twice
            continue
        seen.add(key)
        if not path.exists():
            report.failed.append((str(path), "no such file or folder"))
            report.missing_paths += 1
        else:
            scans.append(scan(path))
    report.files = sum(len(s.files) for s in scans)
    if progress:
        progress.start(report.files)
    writer = _BatchWriter(store, embedder, manifest, config, report)
    with ReaderThread() as reader:
        run = _Run(project, manifest, config, writer, reader, progress)
        for found in scans:
            _ingest_scan(found, run)
    writer.flush()
    manifest.set_running(False)
    report.seconds = time.monotonic() - started
    return report


@dataclass(slots=True)
class _Run:
    """What every file of one ingest run shares."""

    project: str | None
    manifest: Manifest
    config: IngestConfig
    writer: _BatchWriter
    reader: ReaderThread
    progress: IngestProgress | None

    @property
    def limits(self) -> LoadLimits:
        config = self.config
        return LoadLimits(config.file_timeout, config.max_pages, config.max_chars)


@dataclass(slots=True)
class _ToRead:
    """A new or changed file whose bytes are in memory, waiting to be parsed."""

    base: DocumentRecord
    data: bytes
    file_hash: str
    had_row: bool
    was_ok: bool


_Outcome = _FileResult | tuple[int, int] | None  # see _prepare
_Prepared = _Outcome | _ToRead


def _ingest_scan(found: Scan, run: _Run) -> None:
    known = run.manifest.records(found.root)
    report = run.writer.report
    ahead = _ReadAhead(found, known, run)
    for index, candidate in enumerate(found.files):
        result = ahead.outcome(index)
        if result is None:
            report.unchanged += 1
        elif isinstance(result, tuple):  # same content, new mtime
            run.manifest.touch(found.root, candidate.source, *result)
            report.unchanged += 1
        else:
            run.writer.add(result)
        if run.progress:
            run.progress.advance(candidate.source)
    if found.whole_root:
        seen = {c.source for c in found.files}
        gone = [r for key, r in known.items() if key[1] not in seen]
        run.writer.delete(gone)


class _ReadAhead:
    """Sends the scan's next PDF/DOCX files to the reader process before they are needed.

    Parsing them (pypdf: about a third of a first ingest) then overlaps with the main
    thread's work on the files before them. Bounded: at most `FILES` files and `BYTES` of
    file data are held ahead (but always one, however big).
    """

    FILES = 8
    BYTES = 64 * 2**20

    def __init__(self, found: Scan, known: dict[tuple[str, str], DocumentRecord], run: _Run):
        self._found, self._known, self._run = found, known, run
        self._isolated = deque(
            i for i, c in enumerate(found.files) if c.path.suffix.lower() in ISOLATED_SUFFIXES
        )
        self._ahead: dict[int, tuple[_Prepared, Future[LoadedDocument] | None]] = {}
        self._bytes = 0

    def outcome(self, index: int) -> _Outcome:
        self._fill()
        if self._isolated and self._isolated[0] == index:
            self._send_next()  # not sent ahead (over the bounds): send it now
        if index not in self._ahead:
            prepared = self._prepare(index)
            assert not isinstance(prepared, _ToRead)  # only PDF/DOCX are read by the worker
            return prepared
        prepared, future = self._ahead.pop(index)
        if isinstance(prepared, _ToRead):
            self._bytes -= len(prepared.data)
        if not isinstance(prepared, _ToRead):
            return prepared
        assert future is not None  # every _ToRead was sent to the reader
        try:
            document = future.result()
        except UnreadableFileError as exc:
            return _failed(prepared.base, str(exc), prepared.had_row, prepared.was_ok)
        return _finish(prepared, document, self._run)

    def _fill(self) -> None:
        while self._isolated and len(self._ahead) < self.FILES and self._bytes < self.BYTES:
            self._send_next()

    def _send_next(self) -> None:
        index = self._isolated.popleft()
        prepared = self._prepare(index)
        future = None
        if isinstance(prepared, _ToRead):
            self._bytes += len(prepared.data)
            path = PurePath(prepared.base.source)
            future = self._run.reader.submit(path, prepared.data, self._run.limits)
        self._ahead[index] = (prepared, future)

    def _prepare(self, index: int) -> _Prepared:
        candidate = self._found.files[index]
        old = self._known.get((self._found.root, candidate.source))
        return _prepare(self._found.root, candidate, old, self._run)


def _prepare(root: str, candidate: Candidate, old: DocumentRecord | None, run: _Run) -> _Prepared:
    """None if unchanged, (size, mtime) if only the mtime changed, a failure, or the bytes."""
    had_row, was_ok = old is not None, old is not None and old.status == OK
    try:
        stat = candidate.path.stat()
    except OSError as exc:  # gone or unreadable since the folder was scanned
        base = DocumentRecord(root, candidate.source)
        return _failed(base, f"cannot be read: {exc.strerror or exc}", had_row, was_ok)
    size, mtime = stat.st_size, stat.st_mtime_ns
    if was_ok and old and (old.size, old.mtime_ns) == (size, mtime):
        return None
    base = DocumentRecord(root, candidate.source, size=size, mtime_ns=mtime)
    if size > run.config.max_file_mb * 1024 * 1024:
        error = (
            f"file is {size / 2**20:.1f} MB, over the {run.config.max_file_mb:g} MB limit; split "
            "it or raise PMASSIST_INGEST__MAX_FILE_MB"
        )
        return _failed(base, error, had_row, was_ok)
    try:
        data = candidate.path.read_bytes()
    except OSError as exc:
        return _failed(base, f"cannot be read: {exc.strerror or exc}", had_row, was_ok)
    file_hash = hashlib.blake2b(data, digest_size=16).hexdigest()
    if was_ok and old and old.file_hash == file_hash:
        return size, mtime
    if PurePath(candidate.source).suffix.lower() in ISOLATED_SUFFIXES:
        return _ToRead(base, data, file_hash, had_row, was_ok)
    try:
        document = load_document(PurePath(base.source), data, run.limits)
    except UnreadableFileError as exc:
        return _failed(base, str(exc), had_row, was_ok)
    return _finish(_ToRead(base, data, file_hash, had_row, was_ok), document, run)


def _failed(base: DocumentRecord, error: str, had_row: bool, was_ok: bool) -> _FileResult:
    record = DocumentRecord(base.root, base.source, size=base.size, mtime_ns=base.mtime_ns,
                            status=FAILED, error=error)  # fmt: skip
    return _FileResult(record, [], had_row, was_ok)


def _finish(read: _ToRead, document: LoadedDocument, run: _Run) -> _FileResult:
    """The parsed file's record and chunks (a failure if it has no text)."""
    try:
        chunks, record = _chunks(read.base, document, read.file_hash, run)
    except UnreadableFileError as exc:
        return _failed(read.base, str(exc), read.had_row, read.was_ok)
    return _FileResult(record, chunks, read.had_row, read.was_ok)


def _chunks(
    base: DocumentRecord, document: LoadedDocument, file_hash: str, run: _Run
) -> tuple[list[Chunk], DocumentRecord]:
    config, project = run.config, run.project
    head = document.pages[0].text if document.pages else ""
    meta = document.front_matter
    record = DocumentRecord(
        root=base.root,
        source=base.source,
        project=project_of(base.source, meta, project),
        doc_type=doc_type_of(base.source, meta, head),
        date=date_of(base.source, meta, head),
        size=base.size,
        mtime_ns=base.mtime_ns,
        file_hash=file_hash,
    )
    pieces = split_document(
        document.pages, chunk_size=config.chunk_size, chunk_overlap=config.chunk_overlap
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


class _BatchWriter:
    """Collects processed files and writes them to store and manifest in large batches."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        manifest: Manifest,
        config: IngestConfig,
        report: IngestReport,
    ) -> None:
        self.store, self.embedder, self.manifest = store, embedder, manifest
        self.config, self.report = config, report
        self._pending: list[_FileResult] = []
        self._chunk_count = 0

    def add(self, result: _FileResult) -> None:
        self._pending.append(result)
        self._chunk_count += len(result.chunks)
        if self._chunk_count >= self.config.write_batch:
            self.flush()

    def flush(self) -> None:
        batch, self._pending, self._chunk_count = self._pending, [], 0
        if not batch:
            return
        # Files that failed again and never had chunks leave the store (and generation) alone.
        touches_store = any(r.chunks or r.was_ok for r in batch)
        if touches_store:
            self.manifest.mark_pending((r.record.root, r.record.source) for r in batch)
            crash_point("pending")
            # Only documents that were `ok` have chunks (pending ones were cleaned by recover()).
            stale = [r.record for r in batch if r.was_ok]
            for root in {r.root for r in stale}:
                self.store.delete_sources([r.source for r in stale if r.root == root], root)
            crash_point("deleted")
            chunks = [c for r in batch for c in r.chunks]
            write = self.store.add
            if not any(r.had_row for r in batch):  # only new files: their chunk ids are new
                write = getattr(self.store, "add_new", write)
            for start in range(0, len(chunks), self.config.write_batch):
                part = chunks[start : start + self.config.write_batch]
                write(part, self._embed(part))
                crash_point("written")
        self.manifest.save((r.record for r in batch), chunks_changed=touches_store)
        crash_point("saved")
        self._count(batch)

    def _embed(self, chunks: list[Chunk]) -> np.ndarray:
        size = self.config.embed_batch
        texts = [embedding_text(c) for c in chunks]
        parts = [self.embedder.embed_batch(texts[i : i + size]) for i in range(0, len(texts), size)]
        return np.concatenate(parts) if parts else np.zeros((0, self.embedder.dim), "float32")

    def _count(self, batch: list[_FileResult]) -> None:
        for result in batch:
            record = result.record
            if record.status == FAILED:
                self.report.failed.append((record.source, record.error or "unreadable"))
                if result.was_ok:
                    log.info("%s now fails; its old chunks were removed", record.source)
            elif result.was_ok:
                self.report.updated += 1
            else:
                self.report.added += 1
            self.report.chunks += len(result.chunks)

    def delete(self, records: list[DocumentRecord]) -> None:
        """Remove documents whose files are gone from the ingested folder."""
        if not records:
            return
        self.manifest.mark_pending((r.root, r.source) for r in records)
        for root in {r.root for r in records}:
            self.store.delete_sources([r.source for r in records if r.root == root], root)
        self.manifest.remove((r.root, r.source) for r in records)
        self.report.deleted += sum(1 for r in records if r.status == OK)


def remove_documents(
    sources: Sequence[str], *, store: VectorStore, manifest: Manifest, root: str | None = None
) -> int:
    """Remove documents by source (from every root unless `root` is given); returns how many.

    The caller holds the workspace lock.
    """
    wanted = set(sources)
    records = [r for r in manifest.records(root).values() if r.source in wanted and r.status == OK]
    if records:
        manifest.mark_pending((r.root, r.source) for r in records)
        for r in records:
            store.delete_sources([r.source], r.root)
        manifest.remove((r.root, r.source) for r in records)
    return len(records)
