"""A Python module run as a child process that its parent talks to over stdin and stdout.

`ingest.reader_process` and `ingest.file_worker` isolate parsing this way. The child is a
plain `python -m <module>`, never a fork of a parent that holds Chroma's threads; it finds
this package on its path, and it exits when its stdin closes (also when the parent is
killed). Messages are pickled `multiprocessing` Connection frames over the two pipes.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0  # for a child to exit after its stdin closed, before it is killed


@dataclass
class Child:
    """The parent's side: the process, and a connection to send to it and one to receive."""

    process: subprocess.Popen[bytes]
    send: Connection
    receive: Connection

    @classmethod
    def start(
        cls,
        module: str,
        *args: str,
        env: Mapping[str, str] | None = None,
        pass_fds: tuple[int, ...] = (),
        pipe_bytes: int | None = None,
    ) -> Child:
        """`python -m module *args`; `pipe_bytes` widens both pipes (Linux), so that many
        messages can be sent ahead before a write blocks."""
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path, **(env or {})},
            pass_fds=pass_fds,
        )
        assert process.stdin is not None and process.stdout is not None
        if pipe_bytes:
            _widen_pipe(process.stdin.fileno(), pipe_bytes)
            _widen_pipe(process.stdout.fileno(), pipe_bytes)
        send = Connection(os.dup(process.stdin.fileno()), readable=False)
        receive = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        return cls(process, send, receive)

    def kill(self) -> int:
        """Stop it at once (a hang, a crash, an aborted run); its exit code."""
        self.process.kill()
        code = self.process.wait()
        self.send.close()
        self.receive.close()
        return code

    def stop(self) -> None:
        """End it the normal way: its stdin closes, its loop ends; killed if it lingers."""
        self.send.close()
        self.receive.close()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def exit_code(self) -> int | None:
        """Its exit code once its pipe closed; None if it has not exited within a second."""
        try:
            return self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None


def parent_pipes() -> tuple[Connection, Connection]:
    """The child's side: (requests, answers). Stray prints of parsers go to stderr, so they
    cannot corrupt the answer stream."""
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    return requests, answers


def limit_memory(memory_mb: int) -> None:
    """Cap the child's address space: a runaway parse fails with MemoryError, the run goes on."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not every platform allows it
        log.warning("reader memory limit not set: %s", exc)


def _widen_pipe(fd: int, size: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError):  # not Linux, or above the system's limit
        pass
