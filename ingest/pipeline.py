"""Ingest files into the index: scan, load, chunk, embed, write — incrementally and safely.

Write protocol per batch of files (crash-safe at every step):
  1. manifest: mark the batch `pending` (one transaction);
  2. store: delete the old chunks of those files, then upsert the new ones (ids are
     deterministic, so a repeated write never duplicates);
  3. manifest: save the batch as `ok`/`failed` with chunk counts (one transaction).
Every run starts by cleaning pending rows (their chunks are deleted; the file is processed
again), and after an unclean previous run also checks the store against the manifest.

Where files are read: here (`_ReadAhead`, PDF/DOCX in the reader process), or for large
ingests in a worker process that also chunks and embeds them (`_WorkerAhead`), so that
Chroma's writes in this process overlap the preparation of the next files.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Protocol

import numpy as np

from ingest.discovery import Scan, scan
from ingest.embedders import HashingEmbedder
from ingest.errors import UnreadableFileError
from ingest.file_worker import FileWorker
from ingest.files import (
    ISOLATED_SUFFIXES,
    FileJob,
    FileResult,
    FileRules,
    Outcome,
    ToRead,
    check,
    embed_chunks,
    failed,
    finish,
    read,
)
from ingest.files import chunk_id as chunk_id  # re-exported: ids are part of the pipeline's API
from ingest.loaders import LoadedDocument, LoadLimits
from ingest.manifest import FAILED, OK, DocumentRecord, Manifest
from ingest.model import Chunk
from ingest.ports import Embedder, IndexStore, VectorStore
from ingest.reader_process import ReaderThread
from ingest.recovery import crash_point, recover
from ingest.report import IngestProgress as IngestProgress  # re-exported
from ingest.report import IngestReport as IngestReport  # re-exported

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
    # From this many bytes of new or changed files in one folder, a worker process prepares
    # them (read, parse, chunk, embed) while this process writes. Below, writing could not
    # overlap much (see min_write) and reading them here is faster: on the bench corpus,
    # 1 MB of text took 0.75 s here vs 0.97 s with the worker; 5 MB, 1.9 vs 1.5 s (quiet).
    worker_min_bytes: int = 2_000_000
    # Chunks written early rather than waiting idle for the worker. Not fewer: every Chroma
    # `add` costs ~80 ms on top of its rows (5,400 rows: 1 call 2.9 s, 6 calls 3.4 s CPU).
    min_write: int = 1500
    first_write: int = 500  # the same, for the run's first write
    rebuild_hint: str = "delete the workspace's chroma folder, then ingest again"


def ingest_paths(
    paths: Sequence[Path],
    *,
    project: str | None = None,
    store: IndexStore,
    embedder: Embedder,
    manifest: Manifest,
    config: IngestConfig | None = None,
    progress: IngestProgress | None = None,
    written: WrittenChunks | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively). The caller holds the workspace lock.

    `written`, when given, receives every batch of chunks with their vectors once the store
    has them (before the manifest says so): what a derived index needs from this run,
    without reading it back from the store."""
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
    writer = _BatchWriter(store, embedder, manifest, config, report, written)
    with ReaderThread() as reader:
        run = _Run(project, manifest, config, writer, reader, progress, embedder)
        try:
            for found in scans:
                _ingest_scan(found, run)
        except BaseException:
            run.close(abort=True)
            raise
        run.close(abort=False)
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
    embedder: Embedder
    worker: FileWorker | None = None  # started by the first scan that needs one

    @property
    def rules(self) -> FileRules:
        config = self.config
        limits = LoadLimits(config.file_timeout, config.max_pages, config.max_chars)
        return FileRules(self.project, config.chunk_size, config.chunk_overlap,
                         config.max_file_mb, limits)  # fmt: skip

    def close(self, *, abort: bool) -> None:
        if self.worker is not None:
            self.worker.close(abort=abort)


def _ingest_scan(found: Scan, run: _Run) -> None:
    known = run.manifest.records(found.root)
    report = run.writer.report
    rules = run.rules
    checked = [check(found.root, c, known.get((found.root, c.source)), rules) for c in found.files]
    jobs = [c for c in checked if isinstance(c, FileJob)]
    ahead: _ReadAhead | _WorkerAhead
    if jobs and sum(job.base.size for job in jobs) >= run.config.worker_min_bytes:
        ahead = _WorkerAhead(checked, run)
    else:
        ahead = _ReadAhead(checked, run)
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


_Checked = Outcome | FileJob


class _ReadAhead:
    """Reads files in this process; sends the next PDF/DOCX files to the reader process
    before they are needed, so their parsing overlaps the work on the files before them.

    Bounded: at most `FILES` files and `BYTES` of file data are held ahead (but always one,
    however big). For a few files; many go to a `_WorkerAhead` instead.
    """

    FILES = 8
    BYTES = 64 * 2**20

    def __init__(self, checked: list[_Checked], run: _Run):
        self._checked, self._run = checked, run
        self._isolated = deque(
            i
            for i, c in enumerate(checked)
            if isinstance(c, FileJob) and c.path.suffix.lower() in ISOLATED_SUFFIXES
        )
        self._ahead: dict[int, tuple[Outcome | ToRead, Future[LoadedDocument] | None]] = {}
        self._bytes = 0

    def outcome(self, index: int) -> Outcome:
        self._fill()
        if self._isolated and self._isolated[0] == index:
            self._send_next()  # not sent ahead (over the bounds): send it now
        if index not in self._ahead:
            prepared = self._read(index)
            assert not isinstance(prepared, ToRead)  # only PDF/DOCX are read by the worker
            return prepared
        prepared, future = self._ahead.pop(index)
        if not isinstance(prepared, ToRead):
            return prepared
        self._bytes -= len(prepared.data)
        assert future is not None  # every ToRead was sent to the reader
        try:
            document = future.result()
        except UnreadableFileError as exc:
            return failed(prepared.base, str(exc), prepared.had_row, prepared.was_ok)
        return finish(prepared, document, self._run.rules)

    def _fill(self) -> None:
        while self._isolated and len(self._ahead) < self.FILES and self._bytes < self.BYTES:
            self._send_next()

    def _send_next(self) -> None:
        index = self._isolated.popleft()
        prepared = self._read(index)
        future = None
        if isinstance(prepared, ToRead):
            self._bytes += len(prepared.data)
            path = PurePath(prepared.base.source)
            future = self._run.reader.submit(path, prepared.data, self._run.rules.limits)
        self._ahead[index] = (prepared, future)

    def _read(self, index: int) -> Outcome | ToRead:
        checked = self._checked[index]
        if not isinstance(checked, FileJob):
            return checked
        return read(checked, self._run.rules, isolate=True)


def _read_here(job: FileJob, run: _Run) -> Outcome:
    """A job's outcome without the worker process (PDF/DOCX still go to the reader)."""
    prepared = read(job, run.rules, isolate=True)
    if not isinstance(prepared, ToRead):
        return prepared
    path = PurePath(prepared.base.source)
    try:
        document = run.reader.submit(path, prepared.data, run.rules.limits).result()
    except UnreadableFileError as exc:
        return failed(prepared.base, str(exc), prepared.had_row, prepared.was_ok)
    return finish(prepared, document, run.rules)


class _WorkerAhead:
    """Hands every new or changed file to the worker process (`FileWorker`), up to `FILES`
    files and `BYTES` of them ahead, and takes the outcomes back in order.

    While the worker is still busy with the next file, the run writes what it has (at least
    `min_write` chunks) instead of waiting: writing and preparing then overlap.
    """

    FILES = 256
    BYTES = 64 * 2**20

    def __init__(self, checked: list[_Checked], run: _Run):
        self._checked, self._run = checked, run
        self._jobs = deque(i for i, c in enumerate(checked) if isinstance(c, FileJob))
        self._sizes: deque[int] = deque()  # of the files sent ahead
        self._held = 0  # their bytes
        if run.worker is None:
            embedder = run.embedder
            dim = embedder.dim if type(embedder) is HashingEmbedder else None
            run.worker = FileWorker(run.rules, dim, run.config.embed_batch,
                                    lambda job: _read_here(job, run))  # fmt: skip
            self._fill()
            run.writer.store.open()  # connect while the worker starts, not at the first write
        self.worker = run.worker

    def outcome(self, index: int) -> Outcome:
        checked = self._checked[index]
        if not isinstance(checked, FileJob):
            return checked
        self._fill()
        writer, config = self._run.writer, self._run.config
        # The first write starts as soon as the Chroma collection is open and a few files are
        # ready: until then this process has nothing else to do.
        least = config.min_write if writer.report.chunks else config.first_write
        if writer.pending_chunks >= least and not self.worker.has_outcome():
            writer.flush()
        self._held -= self._sizes.popleft()
        return self.worker.next_outcome()

    def _fill(self) -> None:
        worker = self._run.worker
        assert worker is not None
        while self._jobs and (
            not self._sizes or (len(self._sizes) < self.FILES and self._held < self.BYTES)
        ):
            job = self._checked[self._jobs.popleft()]
            assert isinstance(job, FileJob)
            worker.submit(job)
            self._sizes.append(job.base.size)
            self._held += job.base.size


class WrittenChunks(Protocol):
    """Told of every batch of chunks (and their vectors, row i for chunk i) the store got."""

    def __call__(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...


class _BatchWriter:
    """Collects processed files and writes them to store and manifest in large batches."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        manifest: Manifest,
        config: IngestConfig,
        report: IngestReport,
        written: WrittenChunks | None = None,
    ) -> None:
        self.store, self.embedder, self.manifest = store, embedder, manifest
        self.config, self.report = config, report
        self.written = written
        self._pending: list[FileResult] = []
        self._chunk_count = 0

    @property
    def pending_chunks(self) -> int:
        return self._chunk_count

    def add(self, result: FileResult) -> None:
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
            # Only new files: their chunk ids are new, and the store may skip upsert's lookup.
            write = self.store.add if any(r.had_row for r in batch) else self.store.add_new
            # Vectors come with the files when the worker process embedded them.
            ready = all(r.vectors is not None for r in batch if r.chunks)
            vectors = (
                np.concatenate([r.vectors for r in batch if r.vectors is not None and r.chunks])
                if ready and chunks
                else None
            )
            for start in range(0, len(chunks), self.config.write_batch):
                part = chunks[start : start + self.config.write_batch]
                if vectors is not None:
                    part_vectors = vectors[start : start + len(part)]
                else:
                    part_vectors = embed_chunks(part, self.embedder, self.config.embed_batch)
                write(part, part_vectors)
                if self.written is not None:
                    self.written(part, part_vectors)
                crash_point("written")
        self.manifest.save((r.record for r in batch), chunks_changed=touches_store)
        crash_point("saved")
        self._count(batch)

    def _count(self, batch: list[FileResult]) -> None:
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
