"""One writer per workspace: a second ingest is refused with the holder's pid, or waits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ingest.errors import WorkspaceBusyError
from ingest.lock import WorkspaceLock

HOLD = """
import sys, time
from pathlib import Path
from ingest.lock import WorkspaceLock
with WorkspaceLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(workspace: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(workspace), str(seconds)],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def test_second_writer_is_refused_with_pid(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path, 30)
    try:
        with pytest.raises(WorkspaceBusyError, match=rf"busy.*pid {holder.pid}"):
            WorkspaceLock(tmp_path).__enter__()
    finally:
        holder.kill()
        holder.wait()
    with WorkspaceLock(tmp_path):  # the kernel released the dead holder's lock
        pass


def test_waiting_writer_gets_the_lock_when_released(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path, 0.5)
    with WorkspaceLock(tmp_path, wait=20):
        assert holder.wait(5) == 0  # we only got in after the holder let go
        assert (tmp_path / ".lock").read_text() == str(os.getpid())


def test_lock_is_exclusive_between_threads_of_one_process(tmp_path: Path) -> None:
    # flock locks belong to open file descriptions, so two opens conflict even in one process.
    events: list[str] = []
    with WorkspaceLock(tmp_path):
        done = threading.Event()

        def second() -> None:
            try:
                WorkspaceLock(tmp_path).__enter__()
                events.append("acquired")
            except WorkspaceBusyError:
                events.append("busy")
            done.set()

        threading.Thread(target=second).start()
        assert done.wait(5)
    assert events == ["busy"]
