"""One writer per workspace: an exclusive `flock` on <workspace>/.lock.

The kernel releases the lock when the process dies (even by SIGKILL), so a crash never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from ingest.errors import WorkspaceBusyError


class WorkspaceLock:
    """Context manager; `wait` is how many seconds to wait for another writer to finish."""

    def __init__(self, workspace: Path, wait: float = 0.0) -> None:
        self.workspace = workspace
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> WorkspaceLock:
        self.workspace.mkdir(parents=True, exist_ok=True)
        path = self.workspace / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_pid(fd)
                    os.close(fd)
                    raise WorkspaceBusyError(
                        f"workspace {self.workspace} is busy: another ingest is running "
                        f"(pid {holder}); wait for it to finish, or use another --workspace"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)  # no holder any more (see writer_pid)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def writer_pid(workspace: Path) -> int | None:
    """The pid of the process writing the workspace now, or None; without taking the lock, so
    a reader asking never gets in a writer's way. A writer killed before it could clear its
    pid is recognised as gone (on this host; elsewhere the lock itself still decides)."""
    try:
        pid = int((workspace / ".lock").read_text().strip() or 0)
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, someone else's
        pass
    return pid


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip() or "unknown"
    except OSError:
        return "unknown"
