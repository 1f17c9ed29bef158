"""kill -9 of an ingest at many random moments (issue #8, point 3): after each kill, a re-run
leaves store and manifest in agreement — every chunk accounted for, none duplicated, none
orphaned — and holding exactly what an uninterrupted ingest of the same files would.

A seeded loop picks the kill delays (and edits, deletes and adds files between kills, so kills
also land in updates and deletions); the number of kill points and where they landed (read from
the manifest the killed process left behind) are printed for the report.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ingest.embedders import HashingEmbedder
from ingest.manifest import Manifest
from ingest.pipeline import ingest_paths
from ingest.store import InMemoryStore
from tests.hardening import crash_worker

pytestmark = pytest.mark.slow

SEED = 20240308
FILES = 12
KILL_POINTS = 24
BUDGET_SECONDS = 45.0  # stop adding kill points after this (at least MIN_KILL_POINTS are run)
MIN_KILL_POINTS = 20
PHRASES = [
    "会议决定由张伟负责消息队列扩容，截止 4 月 10 日。", "数据迁移窗口不足，可能导致割接延期。",
    "The vendor delivered the API late; the cutover slipped two weeks.",
    "Action: Alice owns the rollback plan and reports on Friday.", "接口响应时间不超过 300 毫秒。",
    "Risk: key developer may leave before UAT; probability medium, impact high.",
]  # fmt: skip


def write_file(path: Path, rng: random.Random, version: int) -> None:
    paragraphs = [
        f"{rng.choice(PHRASES)} 第{version}版 #{rng.randrange(10_000)}。" * rng.randint(1, 3)
        for _ in range(rng.randint(6, 16))
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {path.stem}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def mutate(corpus: Path, rng: random.Random, version: int, share: float = 1.0) -> None:
    """Rewrite a share of the files (all by default), delete one and add one: a run over every
    file is all updates, with a deletion and an addition, so a kill anywhere interrupts work."""
    files = sorted(corpus.rglob("*.md"))
    for path in rng.sample(files, k=max(1, int(share * len(files)))):
        write_file(path, rng, version)
    if len(files) > FILES:
        rng.choice(files).unlink()
    write_file(corpus / f"p{rng.randrange(3)}" / f"added-{version}.md", rng, version)


def expected_chunks(corpus: Path, tmp: Path) -> list[tuple[str, int, str, str]]:
    """What an uninterrupted ingest of `corpus` holds (in memory, same pipeline and config)."""
    store, manifest = InMemoryStore(), Manifest(tmp / "expected.sqlite3")
    try:
        ingest_paths([corpus], store=store, embedder=HashingEmbedder(), manifest=manifest,
                     config=crash_worker.CONFIG)  # fmt: skip
    finally:
        manifest.close()
        (tmp / "expected.sqlite3").unlink()
    return sorted(
        (c.source, c.chunk_index, c.file_hash, hashlib.sha1(c.text.encode()).hexdigest())
        for c in store.iter_chunks()
    )


def landed_in(workspace: Path) -> str:
    """Where the killed run stopped, as its manifest shows it."""
    path = workspace / "manifest.sqlite3"
    if not path.exists():
        return "before the manifest existed"
    with sqlite3.connect(path) as db:
        try:
            pending = db.execute("SELECT COUNT(*) FROM documents WHERE status='pending'").fetchone()
            state = db.execute("SELECT value FROM meta WHERE key='run_state'").fetchone()
        except sqlite3.Error:
            return "while the manifest was being created"
    if pending[0]:
        return "inside a batch (pending rows)"
    if state and state[0] == "running":
        return "between batches (run marked running)"
    return "before the run started writing"


@pytest.fixture(scope="module")
def forkserver() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.hardening.crash_worker"])
    return context


@pytest.mark.timeout(600)
def test_kill_at_random_points_then_rerun_is_consistent(forkserver: Any, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    corpus, ws = tmp_path / "corpus", tmp_path / "ws"
    for i in range(FILES):
        write_file(corpus / f"p{i % 3}" / f"doc-{i:02d}.md", rng, 0)

    # How long a run that rewrites every file takes here, so kill delays spread over a run.
    runs = []
    for version in (-2, -1):
        mutate(corpus, rng, version)
        started = time.monotonic()
        clean = forkserver.Process(target=crash_worker.ingest, args=(str(corpus), str(ws)))
        clean.start()
        clean.join(300)
        runs.append(time.monotonic() - started)
        assert clean.exitcode == 0
    full_run = runs[-1]  # the second: an update of every file, like the runs below

    landings: Counter[str] = Counter()
    kills = finished_first = 0
    began = time.monotonic()
    for version in range(1, KILL_POINTS * 3):
        if kills >= KILL_POINTS or (
            kills >= MIN_KILL_POINTS and time.monotonic() - began > BUDGET_SECONDS
        ):
            break
        mutate(corpus, rng, version)
        delay = rng.uniform(0.0, 0.9 * full_run)
        victim = forkserver.Process(target=crash_worker.ingest, args=(str(corpus), str(ws)))
        victim.start()
        time.sleep(delay)
        victim.kill()  # SIGKILL: no cleanup, no finally blocks
        victim.join(60)
        if victim.exitcode == 0:
            finished_first += 1  # the run beat the kill: not a kill point
        else:
            assert victim.exitcode == -9
            kills += 1
            landings[landed_in(ws)] += 1
            # The user edits files before running again: what the killed run left half-written
            # must be cleaned up, not merely overwritten by the same ids.
            mutate(corpus, rng, -version, share=0.3)

        receive, send = forkserver.Pipe(duplex=False)
        rerun = forkserver.Process(target=crash_worker.ingest_and_inspect,
                                   args=(str(corpus), str(ws), send))  # fmt: skip
        rerun.start()
        send.close()
        state = receive.recv()
        rerun.join(120)
        assert rerun.exitcode == 0
        assert state["report"]["failed"] == []
        assert state["consistency"].ok, (version, delay, state["consistency"])
        assert state["count"] == state["total"] == len(state["chunks"])
        assert state["chunks"] == expected_chunks(corpus, tmp_path), (version, delay)

    print(f"\nkill points exercised: {kills} (runs that finished before the kill: "
          f"{finished_first}; full run {full_run:.2f} s)")  # fmt: skip
    for where, count in sorted(landings.items()):
        print(f"  {count:3d} killed {where}")
    assert kills >= MIN_KILL_POINTS
    assert landings["inside a batch (pending rows)"] > 0  # the interesting case was hit
