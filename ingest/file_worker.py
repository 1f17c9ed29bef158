"""Prepare files in a worker process: read, parse, chunk and embed them ahead of the run.

The run's own process then only writes (Chroma's `add` holds the GIL, so a thread could not
overlap it; a process can) while the worker prepares the next files on the other core. The
worker is isolated like `ingest.reader_process`: a memory limit, a deadline after which the
run kills it (the file is reported, a fresh worker takes the files after it), and a crash
costs one file. Jobs go in as small messages; outcomes come back in order. A sender thread
in the worker drains its results into the pipe, so the worker keeps preparing while the run
is busy inside a write and not reading.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import struct
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from ingest.child import Child, limit_memory, parent_pipes
from ingest.errors import UnreadableFileError
from ingest.files import (
    FileJob,
    FileResult,
    FileRules,
    Outcome,
    ToRead,
    embed_chunks,
    failed,
    read,
)
from ingest.manifest import DocumentRecord
from ingest.ports import Embedder
from ingest.reader_process import GRACE_SECONDS, MEMORY_MB

log = logging.getLogger(__name__)

# Outcome of a job when the worker cannot run at all (the run then reads the file itself).
LocalRead = Callable[[FileJob], Outcome]


class FileWorker:
    """`submit(job)` in order, then `next_outcome()` returns the outcomes in the same order.

    `embedder_dim` set: the worker also embeds the chunks (HashingEmbedder of that size, the
    same vectors as in the run). `local` prepares a job in the calling process when the worker
    fails before it ever answered (then it would fail on every file).
    """

    def __init__(
        self,
        rules: FileRules,
        embedder_dim: int | None,
        embed_batch: int,
        local: LocalRead,
        grace: float = GRACE_SECONDS,
        memory_mb: int = MEMORY_MB,
    ) -> None:
        self.rules, self.embedder_dim, self.embed_batch = rules, embedder_dim, embed_batch
        self.local, self.grace, self.memory_mb = local, grace, memory_mb
        # Jobs whose outcome was not taken yet, in order, each with its outcome once known
        # here (a failure pinned on it); all others are with the current process.
        self._inflight: deque[tuple[FileJob, list[Outcome]]] = deque()
        self._returned = 0  # outcomes the current process sent
        # The process writes here the number of the job it is preparing (its own count, -1
        # between jobs): a hang or crash is pinned on that file even while outcomes before it
        # were not sent yet (they are held to be embedded together, or queued for the pipe).
        self._marker = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        self._worker: Child | None = None
        self._answered = False  # the current process said it is ready
        self._broken = False  # a process died before it was ready: read locally

    def __enter__(self) -> FileWorker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(abort=exc_type is not None)

    def submit(self, job: FileJob) -> None:
        self._inflight.append((job, []))
        self._send_job(job)

    def has_outcome(self) -> bool:
        """True when `next_outcome` would not wait (or cannot know without waiting)."""
        return self._broken or self._worker is None or self._worker.receive.poll(0)

    def next_outcome(self) -> Outcome:
        job, known = self._inflight[0]
        if known or self._broken:
            self._inflight.popleft()
            return known[0] if known else self.local(job)
        assert self._worker is not None
        receive = self._worker.receive
        while True:
            timeout = self.rules.limits.timeout + self.grace
            try:
                if not receive.poll(timeout):
                    return self._replace_worker(
                        f"reading took longer than {self.rules.limits.timeout:g} s and was "
                        "stopped; split the file or raise PMASSIST_INGEST__FILE_TIMEOUT"
                    )
                message = receive.recv()
            except (EOFError, OSError):
                if not self._answered:  # it never started: do the work here instead
                    self._kill()
                    log.warning("the ingest worker process cannot start; reading in-process")
                    self._broken = True
                    return self.next_outcome()
                code = self._worker.exit_code()
                return self._replace_worker(
                    f"the reader crashed on this file (exit code {code}); it is probably damaged"
                )
            if message == "ready":
                self._answered = True
                continue
            self._inflight.popleft()
            self._returned += 1
            return message

    def close(self, *, abort: bool = False) -> None:
        self._marker.close()
        if abort:
            self._kill()
        elif self._worker is not None:
            self._worker.stop()  # EOF: the worker's loop ends
            self._worker = None

    def _replace_worker(self, error: str) -> Outcome:
        """The job the process was on fails with `error` (the first waiting one if it was
        between jobs); a fresh process prepares the others again."""
        preparing = struct.unpack("q", os.pread(self._marker.fileno(), 8, 0))[0]
        self._kill()
        # The process got the unpinned jobs, in order, and returned the first `_returned`.
        sent = [(job, known) for job, known in self._inflight if not known]
        at = preparing - self._returned if preparing >= self._returned else 0
        job, known = sent[min(at, len(sent) - 1)]
        known.append(failed(job.base, error, job.had_row, job.old_hash is not None))
        for other, pinned in self._inflight:
            if not pinned:
                self._send_job(other)
        return self.next_outcome()

    def _send_job(self, job: FileJob) -> None:
        if self._broken:
            return
        try:
            connection = self._start()
        except OSError as exc:  # cannot start a process here at all
            log.warning("no ingest worker process (%s); reading in-process", exc)
            self._broken = True
            return
        # If it died, `next_outcome` finds out and resends the job to a new one.
        with contextlib.suppress(OSError):
            connection.send(job)

    def _start(self) -> Connection:
        if self._worker is None:
            # One core per process: BLAS threads would only compete with the run's writes.
            threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
            os.pwrite(self._marker.fileno(), struct.pack("q", -1), 0)
            marker = self._marker.fileno()
            self._worker = Child.start(
                "ingest.file_worker",
                str(self.memory_mb),
                str(marker),
                env=threads,
                pass_fds=(marker,),
                # 1 MB, not 64 KB: room for every job sent ahead (64 KB holds ~150), and for
                # outcomes the worker writes while the run is busy in a Chroma write.
                pipe_bytes=1 << 20,
            )
            self._returned = 0
            self._answered = False
            self._worker.send.send((self.rules, self.embedder_dim, self.embed_batch))
        return self._worker.send

    def _kill(self) -> None:
        if self._worker is None:
            return
        code = self._worker.kill()
        self._worker = None
        log.warning("ingest worker stopped (exit code %s); a new one serves the next file", code)


def prepare(job: FileJob, rules: FileRules) -> Outcome:
    """One job's outcome in the worker; every failure is this file's, never the run's."""
    try:
        outcome = read(job, rules, isolate=False)
        assert not isinstance(outcome, ToRead)  # isolate=False: parsed here
        return outcome
    except UnreadableFileError as exc:
        error = str(exc)
    except MemoryError:
        error = "reading needs more memory than the reader process may use; split the file"
    except Exception as exc:  # a parser bug is one file's failure, never the run's
        error = f"cannot be read ({type(exc).__name__}: {exc})"
    return failed(job.base, error, job.had_row, job.old_hash is not None)


def embed_together(outcomes: list[Outcome], embedder: Embedder, batch: int) -> None:
    """Vectors for the chunks of several files in shared batches: numpy's fixed cost per call
    made embedding file by file ~3x slower. (The embedder gives a text the same vector in any
    batch.) If the batch fails, each file is embedded on its own, so one file fails alone."""
    results = [o for o in outcomes if isinstance(o, FileResult) and o.chunks]
    try:
        vectors = embed_chunks([c for r in results for c in r.chunks], embedder, batch)
    except (MemoryError, ValueError):
        for result in results:
            _embed_one(result, embedder, batch, outcomes)
        return
    start = 0
    for result in results:
        result.vectors = vectors[start : start + len(result.chunks)]
        start += len(result.chunks)


def _embed_one(result: FileResult, embedder: Embedder, batch: int, outcomes: list[Outcome]) -> None:
    try:
        result.vectors = embed_chunks(result.chunks, embedder, batch)
    except (MemoryError, ValueError) as exc:
        record = result.record
        error = f"its text cannot be embedded ({type(exc).__name__}); split the file"
        base = DocumentRecord(
            record.root, record.source, size=record.size, mtime_ns=record.mtime_ns
        )
        outcomes[outcomes.index(result)] = failed(base, error, result.had_row, result.was_ok)


def _serve(memory_mb: int, marker: int) -> None:
    """Worker loop: the rules, then jobs in; "ready", then one outcome per job out. The
    number of the job being prepared is written at the start of the `marker` file."""
    requests, answers = parent_pipes()
    import pypdfium2  # noqa: F401  (imports paid once, before the memory limit and first file)

    from ingest.embedders import HashingEmbedder

    limit_memory(memory_mb)
    try:
        rules, dim, batch = requests.recv()
    except EOFError:
        return
    embedder = HashingEmbedder(dim) if dim else None
    try:
        answers.send("ready")  # before any file: a crash after this is that file's
    except OSError:  # the run is gone already
        return
    outbox: queue.Queue[Any] = queue.Queue()
    sender = threading.Thread(target=_send_all, args=(outbox, answers), daemon=True)
    sender.start()
    held: list[Outcome] = []  # prepared, waiting to be embedded together
    held_chunks = number = 0
    while True:
        # Embed and send when a batch is full, or when no job is waiting: never sit on
        # outcomes the run may be waiting for.
        if held and (held_chunks >= batch or not requests.poll()):
            _send_held(held, embedder, batch, outbox)
            held, held_chunks = [], 0
        try:
            job = requests.recv()
        except EOFError:
            break
        os.pwrite(marker, struct.pack("q", number), 0)
        held.append(prepare(job, rules))
        os.pwrite(marker, struct.pack("q", -1), 0)
        number += 1
        held_chunks += len(held[-1].chunks) if isinstance(held[-1], FileResult) else 0
    _send_held(held, embedder, batch, outbox)
    outbox.put(None)
    sender.join(timeout=5)
    # Everything is sent: skip the interpreter's teardown (tens of ms the run would wait for).
    os._exit(0)


def _send_held(
    held: list[Outcome], embedder: Embedder | None, batch: int, outbox: queue.Queue[Any]
) -> None:
    if embedder is not None:
        embed_together(held, embedder, batch)
    for outcome in held:
        outbox.put(outcome)


def _send_all(outbox: queue.Queue[Any], answers: Connection) -> None:
    """Writes outcomes into the pipe while the worker goes on; `outbox.join()` waits for it."""
    while True:
        item = outbox.get()
        try:
            if item is None:
                return
            answers.send(item)
        except OSError:  # the run is gone
            return
        finally:
            outbox.task_done()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
