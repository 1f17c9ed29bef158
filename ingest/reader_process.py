"""Read PDF and DOCX files in a worker process, so one hostile file cannot hang or crash a run.

These formats have complex parsers (object graphs, compression). Inside the loader a
cooperative deadline stops work between pages; here the parent also kills the worker if it
has not answered shortly after that deadline (one page that never finishes) and starts a
fresh one for the next file. One worker serves a whole run, so its imports are paid once.
It is a plain `python -m ingest.reader_process` child, never a fork of a parent that holds
Chroma's threads, and it exits when its stdin closes (also when the parent is killed).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path, PurePath
from types import TracebackType

from ingest.errors import UnreadableFileError
from ingest.loaders import LoadedDocument, LoadLimits, load_document

log = logging.getLogger(__name__)

ISOLATED_SUFFIXES = frozenset({".pdf", ".docx"})
GRACE_SECONDS = 5.0  # after the loader's own deadline, before the worker is killed
MEMORY_MB = 2048  # address space of the worker: a runaway parse fails, the run goes on


class ReaderProcess:
    """`load(path, data, limits)`: `load_document`, out of process for PDF and DOCX."""

    def __init__(self, grace: float = GRACE_SECONDS, memory_mb: int = MEMORY_MB) -> None:
        self.grace = grace
        self.memory_mb = memory_mb
        self._worker: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._receive: Connection | None = None

    def __enter__(self) -> ReaderProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def load(self, path: PurePath, data: bytes, limits: LoadLimits) -> LoadedDocument:
        if path.suffix.lower() not in ISOLATED_SUFFIXES:
            return load_document(path, data, limits)
        send, receive = self._start()
        try:
            send.send((path.name, data, limits))
            if not receive.poll(limits.timeout + self.grace):
                self._kill()
                raise UnreadableFileError(
                    f"reading took longer than {limits.timeout:g} s and was stopped; split "
                    "the file or raise PMASSIST_INGEST__FILE_TIMEOUT"
                )
            kind, payload = receive.recv()
        except (EOFError, OSError):
            code = self._kill()
            raise UnreadableFileError(
                f"the reader crashed on this file (exit code {code}); it is probably damaged"
            ) from None
        if kind == "error":
            raise UnreadableFileError(payload)
        return payload

    def close(self) -> None:
        if self._worker is None:
            return
        assert self._send is not None and self._receive is not None
        self._send.close()  # EOF: the worker's loop ends
        self._receive.close()
        try:
            self._worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._worker.kill()
            self._worker.wait()
        self._worker = self._send = self._receive = None

    def _start(self) -> tuple[Connection, Connection]:
        if self._worker is None:
            package_root = str(Path(__file__).resolve().parent.parent)
            path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
            self._worker = subprocess.Popen(
                [sys.executable, "-m", "ingest.reader_process", str(self.memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": path},
            )
            assert self._worker.stdin is not None and self._worker.stdout is not None
            self._send = Connection(os.dup(self._worker.stdin.fileno()), readable=False)
            self._receive = Connection(os.dup(self._worker.stdout.fileno()), writable=False)
            self._worker.stdin.close()
            self._worker.stdout.close()
        assert self._send is not None and self._receive is not None
        return self._send, self._receive

    def _kill(self) -> int | None:
        worker = self._worker
        if worker is None:
            return None
        worker.kill()
        code = worker.wait()
        assert self._send is not None and self._receive is not None
        self._send.close()
        self._receive.close()
        self._worker = self._send = self._receive = None
        log.warning("reader process stopped (exit code %s); a new one serves the next file", code)
        return code


class ReaderThread:
    """A `ReaderProcess` driven from one helper thread, so files can be sent ahead.

    `submit` returns at once; the reader process parses while the calling thread chunks,
    embeds and writes the previous files (it waits in `poll`, which releases the GIL), so
    PDF parsing uses the second core instead of stalling the run. Only the helper thread
    touches the `ReaderProcess`; answers come back in submission order.
    """

    def __init__(self, reader: ReaderProcess | None = None) -> None:
        self.reader = reader or ReaderProcess()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmassist-reader")

    def __enter__(self) -> ReaderThread:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(abort=exc_type is not None)

    def submit(self, path: PurePath, data: bytes, limits: LoadLimits) -> Future[LoadedDocument]:
        return self._executor.submit(self.reader.load, path, data, limits)

    def close(self, *, abort: bool = False) -> None:
        """Wait for sent files; with `abort` (the run failed) stop the worker instead."""
        if abort:
            worker = self.reader._worker
            if worker is not None:  # its pipe closes, so a waiting `load` ends at once
                worker.kill()
        self._executor.shutdown(wait=True, cancel_futures=abort)
        self.reader.close()


def _serve(memory_mb: int) -> None:
    """Worker loop: one (name, data, limits) request in, one (kind, payload) answer out."""
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # stray prints from parsers must not corrupt the answer stream
    import docx  # noqa: F401  (pay the parser imports once, before the first file)
    import pypdfium2  # noqa: F401  (pypdf, the fallback, is imported only when needed)

    _limit_memory(memory_mb)

    while True:
        try:
            name, data, limits = requests.recv()
        except EOFError:
            return
        try:
            answer: tuple[str, object] = ("ok", load_document(PurePath(name), data, limits))
        except UnreadableFileError as exc:
            answer = ("error", str(exc))
        except MemoryError:
            answer = ("error", f"reading needs more than {memory_mb} MB of memory; split the file")
        except Exception as exc:  # a parser bug is one file's failure, never the run's
            answer = ("error", f"cannot be read ({type(exc).__name__}: {exc})")
        answers.send(answer)


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not every platform allows it
        log.warning("reader memory limit not set: %s", exc)


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_MB)
