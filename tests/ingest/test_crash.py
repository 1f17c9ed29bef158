"""Interrupt ingests at every step of the write protocol; the next run must finish the work
with no duplicate and no orphan chunks.

In-process runs are interrupted with KeyboardInterrupt (what Ctrl-C raises) at each crash
point; a real `pmassist ingest` subprocess is killed with SIGKILL at several points.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import ingest.pipeline
from assistant.factory import Index, open_index
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.manifest import Manifest
from ingest.pipeline import IngestConfig, IngestReport, ingest_paths
from ingest.store import InMemoryStore

CONFIG = IngestConfig(chunk_size=100, chunk_overlap=0, write_batch=40)
FILES = 12


def make_corpus(root: Path, version: str) -> None:
    """12 files of ~20 chunks each: several write batches of 40 chunks."""
    for i in range(FILES):
        body = "\n\n".join(
            f"第{j}段：文件{i}的第{j}条记录，版本{version}，内容需要被完整检索到，不能重复。"
            for j in range(20)
        )
        path = root / f"proj{i % 2}" / f"doc{i:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# 文档{i}\n\n{body}\n", encoding="utf-8")


def expected_chunks(corpus: Path, tmp_path: Path) -> list[tuple[str, int, str]]:
    """What an uninterrupted run indexes."""
    store = InMemoryStore()
    manifest = Manifest(tmp_path / f"ref-{len(list(tmp_path.iterdir()))}.sqlite3")
    ingest_paths([corpus], store=store, embedder=HashingEmbedder(), manifest=manifest,
                 config=CONFIG)  # fmt: skip
    return sorted((c.source, c.chunk_index, c.text) for c in store.iter_chunks())


def assert_consistent(index: Index, expected: list[tuple[str, int, str]]) -> None:
    records = {r.source: r for r in index.manifest.records().values()}
    chunks = list(index.store.iter_chunks())
    assert {r.status for r in records.values()} == {"ok"}
    assert all(c.file_hash == records[c.source].file_hash for c in chunks)  # no orphans
    per_source = Counter(c.source for c in chunks)
    assert all(per_source[s] == r.chunks for s, r in records.items())
    assert index.store.count() == index.manifest.total_chunks() == len(chunks)
    assert sorted((c.source, c.chunk_index, c.text) for c in chunks) == expected


class Interrupt:
    """Replaces crash_point: raises KeyboardInterrupt at the nth time `stage` is reached."""

    def __init__(self, stage: str, nth: int) -> None:
        self.stage, self.nth, self.hits = stage, nth, 0

    def __call__(self, stage: str) -> None:
        if stage == self.stage:
            self.hits += 1
            if self.hits == self.nth:
                raise KeyboardInterrupt


@pytest.mark.parametrize(
    "stage", ["pending:1", "deleted:1", "written:1", "written:3", "saved:1", "saved:2"]
)
def test_interrupted_run_is_completed_by_the_next(
    stage: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    for version in ("v1", "v2"):
        make_corpus(corpus, version)
        expected = expected_chunks(corpus, tmp_path)
        report, index = interrupt_then_rerun(settings, corpus, CONFIG, stage, monkeypatch)
        assert report.failed == [] and report.added + report.updated + report.unchanged == FILES
        assert_consistent(index, expected)
        index.close()


def interrupt_then_rerun(
    settings: Settings,
    corpus: Path,
    config: IngestConfig,
    stage: str,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[IngestReport, Index]:
    """Ingest `corpus` interrupted at `stage` ("name:nth" of a crash point), then again to
    the end: the second run's report and the index (still open: the caller closes it)."""
    name, nth = stage.split(":")
    with monkeypatch.context() as patch:
        patch.setattr(ingest.pipeline, "crash_point", Interrupt(name, int(nth)))
        index = open_index(settings, create=True, lazy=True)
        with pytest.raises(KeyboardInterrupt):
            ingest_paths([corpus], store=index.store, embedder=index.embedder,
                         manifest=index.manifest, config=config)  # fmt: skip
        index.close()
    index = open_index(settings, create=True, lazy=True)
    report = ingest_paths([corpus], store=index.store, embedder=index.embedder,
                          manifest=index.manifest, config=config)  # fmt: skip
    return report, index


def pmassist_ingest(corpus: Path, ws: Path, crash_at: str | None = None) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "PMASSIST_INGEST__CHUNK_SIZE": "100",
           "PMASSIST_INGEST__CHUNK_OVERLAP": "0"}  # fmt: skip
    env.pop("PMASSIST_TEST_CRASH_AT", None)
    if crash_at:
        env["PMASSIST_TEST_CRASH_AT"] = crash_at
    command = [sys.executable, "-c", "from assistant.cli import app; app()", "ingest",
               str(corpus), "--json", "--batch", "40", "--workspace", str(ws)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if crash_at:
        assert done.returncode == -signal.SIGKILL, done.stderr
        return {}
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_sigkilled_pmassist_ingest_is_completed_by_the_next(tmp_path: Path) -> None:
    corpus, ws = tmp_path / "corpus", tmp_path / "ws"
    # Each subprocess pays the CLI's start-up, so two kills; in-process tests cover the rest.
    for version, crash_at in (("v1", "written:2"), ("v2", "deleted:1")):
        make_corpus(corpus, version)
        pmassist_ingest(corpus, ws, crash_at)
        report = pmassist_ingest(corpus, ws)
        assert report["failed"] == []
        assert report["added"] + report["updated"] + report["unchanged"] == FILES
    # Opened only now: chromadb caches clients per path, so not while subprocesses write.
    index = open_index(Settings(workspace=ws, _env_file=None))  # type: ignore[call-arg]
    assert_consistent(index, expected_chunks(corpus, tmp_path))
    index.close()
