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
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import PurePath
from types import TracebackType

from ingest.child import Child, limit_memory, parent_pipes
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
        self._worker: Child | None = None

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
        worker = self._start()
        try:
            worker.send.send((path.name, data, limits))
            if not worker.receive.poll(limits.timeout + self.grace):
                self._kill()
                raise UnreadableFileError(
                    f"reading took longer than {limits.timeout:g} s and was stopped; split "
                    "the file or raise PMASSIST_INGEST__FILE_TIMEOUT"
                )
            kind, payload = worker.receive.recv()
        except (EOFError, OSError):
            code = self._kill()
            raise UnreadableFileError(
                f"the reader crashed on this file (exit code {code}); it is probably damaged"
            ) from None
        if kind == "error":
            raise UnreadableFileError(payload)
        return payload

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def _start(self) -> Child:
        if self._worker is None:
            self._worker = Child.start("ingest.reader_process", str(self.memory_mb))
        return self._worker

    def _kill(self) -> int | None:
        if self._worker is None:
            return None
        code = self._worker.kill()
        self._worker = None
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
                worker.process.kill()
        self._executor.shutdown(wait=True, cancel_futures=abort)
        self.reader.close()


def _serve(memory_mb: int) -> None:
    """Worker loop: one (name, data, limits) request in, one (kind, payload) answer out."""
    requests, answers = parent_pipes()
    import docx  # noqa: F401  (pay the parser imports once, before the first file)
    import pypdfium2  # noqa: F401  (pypdf, the fallback, is imported only when needed)

    limit_memory(memory_mb)

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


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_MB)
