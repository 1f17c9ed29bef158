"""Live search snapshots (issue #17.1, #14.6): what the ingest publishes, what a long-lived reader
answers from while the index changes, and how a search against a failing store degrades.

Real Chroma on disk in a temp dir; the writer runs in this process (the cross-process cases, with
real `pmassist serve` and `pmassist ingest` processes, are in tests/hardening)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from chromadb.errors import InternalError

from assistant.factory import open_index
from assistant.retrieval import BM25Index, LiveRetriever
from assistant.retrieval import index as bm25_index
from assistant.retrieval.live import (
    RunChunks,
    SnapshotSearch,
    publish_snapshot,
    snapshot_folder,
    workspace_tokenizer,
)
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from ingest.lock import WorkspaceLock, writer_pid
from ingest.manifest import DocumentRecord
from ingest.model import Chunk, SearchFilter, SearchHit

MINUTES = "# 周例会\n\n消息队列选用 RocketMQ，负责人：张伟。\n"
SRS = "# 需求\n\n接口响应时间不超过 300 毫秒。\n"
OUTAGE = "# Outage\n\nThe quokka gateway leaked file handles.\n"


def settings_for(ws: Path) -> Settings:
    return Settings(workspace=ws, _env_file=None)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def sources(live: LiveRetriever, query: str) -> list[str]:
    return [hit.chunk.source for hit in live.current().search(query, k=3)]


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Settings, Path]:
    corpus = write(tmp_path / "docs", {"a/minutes.md": MINUTES, "a/srs.md": SRS,
                                       "b/outage.md": OUTAGE})  # fmt: skip
    settings = settings_for(tmp_path / "ws")
    ingest_into_workspace(settings, [corpus])
    return settings, corpus


def test_the_ingest_publishes_the_snapshot_of_its_generation(workspace: tuple) -> None:
    settings, _ = workspace
    index = open_index(settings, read_only=True)
    try:
        snapshot = BM25Index.load(snapshot_folder(settings))
        assert snapshot is not None and snapshot.generation == index.manifest.generation()
        assert len(snapshot) == index.manifest.total_chunks()
        assert snapshot.has_vectors_from(index.embedder.id)  # no reader needs Chroma
    finally:
        index.close()


def test_a_reader_moves_to_a_newly_published_version_and_keeps_the_old_one_meanwhile(
    workspace: tuple,
) -> None:
    settings, corpus = workspace
    index = open_index(settings, lazy=True)
    live = LiveRetriever(settings, index)
    try:
        before = live.current()
        assert "b/outage.md" in sources(live, "quokka gateway file handles")
        (corpus / "b" / "outage.md").unlink()
        write(corpus, {"c/kickoff.md": "# Kick-off\n\nThe pelican scheduler owner is Wang Fang.\n"})
        with WorkspaceLock(settings.workspace):  # an ingest in progress, as another process
            assert live.current() is before  # manifest unchanged yet: nothing to do
        ingest_into_workspace(settings, [corpus])
        after = live.current()
        assert after is not before
        assert "c/kickoff.md" in sources(live, "pelican scheduler owner")
        assert "b/outage.md" not in sources(live, "quokka gateway file handles")
        # a request that started before the switch still answers from its own version
        assert "b/outage.md" in [h.chunk.source for h in before.search("quokka gateway", k=3)]
    finally:
        index.close()


def test_while_a_writer_holds_the_workspace_the_reader_answers_from_the_published_version(
    workspace: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, corpus = workspace
    index = open_index(settings, lazy=True)
    live = LiveRetriever(settings, index)
    monkeypatch.setattr(live, "RETRY_SECONDS", 0.0)
    try:
        before = live.current()
        with WorkspaceLock(settings.workspace):
            # the manifest moves on (as mid-ingest), no snapshot is published yet
            index.manifest.mark_pending([(str(corpus.resolve()), "a/srs.md")])
            assert live.current() is before
            assert live.current() is before
        # the writer is gone without publishing (crashed): the reader builds it itself,
        # leaving out the document the crash left pending
        rebuilt = live.current()
        assert rebuilt is not before
        assert "a/srs.md" not in {c.source for c in rebuilt.bm25.chunks}
        assert BM25Index.load(snapshot_folder(settings)).generation == index.manifest.generation()  # type: ignore[union-attr]
    finally:
        index.close()


def spy_store_reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The documents every ChromaStore.read_chunks call asks for (None: all)."""
    from ingest.store import ChromaStore

    asked: list[object] = []
    real = ChromaStore.read_chunks

    def spy(self: ChromaStore, documents: object = None, *, vectors: bool = False) -> object:
        asked.append(documents)
        return real(self, documents, vectors=vectors)  # type: ignore[arg-type]

    monkeypatch.setattr(ChromaStore, "read_chunks", spy)
    return asked


def test_publishing_reads_nothing_back_from_the_store(
    workspace: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged documents come from the previous snapshot, the changed one from what the
    run wrote (RunChunks): the store is not read at all."""
    settings, corpus = workspace
    write(corpus, {"a/srs.md": SRS + "\n备份保留 30 天。\n"})
    asked = spy_store_reads(monkeypatch)
    ingest_into_workspace(settings, [corpus])
    assert asked == []
    index = open_index(settings, read_only=True)
    try:
        live = LiveRetriever(settings, index)
        assert "a/srs.md" in sources(live, "备份保留多久")
        snapshot = live.current().bm25
        assert len(snapshot) == index.manifest.total_chunks()
        assert snapshot.vectors is not None and snapshot.vectors.shape[0] == len(snapshot)
        # the vectors kept for unchanged documents are the store's own
        stored, vectors = index.store.read_chunks(None, vectors=True)
        row = {c.id: i for i, c in enumerate(stored)}
        assert vectors is not None
        for i, chunk in enumerate(snapshot.chunks):
            assert np.allclose(snapshot.vectors[i], vectors[row[chunk.id]], atol=1e-3)
    finally:
        index.close()


def test_a_first_ingest_publishes_what_it_wrote_as_the_store_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write(tmp_path / "docs", {"a/minutes.md": MINUTES * 40, "a/srs.md": SRS,
                                       "b/outage.md": OUTAGE})  # fmt: skip
    settings = settings_for(tmp_path / "ws")
    asked = spy_store_reads(monkeypatch)
    ingest_into_workspace(settings, [corpus])
    assert asked == []  # nothing read back
    monkeypatch.undo()
    # Moved aside, so that publishing again has no previous version and reads the store.
    snapshot_folder(settings).rename(tmp_path / "published")
    published = BM25Index.load(tmp_path / "published")
    assert published is not None and published.vectors is not None
    index = open_index(settings, read_only=True)
    try:
        tokenizer = workspace_tokenizer(settings)[0]
        asked = spy_store_reads(monkeypatch)
        from_store = publish_snapshot(index, tokenizer, save=False)
        assert asked == [None]
        # same chunks (every field), same vectors, same BM25 scores as a publish from the store
        assert sorted(published.chunks, key=lambda c: c.id) == sorted(
            from_store.chunks, key=lambda c: c.id
        )
        assert from_store.vectors is not None
        row = {c.id: i for i, c in enumerate(from_store.chunks)}
        order = [row[c.id] for c in published.chunks]
        assert np.allclose(published.vectors, from_store.vectors[order], atol=1e-6)
        query = workspace_tokenizer(settings)[0].tokens("消息队列负责人 quokka gateway")
        assert np.allclose(published.scores(query), from_store.scores(query)[order])
    finally:
        index.close()


def test_run_chunks_takes_only_documents_written_whole_in_their_manifest_content() -> None:
    def part(source: str, index: int, file_hash: str) -> Chunk:
        return Chunk(f"{source}-{file_hash}-{index}", f"{source} {index}", source, "p", "other",
                     None, None, "", index, file_hash, "/r")  # fmt: skip

    written = RunChunks()
    written([part("a.md", 0, "h1"), part("a.md", 1, "h1")], np.ones((2, 4), np.float32))
    written([part("a.md", 0, "h2"), part("b.md", 1, "h1")], np.full((2, 4), 2, np.float32))
    written([part("b.md", 0, "h1")], np.full((1, 4), 3, np.float32))
    expected = {
        ("/r", "a.md"): DocumentRecord("/r", "a.md", file_hash="h2", chunks=1),
        ("/r", "b.md"): DocumentRecord("/r", "b.md", file_hash="h1", chunks=2),
        ("/r", "c.md"): DocumentRecord("/r", "c.md", file_hash="h1", chunks=1),  # not written
    }
    chunks, vectors, taken = written.take(list(expected), expected, with_vectors=True)
    assert [c.id for c in chunks] == ["a.md-h2-0", "b.md-h1-0", "b.md-h1-1"]  # file order
    assert vectors is not None and vectors[:, 0].tolist() == [2, 3, 2]
    assert taken == {("/r", "a.md"), ("/r", "b.md")}
    # a document the manifest counts more chunks for (half written) is left to the store
    short = expected | {("/r", "b.md"): DocumentRecord("/r", "b.md", file_hash="h1", chunks=3)}
    assert written.take([("/r", "b.md")], short, with_vectors=False)[2] == set()


def test_old_versions_stay_while_readers_may_load_them_then_go(
    workspace: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, corpus = workspace
    folder = snapshot_folder(settings)
    first = {p.name for p in folder.iterdir() if p.is_dir()}
    write(corpus, {"a/new.md": "# New\n\nA new decision.\n"})
    ingest_into_workspace(settings, [corpus])
    assert first < {p.name for p in folder.iterdir() if p.is_dir()}  # the old one is kept
    old = folder / next(iter(first))
    aged = time.time() - bm25_index.KEEP_OLD_SECONDS - 1
    os.utime(old, (aged, aged))
    write(corpus, {"a/newer.md": "# Newer\n\nAnother decision.\n"})
    ingest_into_workspace(settings, [corpus])
    assert not old.exists()
    assert len([p for p in folder.iterdir() if p.is_dir()]) == 2


def test_the_first_question_after_an_ingest_builds_nothing(
    workspace: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = workspace

    def no_build(*args: object, **kwargs: object) -> BM25Index:
        raise AssertionError("a reader rebuilt the BM25 index the ingest should have published")

    monkeypatch.setattr(BM25Index, "build", no_build)
    index = open_index(settings, lazy=True, read_only=True)
    try:
        assert "a/minutes.md" in sources(LiveRetriever(settings, index), "消息队列选用什么")
    finally:
        index.close()


class FlakyStore:
    """A store whose search fails `failures` times with Chroma's own error, then answers."""

    def __init__(self, chunks: Sequence[Chunk], failures: int) -> None:
        self.chunks, self.failures, self.reconnects = list(chunks), failures, 0

    def search(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> list[SearchHit]:
        if self.failures:
            self.failures -= 1
            raise InternalError("Error executing plan: Internal error: Error finding id")
        return [SearchHit(c, 1.0) for c in self.chunks[:k]]

    def reconnect(self) -> None:
        self.reconnects += 1


def chunk(chunk_id: str, text: str = "text") -> Chunk:
    return Chunk(chunk_id, text, f"{chunk_id}.md", "p", "other", None, None, "", 0, "h")


def snapshot_of(chunks: Sequence[Chunk]) -> BM25Index:
    tokenizer, _ = workspace_tokenizer(settings_for(Path("/nonexistent")))
    return BM25Index.build(chunks, tokenizer, 1)


def test_vector_hits_the_snapshot_lacks_are_dropped_and_its_own_copy_is_cited() -> None:
    mine = chunk("a", "the snapshot's text")
    store = FlakyStore([chunk("new-id"), chunk("a", "a later version's text")], failures=0)
    search = SnapshotSearch(store, snapshot_of([mine]))  # type: ignore[arg-type]
    hits = search.search(np.zeros(4, dtype=np.float32), 5)
    assert [h.chunk for h in hits] == [mine]


def test_a_failing_store_is_reconnected_once_then_left_out() -> None:
    mine = chunk("a")
    once = FlakyStore([mine], failures=1)
    hits = SnapshotSearch(once, snapshot_of([mine])).search(np.zeros(4), 3)  # type: ignore[arg-type]
    assert [h.chunk for h in hits] == [mine]
    assert once.reconnects == 1
    always = FlakyStore([mine], failures=5)
    assert SnapshotSearch(always, snapshot_of([mine])).search(np.zeros(4), 3) == []  # type: ignore[arg-type]
    assert always.reconnects == 1


def test_an_ingest_that_changes_nothing_publishes_nothing(
    workspace: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, corpus = workspace
    before = bm25_index.published_version(snapshot_folder(settings))

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged ingest loaded the snapshot")

    monkeypatch.setattr(BM25Index, "load", no_load)
    report = ingest_into_workspace(settings, [corpus])
    assert report.unchanged == 3
    assert bm25_index.published_version(snapshot_folder(settings)) == before


def test_a_reader_builds_as_soon_as_a_writer_that_did_not_publish_is_done(
    workspace: tuple,
) -> None:
    settings, corpus = workspace
    index = open_index(settings, lazy=True)
    live = LiveRetriever(settings, index)  # RETRY_SECONDS as shipped: it is not what decides
    try:
        before = live.current()
        with WorkspaceLock(settings.workspace):
            assert writer_pid(settings.workspace) == os.getpid()
            index.manifest.mark_pending([(str(corpus.resolve()), "a/srs.md")])
            assert live.current() is before
        assert writer_pid(settings.workspace) is None
        assert live.current() is not before
    finally:
        index.close()
