"""The worker process that prepares files ahead of the run: same output as reading in the run,
and one file's hang or crash costs only that file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.factory import ingest_config, open_index
from assistant.settings import Settings
from ingest.discovery import scan
from ingest.embedders import HashingEmbedder
from ingest.file_worker import FileWorker
from ingest.files import FileJob, FileResult, FileRules, Outcome, ToRead, check, read
from ingest.loaders import LoadLimits
from ingest.manifest import DocumentRecord, Manifest
from ingest.pipeline import IngestConfig, ingest_paths
from ingest.store import InMemoryStore
from tests.ingest.docs import write_pdf

RULES = FileRules(None, 200, 40, 50.0, LoadLimits())


def add_files(root: Path, count: int) -> None:
    """More Markdown, beside the mixed `corpus` fixture."""
    for i in range(count):
        paragraphs = [
            f"第{j}段：文件{i}，接口响应时间不超过{j}00毫秒。Owner Alice{j}." for j in range(8)
        ]
        path = root / "bulk" / f"minutes-{i:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# 会议纪要 {i}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    (root / "bulk" / "broken.pdf").write_bytes(b"%PDF-1.4 not really\n")  # fails, in either path


def ingest_in_memory(corpus: Path, tmp_path: Path, name: str, **options: int) -> InMemoryStore:
    store = InMemoryStore()
    manifest = Manifest(tmp_path / f"{name}.sqlite3")
    config = IngestConfig(chunk_size=200, chunk_overlap=40, **options)  # type: ignore[arg-type]
    report = ingest_paths([corpus], store=store, embedder=HashingEmbedder(), manifest=manifest,
                          config=config)  # fmt: skip
    assert [source for source, _ in report.failed] == ["bulk/broken.pdf"]
    manifest.close()
    return store


def test_worker_and_in_run_reading_index_the_same_chunks_and_vectors(
    corpus: Path, tmp_path: Path
) -> None:
    add_files(corpus, 12)
    here = ingest_in_memory(corpus, tmp_path, "here", worker_min_bytes=10**12)
    # min_write=1: the run writes whenever the worker is not ready yet (many small batches)
    worker = ingest_in_memory(corpus, tmp_path, "worker", worker_min_bytes=0, min_write=1)
    assert sorted(c.id for c in here.iter_chunks()) == sorted(c.id for c in worker.iter_chunks())
    assert here.count() > 30
    for chunk in here.iter_chunks():
        assert worker._chunks[chunk.id] == chunk
        assert np.array_equal(worker._vectors[chunk.id], here._vectors[chunk.id])


def test_first_ingest_through_the_worker_into_chroma_then_nothing_to_do(
    settings: Settings, corpus: Path
) -> None:
    add_files(corpus, 12)
    config = replace(ingest_config(settings), worker_min_bytes=0)
    index = open_index(settings, create=True, lazy=True)
    first = ingest_paths([corpus], store=index.store, embedder=index.embedder,
                         manifest=index.manifest, config=config)  # fmt: skip
    assert first.added == 5 + 12 and first.chunks == index.store.count() > 12
    again = ingest_paths([corpus], store=index.store, embedder=index.embedder,
                         manifest=index.manifest, config=config)  # fmt: skip
    assert (again.unchanged, again.chunks) == (5 + 12, 0)
    index.close()


def jobs(folder: Path) -> list[FileJob]:
    found = scan(folder)
    checked = [check(found.root, c, None, RULES) for c in found.files]
    assert all(isinstance(c, FileJob) for c in checked)
    return checked  # type: ignore[return-value]


def here(job: FileJob) -> Outcome:
    outcome = read(job, RULES, isolate=False)
    assert not isinstance(outcome, ToRead)
    return outcome


def chunk_texts(outcome: Outcome) -> list[str]:
    assert isinstance(outcome, FileResult), outcome
    return [c.text for c in outcome.chunks]


def test_a_hung_or_crashed_worker_costs_one_file_and_a_fresh_one_takes_the_rest(
    tmp_path: Path,
) -> None:
    add_files(tmp_path, 4)
    (tmp_path / "bulk" / "broken.pdf").unlink()
    todo = jobs(tmp_path)
    expected = [chunk_texts(here(job)) for job in todo]
    impatient = FileRules(None, 200, 40, 50.0, LoadLimits(timeout=1.0))
    with FileWorker(impatient, 512, 64, here, grace=0) as worker:
        worker.submit(todo[0])
        outcome = worker.next_outcome()
        assert isinstance(outcome, FileResult) and outcome.vectors is not None
        assert chunk_texts(outcome) == expected[0]
        assert outcome.vectors.shape == (len(expected[0]), 512)
        first = worker._worker.process
        assert first is not None
        os.kill(first.pid, signal.SIGSTOP)  # frozen: the run stops waiting after the timeout
        for job in todo[1:]:
            worker.submit(job)
        stopped = worker.next_outcome()
        assert isinstance(stopped, FileResult) and stopped.record.status == "failed"
        assert "stopped" in (stopped.record.error or "")
        assert first.poll() == -signal.SIGKILL
        assert chunk_texts(worker.next_outcome()) == expected[2]  # a new worker, same answers
        assert chunk_texts(worker.next_outcome()) == expected[3]
        second = worker._worker.process
        assert second is not None and second is not first
        os.kill(second.pid, signal.SIGSTOP)
        worker.submit(todo[0])  # sent, never read: the worker dies first
        os.kill(second.pid, signal.SIGKILL)
        second.wait()
        crashed = worker.next_outcome()
        assert isinstance(crashed, FileResult) and "crashed" in (crashed.record.error or "")
        worker.submit(todo[1])  # a fresh worker again
        assert chunk_texts(worker.next_outcome()) == expected[1]


def test_a_hanging_pdf_is_blamed_not_the_files_prepared_before_it(tmp_path: Path) -> None:
    add_files(tmp_path, 3)
    (tmp_path / "bulk" / "broken.pdf").unlink()
    todo = jobs(tmp_path)
    expected = [chunk_texts(here(job)) for job in todo]
    fifo = tmp_path / "hangs.pdf"
    os.mkfifo(fifo)  # opening it for reading waits for a writer that never comes
    hang = FileJob(DocumentRecord(str(tmp_path), "hangs.pdf", size=1), fifo, None, False)
    impatient = FileRules(None, 200, 40, 50.0, LoadLimits(timeout=1.0))
    with FileWorker(impatient, 512, 64, here, grace=0) as worker:
        for job in [todo[0], todo[1], hang, todo[2]]:
            worker.submit(job)  # all waiting at once: the worker batches the first two
        assert chunk_texts(worker.next_outcome()) == expected[0]
        assert chunk_texts(worker.next_outcome()) == expected[1]
        stopped = worker.next_outcome()
        assert isinstance(stopped, FileResult) and stopped.record.source == "hangs.pdf"
        assert "stopped" in (stopped.record.error or "")
        assert chunk_texts(worker.next_outcome()) == expected[2]


@pytest.mark.parametrize("python", ["/bin/false", "/no/such/python"])
def test_a_worker_that_cannot_start_leaves_the_work_to_the_run(
    python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pdf(tmp_path / "a.pdf", [["第一章 项目概述", "验收标准"]])
    add_files(tmp_path, 2)
    (tmp_path / "bulk" / "broken.pdf").unlink()
    todo = jobs(tmp_path)
    done: list[FileJob] = []

    def local(job: FileJob) -> Outcome:
        done.append(job)
        return here(job)

    # The worker exits (or never starts) before it can say it is ready.
    monkeypatch.setattr(sys, "executable", python)
    with FileWorker(RULES, 512, 64, local) as worker:
        for job in todo:
            worker.submit(job)
        outcomes = [worker.next_outcome() for _ in todo]
    assert done == todo
    assert [chunk_texts(o) for o in outcomes] == [chunk_texts(here(job)) for job in todo]


@pytest.mark.parametrize("stage", ["written:2", "saved:1"])
def test_an_interrupted_worker_run_is_completed_by_the_next(
    stage: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ingest import test_crash

    corpus = tmp_path / "corpus"
    test_crash.make_corpus(corpus, "v1")
    config = IngestConfig(chunk_size=100, chunk_overlap=0, write_batch=40, worker_min_bytes=0)
    monkeypatch.setattr(test_crash, "CONFIG", config)
    expected = test_crash.expected_chunks(corpus, tmp_path)
    report, index = test_crash.interrupt_then_rerun(settings, corpus, config, stage, monkeypatch)
    assert report.failed == [] and report.added + report.updated + report.unchanged == 12
    test_crash.assert_consistent(index, expected)
    index.close()


def test_a_killed_run_leaves_no_worker_and_the_next_run_completes_it(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.ingest import test_crash

    corpus = tmp_path / "corpus"
    test_crash.make_corpus(corpus, "v1")
    script = (
        "import sys; from pathlib import Path\n"
        "from assistant.factory import open_index\n"
        "from assistant.settings import Settings\n"
        "from ingest.pipeline import IngestConfig, ingest_paths\n"
        "index = open_index(Settings(workspace=Path(sys.argv[2]), _env_file=None), create=True,"
        " lazy=True)\n"
        "config = IngestConfig(chunk_size=100, chunk_overlap=0, write_batch=40,"
        " worker_min_bytes=0, min_write=1)\n"
        "ingest_paths([Path(sys.argv[1])], store=index.store, embedder=index.embedder,"
        " manifest=index.manifest, config=config)\n"
    )
    marker = f"PMASSIST_TEST_RUN={uuid.uuid4().hex}"  # inherited by the run's worker
    env = {**os.environ, "PMASSIST_TEST_CRASH_AT": "written:2", **dict([marker.split("=")])}
    run = subprocess.run([sys.executable, "-c", script, str(corpus), str(settings.workspace)],
                         env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == -signal.SIGKILL, run.stderr
    # Its worker saw the pipe close and left.
    deadline = time.monotonic() + 10
    while _workers_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _workers_with(marker)
    config = IngestConfig(chunk_size=100, chunk_overlap=0, write_batch=40, worker_min_bytes=0)
    index = open_index(settings, create=True, lazy=True)
    report = ingest_paths([corpus], store=index.store, embedder=index.embedder,
                          manifest=index.manifest, config=config)  # fmt: skip
    assert report.failed == [] and report.added + report.updated + report.unchanged == 12
    test_crash.assert_consistent(index, test_crash.expected_chunks(corpus, tmp_path))
    index.close()


def _workers_with(marker: str) -> list[int]:
    """Worker processes whose environment holds `marker` (Linux /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if b"-m\0ingest.file_worker" not in (proc / "cmdline").read_bytes():
                continue
            environment = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker.encode() in environment:
            found.append(int(proc.name))
    return found
