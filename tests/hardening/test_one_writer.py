"""One writer per workspace (issue #8, point 2): a second `pmassist ingest` is refused with a
clear "busy" error or waits its turn, and a server process answers questions while it ingests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.factory import open_index
from tests.hardening.conftest import clean_env, offline_settings
from tests.hardening.helpers import PMASSIST, SMALL_CORPUS, consistency, pmassist, write_corpus
from ui.web.services import DocumentServices


def many_files(count: int, version: str = "v1") -> dict[str, str]:
    files = dict(SMALL_CORPUS)
    for i in range(count):
        body = "\n\n".join(
            f"第{j}条：模块{i}的接口联调记录，版本{version}，负责人李雷，需要复核。"
            for j in range(40)
        )
        files[f"bulk/notes-{i:03d}.md"] = f"# 联调记录 {i}\n\n{body}\n"
    return files


def wait_for_lock_holder(workspace: Path, process: subprocess.Popen[str]) -> None:
    """Until `process` has taken the workspace lock (it writes its pid into .lock)."""
    lock = workspace / ".lock"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(process.pid):
            return
        assert process.poll() is None, "the first ingest ended before it was seen holding the lock"
        time.sleep(0.01)
    raise AssertionError("the first ingest never took the lock")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_second_ingest_is_refused_or_waits_and_nothing_is_corrupted(tmp_path: Path) -> None:
    corpus, ws = write_corpus(tmp_path / "corpus", many_files(40)), tmp_path / "ws"
    env = clean_env()
    first = subprocess.Popen(
        [*PMASSIST, "ingest", str(corpus), "--json", "--workspace", str(ws)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        wait_for_lock_holder(ws, first)
        # Freeze the writer while it holds the lock: the overlap below is certain, not a race.
        os.kill(first.pid, signal.SIGSTOP)
        second = pmassist("ingest", str(corpus), "--json", "--workspace", str(ws), env=env)
        assert second.returncode == 2
        assert "busy" in second.stderr and f"pid {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr and second.stdout == ""

        # A third writer that is willing to wait gets in once the first has finished.
        threading.Timer(1.0, os.kill, (first.pid, signal.SIGCONT)).start()
        waited = CliRunner().invoke(
            app, ["ingest", str(corpus), "--json", "--wait", "300", "--workspace", str(ws)]
        )
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGCONT)
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    report = json.loads(out)
    assert report["added"] == 43 and report["failed"] == []
    assert waited.exit_code == 0, waited.output
    # It got the lock only after the first had written everything: nothing left to do.
    assert json.loads(waited.stdout)["unchanged"] == 43
    index = open_index(offline_settings(ws))
    try:
        assert consistency(index.store, index.manifest).ok
        assert index.store.count() == index.manifest.total_chunks() == report["chunks"]
    finally:
        index.close()


@pytest.mark.timeout(300)
def test_the_server_answers_while_it_ingests_uploads(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path / "ws")
    docs = DocumentServices(settings)
    first = write_corpus(tmp_path / "first")
    docs.ingest_uploads(sorted(first.rglob("*.md")), project="alpha")
    question = "消息队列选用什么？"
    baseline = docs.ask(question, project=None, doc_type=None, k=3)
    assert "RocketMQ" in baseline["answer"]

    uploads = write_corpus(tmp_path / "uploads", many_files(25, "v2"))
    new_files = sorted((uploads / "bulk").glob("*.md"))
    errors: list[BaseException] = []
    reports: list[dict[str, object]] = []

    def upload() -> None:
        try:
            reports.append(docs.ingest_uploads(new_files, project="beta"))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    writer = threading.Thread(target=upload)
    writer.start()
    answers = 0
    while writer.is_alive() or answers < 3:
        answer = docs.ask(question, project=None, doc_type=None, k=3)
        assert "RocketMQ" in answer["answer"]  # old documents stay answerable throughout
        answers += 1
    writer.join()
    assert errors == []
    assert reports[0]["added"] == 25 and reports[0]["failed"] == []
    after = docs.ask("模块7的接口联调记录由谁负责？", project="beta", doc_type=None, k=3)
    assert after["citations"] and after["citations"][0]["project"] == "beta"
    index = docs.index()
    assert consistency(index.store, index.manifest).ok
    assert index.store.count() == index.manifest.total_chunks()
