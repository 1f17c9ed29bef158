"""Issue #17 point 12: a full disk or a read-only workspace is a user error (exit 2 with the
cause, never a traceback), and a read-only workspace still answers questions.

Real file systems, not mocks: the workspace is a tmpfs of a few hundred KB, or a read-only bind
mount, inside a private mount namespace (`unshare -m`, so nothing leaks to the host). That needs
root (chmod alone does not stop root); elsewhere the tests are skipped.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from assistant.cli.common import storage_problem
from tests.hardening.conftest import clean_env
from tests.hardening.helpers import PMASSIST, pmassist, write_corpus

QUESTION = "消息队列选用什么？"


def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True)  # fmt: skip
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _can_mount(), reason="needs root and unshare -m")


def in_namespace(*steps: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run shell `steps` in a private mount namespace; each step's exit code is echoed."""
    script = " ; ".join(f"{step} ; echo rc=$?" for step in steps)
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip


def cli(*args: str) -> str:
    return shlex.join([*PMASSIST, *args])


def exit_codes(output: str) -> list[int]:
    return [int(line[3:]) for line in output.splitlines() if line.startswith("rc=")]


@needs_mounts
@pytest.mark.slow  # several `pmassist` processes
def test_a_read_only_workspace_answers_and_refuses_to_ingest_with_exit_2(tmp_path: Path) -> None:
    corpus, ws, env = write_corpus(tmp_path / "corpus"), tmp_path / "ws", clean_env()
    assert pmassist("ingest", str(corpus), "--workspace", str(ws), env=env).returncode == 0
    done = in_namespace(
        f"mount --bind -o ro {shlex.quote(str(ws))} {shlex.quote(str(ws))}",
        cli("ask", QUESTION, "--json", "--workspace", str(ws)),
        cli("ingest", str(corpus), "--workspace", str(ws)),
        env=env,
    )
    assert exit_codes(done.stdout) == [0, 0, 2], done.stderr
    answer = json.loads(done.stdout.splitlines()[1])
    assert "RocketMQ" in answer["answer"]
    assert answer["citations"][0]["source"] == "智慧政务/会议纪要/2024-03-05-周例会.md"
    assert "read-only" in done.stderr and "Traceback" not in done.stderr


@needs_mounts
@pytest.mark.slow
def test_a_full_disk_is_exit_2_and_loses_nothing(tmp_path: Path) -> None:
    corpus, ws, env = write_corpus(tmp_path / "corpus"), tmp_path / "ws", clean_env()
    ws.mkdir()
    # Chroma's empty database alone is bigger than 200 KB; the remount gives room again.
    done = in_namespace(
        f"mount -t tmpfs -o size=200k tmpfs {shlex.quote(str(ws))}",
        cli("ingest", str(corpus), "--workspace", str(ws)),
        f"mount -o remount,size=20m {shlex.quote(str(ws))}",
        cli("ingest", str(corpus), "--json", "--workspace", str(ws)),
        cli("ask", QUESTION, "--json", "--workspace", str(ws)),
        env=env,
    )
    assert exit_codes(done.stdout) == [0, 2, 0, 0, 0], (done.stdout, done.stderr)
    assert "disk is full" in done.stderr and "Traceback" not in done.stderr
    documents = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert json.loads(documents[0])["failed"] == []
    assert "RocketMQ" in json.loads(documents[1])["answer"]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/ws/bm25/x"), "disk is full"),
        (OSError(errno.EROFS, "Read-only file system", "/ws/.lock"), "read-only"),
        (OSError(errno.EACCES, "Permission denied", "/ws/manifest.sqlite3"), "permission"),
        (sqlite3.OperationalError("database or disk is full"), "disk is full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
    ],
)
def test_storage_problems_name_the_cause_and_the_fix(error: Exception, words: str) -> None:
    message = storage_problem(error)
    assert message is not None and words in message and "workspace" in message


def test_other_errors_are_not_taken_for_storage_problems() -> None:
    assert storage_problem(OSError(errno.ECONNREFUSED, "refused")) is None
    assert storage_problem(ValueError("database or disk is full")) is None  # not from SQLite
    assert storage_problem(sqlite3.OperationalError("no such table: meta")) is None
