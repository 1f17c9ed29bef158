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
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

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
from ingest.reader_process import GRACE_SECONDS, MEMORY_MB, _limit_memory

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
        self._process: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._receive: Connection | None = None
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
        return self._broken or self._receive is None or self._receive.poll(0)

    def next_outcome(self) -> Outcome:
        job, known = self._inflight[0]
        if known or self._broken:
            self._inflight.popleft()
            return known[0] if known else self.local(job)
        assert self._receive is not None
        while True:
            timeout = self.rules.limits.timeout + self.grace
            try:
                if not self._receive.poll(timeout):
                    return self._replace_worker(
                        f"reading took longer than {self.rules.limits.timeout:g} s and was "
                        "stopped; split the file or raise PMASSIST_INGEST__FILE_TIMEOUT"
                    )
                message = self._receive.recv()
            except (EOFError, OSError):
                if not self._answered:  # it never started: do the work here instead
                    self._kill()
                    log.warning("the ingest worker process cannot start; reading in-process")
                    self._broken = True
                    return self.next_outcome()
                code = _exit_code(self._process)
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
        if self._process is None:
            return
        if abort:
            self._kill()
            return
        assert self._send is not None and self._receive is not None
        self._send.close()  # EOF: the worker's loop ends
        self._receive.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = self._send = self._receive = None

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
        if self._process is None:
            package_root = str(Path(__file__).resolve().parent.parent)
            path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
            # One core per process: BLAS threads would only compete with the run's writes.
            threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
            os.pwrite(self._marker.fileno(), struct.pack("q", -1), 0)
            marker = self._marker.fileno()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "ingest.file_worker", str(self.memory_mb), str(marker)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": path, **threads},
                pass_fds=(marker,),
            )
            self._returned = 0
            assert self._process.stdin is not None and self._process.stdout is not None
            _widen_pipe(self._process.stdin.fileno())
            _widen_pipe(self._process.stdout.fileno())
            self._send = Connection(os.dup(self._process.stdin.fileno()), readable=False)
            self._receive = Connection(os.dup(self._process.stdout.fileno()), writable=False)
            self._process.stdin.close()
            self._process.stdout.close()
            self._answered = False
            self._send.send((self.rules, self.embedder_dim, self.embed_batch))
        assert self._send is not None
        return self._send

    def _kill(self) -> None:
        process = self._process
        if process is None:
            return
        process.kill()
        code = process.wait()
        assert self._send is not None and self._receive is not None
        self._send.close()
        self._receive.close()
        self._process = self._send = self._receive = None
        log.warning("ingest worker stopped (exit code %s); a new one serves the next file", code)


def _exit_code(process: subprocess.Popen[bytes] | None) -> int | None:
    try:
        return process.wait(timeout=1) if process is not None else None
    except subprocess.TimeoutExpired:  # its pipe closed, but it has not exited (yet)
        return None


def _widen_pipe(fd: int) -> None:
    """1 MB, not 64 KB: room for every job sent ahead (64 KB holds ~150), and for outcomes
    the worker writes while the run is busy in a Chroma write."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # not Linux, or above the system's limit
        pass


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
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # stray prints from parsers must not corrupt the answer stream
    import pypdfium2  # noqa: F401  (imports paid once, before the memory limit and first file)

    from ingest.embedders import HashingEmbedder

    _limit_memory(memory_mb)
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
