"""Which search snapshot a reader sees while other processes ingest.

The ingest that changes the index also publishes its search snapshot: the BM25 index, every
chunk's text and metadata and, on the embedded store, their vectors, as a new version folder in
<workspace>/bm25/ with a pointer switched atomically to it (index.py). A reader answers from the
version it loaded — never from ids that may have left Chroma since — and moves to a newer one
when it is published. So a long-lived server picks up another process's ingest without a
restart, answers from a consistent snapshot meanwhile, and the first question after an ingest
pays a load, not a build.

Only when no ingest published the manifest's generation (an older pmassist, an upload through
a door that does not publish, a crashed run) does a reader build the snapshot itself, under the
workspace's write lock so no writer changes the store while it reads.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.quick_ingest import SNAPSHOT_DIR as SNAPSHOT_DIR  # re-exported
from assistant.quick_ingest import pointer_is_current
from assistant.quick_ingest import snapshot_folder as snapshot_folder  # re-exported
from assistant.quick_ingest import workspace_tokenizer as workspace_tokenizer  # re-exported
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.index import (
    BM25Index,
    VectorSource,
    chunk_ids,
    chunk_matches,
    published_version,
    saved_tokens,
)
from assistant.tokenize import TextTokenizer
from ingest.errors import NoIndexError, WorkspaceBusyError
from ingest.lock import WorkspaceLock, writer_pid
from ingest.manifest import OK, DocumentRecord
from ingest.model import Chunk, SearchFilter, SearchHit
from ingest.ports import IndexStore

if TYPE_CHECKING:
    from assistant.factory import Index
    from assistant.settings import Settings

logger = logging.getLogger(__name__)

# A workspace that cannot be written: the reader builds in memory and saves nothing.
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def no_index_message(settings: Settings) -> str:
    return f"No index in {settings.workspace} — run `pmassist ingest data/samples` first."


# -- the writer's side -----------------------------------------------------------------------


def snapshot_is_current(index: Index, tokenizer: TextTokenizer) -> bool:
    """Whether the published snapshot already is the manifest's generation, made by this
    tokenizer (and embedder): then an ingest that changed nothing publishes nothing, without
    loading the snapshot (half a second at 58,843 chunks)."""
    generation = index.manifest.generation()
    return pointer_is_current(index.settings, generation, tokenizer, index.embedder.id)


def publish_snapshot(
    index: Index,
    tokenizer: TextTokenizer,
    *,
    save: bool = True,
    written: RunChunks | None = None,
) -> BM25Index:
    """Bring the search snapshot in step with the manifest and the store, and publish it.

    The caller holds the workspace's write lock. Incremental: documents unchanged since the
    published version keep their chunks, vectors and tokens; those the ingest run that just
    ended wrote come from `written` (what the pipeline handed the store); only the others are
    read from the store. Only chunks of documents the manifest has as `ok` (same file hash,
    all of them) are taken, so a document left half-written by a crashed run is never
    searchable.
    """
    folder = snapshot_folder(index.settings)
    with_vectors = index.settings.chroma_url is None
    generation = index.manifest.generation()
    previous = BM25Index.load(folder, tokenizer.fingerprint)
    if previous is not None and with_vectors and not previous.has_vectors_from(index.embedder.id):
        previous = None  # its vectors are of no use; its tokens still are (saved_tokens below)
    if previous is not None and previous.generation == generation:
        return previous
    expected = {
        (r.root, r.source): r for r in index.manifest.records().values() if r.status == OK
    }
    chunks, vectors = _current_chunks(index.store, previous, expected, with_vectors, written)
    tokens = saved_tokens(folder, tokenizer.fingerprint)
    built = BM25Index.build(chunks, tokenizer, generation, tokens)
    if vectors is not None and len(chunks):
        built.vectors, built.embedder = vectors, index.embedder.id
    if save:
        built.save(folder)
    return built


class RunChunks:
    """The chunks (and vectors) one ingest run wrote to the store, kept by the run
    (`ingest_paths(written=...)`) so that the snapshot published after it need not read them
    back: on a first ingest that was every chunk of the index."""

    def __init__(self) -> None:
        self._batches: list[tuple[Sequence[Chunk], np.ndarray]] = []
        # document -> chunk id -> (batch, row): a chunk written again replaces its older row
        self._rows: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}

    def __call__(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        batch = len(self._batches)
        self._batches.append((chunks, vectors))
        for row, chunk in enumerate(chunks):
            self._rows.setdefault((chunk.root, chunk.source), {})[chunk.id] = (batch, row)

    def take(
        self,
        documents: Sequence[tuple[str, str]],
        expected: dict[tuple[str, str], DocumentRecord],
        with_vectors: bool,
    ) -> tuple[list[Chunk], np.ndarray | None, set[tuple[str, str]]]:
        """The chunks of those `documents` this run wrote completely, in the content the
        manifest has (file hash, chunk count), their vectors, and which documents they are."""
        where: list[tuple[int, int]] = []
        taken: set[tuple[str, str]] = set()
        for key in documents:
            record = expected[key]
            rows = [(b, r) for b, r in self._rows.get(key, {}).values()
                    if self._batches[b][0][r].file_hash == record.file_hash]  # fmt: skip
            if rows and len(rows) == record.chunks:
                rows.sort(key=lambda at: self._batches[at[0]][0][at[1]].chunk_index)
                where += rows
                taken.add(key)
        chunks = [self._batches[b][0][r] for b, r in where]
        if not with_vectors:
            return chunks, None, taken
        vectors = (
            np.stack([self._batches[b][1][r] for b, r in where]).astype(np.float32, copy=False)
            if where
            else None
        )
        return chunks, vectors, taken


def _current_chunks(
    store: IndexStore,
    previous: BM25Index | None,
    expected: dict[tuple[str, str], DocumentRecord],
    with_vectors: bool,
    written: RunChunks | None = None,
) -> tuple[list[Chunk], np.ndarray | None]:
    """Every chunk the manifest accounts for: from the previous snapshot, then from what
    this run wrote, then from the store."""
    kept = _unchanged_rows(previous, expected)
    kept_documents = {(previous.chunks[i].root, previous.chunks[i].source)
                      for i in kept} if previous is not None else set()  # fmt: skip
    wanted = [key for key, r in expected.items() if r.chunks and key not in kept_documents]
    fresh: list[Chunk] = []
    fresh_vectors = None
    taken: set[tuple[str, str]] = set()
    if written is not None:
        fresh, fresh_vectors, taken = written.take(wanted, expected, with_vectors)
    missing = [key for key in wanted if key not in taken]
    stored, stored_vectors = _from_store(store, missing, expected, with_vectors)
    kept_chunks = [previous.chunks[i] for i in kept] if previous is not None else []
    chunks = kept_chunks + fresh + stored
    parts: list[np.ndarray] = []
    if kept and previous is not None:
        if previous.vectors is None:
            return chunks, None
        parts.append(previous.vectors[kept])
    if not with_vectors:
        return chunks, None
    parts += [v for v in (fresh_vectors, stored_vectors) if v is not None and len(v)]
    if not parts:
        return chunks, None
    return chunks, np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def _from_store(
    store: IndexStore,
    documents: list[tuple[str, str]],
    expected: dict[tuple[str, str], DocumentRecord],
    with_vectors: bool,
) -> tuple[list[Chunk], np.ndarray | None]:
    """The accounted chunks of `documents` as the store has them."""
    if not documents:
        return [], None
    if len(documents) * 2 <= len(expected):
        return _accounted(*store.read_chunks(documents, vectors=with_vectors), expected)
    # Mostly everything: one scan is cheaper than many filters; only `documents` are kept.
    wanted = set(documents)
    only = {key: r for key, r in expected.items() if key in wanted}
    return _accounted(*store.read_chunks(None, vectors=with_vectors), only)


def _unchanged_rows(
    previous: BM25Index | None, expected: dict[tuple[str, str], DocumentRecord]
) -> list[int]:
    """Rows of `previous` whose document is still `ok` with the same content and count."""
    if previous is None:
        return []
    rows: dict[tuple[str, str], list[int]] = {}
    for i, chunk in enumerate(previous.chunks):
        record = expected.get((chunk.root, chunk.source))
        if record is not None and record.file_hash == chunk.file_hash:
            rows.setdefault((chunk.root, chunk.source), []).append(i)
    return sorted(i for key, found in rows.items() if len(found) == expected[key].chunks
                  for i in found)  # fmt: skip


def _accounted(
    chunks: list[Chunk],
    vectors: np.ndarray | None,
    expected: dict[tuple[str, str], DocumentRecord],
) -> tuple[list[Chunk], np.ndarray | None]:
    """Only the chunks an `ok` manifest row accounts for (same file hash)."""
    keep = [
        i for i, c in enumerate(chunks)
        if (r := expected.get((c.root, c.source))) is not None and r.file_hash == c.file_hash
    ]  # fmt: skip
    if len(keep) == len(chunks):
        return chunks, vectors
    return [chunks[i] for i in keep], None if vectors is None else vectors[keep]


# -- the reader's side -----------------------------------------------------------------------


class SnapshotSearch:
    """The vector store as a reader of one snapshot sees it.

    A hit whose id the snapshot lacks (added by a later ingest) is dropped, and a hit cites the
    snapshot's copy of the chunk, so an answer never mixes two versions of the index. A search
    that fails in the store reconnects and tries once more; if it fails again, the vector side
    is left out (BM25 still answers), except when a Chroma server cannot be reached at all:
    that is the user's to fix (StoreUnavailableError, which the doors report as such).

    Read-only: the writing methods of the port raise, a snapshot is changed by publishing.
    """

    def __init__(self, store: IndexStore, snapshot: BM25Index) -> None:
        self.store = store
        self.snapshot = snapshot
        self._rows: dict[str, int] | None = None  # chunk id -> row, made on the first search

    def search(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> list[SearchHit]:
        hits = self._search_store(vector, k, where)
        if self._rows is None:
            self._rows = {cid: i for i, cid in enumerate(chunk_ids(self.snapshot.chunks))}
        rows, chunks = self._rows, self.snapshot.chunks
        return [SearchHit(chunks[rows[h.chunk.id]], h.score) for h in hits if h.chunk.id in rows]

    def _search_store(
        self, vector: np.ndarray, k: int, where: SearchFilter | None
    ) -> list[SearchHit]:
        from chromadb.errors import ChromaError  # chromadb is loaded already by the store

        try:
            return self.store.search(vector, k, where)
        except ChromaError as exc:
            logger.warning("Vector search failed (%s); reconnecting and trying again", exc)
        self.store.reconnect()
        try:
            return self.store.search(vector, k, where)
        except ChromaError as exc:
            logger.warning("Vector search failed again (%s); answering from BM25 alone", exc)
            return []

    def count(self) -> int:
        return len(self.snapshot)

    def iter_chunks(self, where: SearchFilter | None = None) -> Iterator[Chunk]:
        return (c for c in self.snapshot.chunks if chunk_matches(c, where))

    def iter_chunk_keys(self) -> Iterator[tuple[str, str, str, str]]:
        return ((c.id, c.root, c.source, c.file_hash) for c in self.snapshot.chunks)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        raise TypeError("a search snapshot is read-only; ingest to change the index")

    def delete_sources(self, sources: Sequence[str], root: str | None = None) -> None:
        raise TypeError("a search snapshot is read-only; ingest to change the index")

    def delete_ids(self, ids: Sequence[str]) -> None:
        raise TypeError("a search snapshot is read-only; ingest to change the index")


@dataclass(frozen=True, slots=True)
class _Loaded:
    version: str | None  # the published version folder; None when built in memory only
    generation: int  # the manifest generation it reflects
    retriever: HybridRetriever


class LiveRetriever:
    """The retriever of the latest published snapshot, for a long-lived reader (the server).

    `current()` is thread-safe and cheap when nothing changed (it reads the pointer file and
    the manifest's generation). When another process published a newer version, the request
    that notices loads it while concurrent requests keep answering from the old one.
    """

    # While an ingest runs, the manifest is ahead of the published snapshot and a build has
    # to wait for the writer: tried again at most this often, not at every request.
    RETRY_SECONDS = 2.0

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index
        self.folder = snapshot_folder(settings)
        self.tokenizer, self.glossary = workspace_tokenizer(settings)
        self._loaded: _Loaded | None = None
        self._reloading = threading.Lock()
        # (version, generation, when): the state a build could not be made for, and when
        self._tried: tuple[str | None, int, float] | None = None

    def current(self) -> HybridRetriever:
        loaded = self._loaded
        if loaded is not None and not self._stale(loaded):
            return loaded.retriever
        if not self._reloading.acquire(blocking=loaded is None):
            assert loaded is not None
            return loaded.retriever  # another request is loading; answer from what we have
        try:
            if self._loaded is None or self._stale(self._loaded):
                self._loaded = self._refresh(self._loaded)
            return self._loaded.retriever
        finally:
            self._reloading.release()

    def _stale(self, loaded: _Loaded) -> bool:
        version, generation = published_version(self.folder), self.index.manifest.generation()
        tried = self._tried
        if tried is not None and tried[:2] == (version, generation):
            # nothing changed since a build had to wait for a writer: is it done?
            waited = time.monotonic() - tried[2]
            return waited >= self.RETRY_SECONDS or writer_pid(self.settings.workspace) is None
        return version != loaded.version or generation > loaded.generation

    def _refresh(self, loaded: _Loaded | None) -> _Loaded:
        generation = self.index.manifest.generation()
        if self.index.manifest.total_chunks() == 0:
            raise NoIndexError(no_index_message(self.settings))
        version = published_version(self.folder)
        if version is not None and (loaded is None or version != loaded.version):
            bm25 = BM25Index.load(self.folder, self.tokenizer.fingerprint)
            if bm25 is not None:
                loaded = self._wrap(bm25)
        if loaded is not None and loaded.generation >= generation:
            return loaded
        built = self._build(must=loaded is None)
        if built is not None:
            return self._wrap(built)
        assert loaded is not None  # _build(must=True) never returns None
        self._tried = (published_version(self.folder), generation, time.monotonic())
        logger.info("Answering from generation %d while the index is at %d (an ingest runs)",
                    loaded.generation, generation)  # fmt: skip
        return loaded

    def _build(self, *, must: bool) -> BM25Index | None:
        """Build (and publish) the manifest's generation here. None when a writer holds the
        workspace and we have an older snapshot to answer from meanwhile."""
        try:
            with WorkspaceLock(self.settings.workspace):
                return self._publish(save=True)
        except WorkspaceBusyError:
            if not must:
                return None
        except OSError as exc:
            if exc.errno not in _READ_ONLY:
                raise
            return self._build_read_only()
        # Nothing published to answer from: read the store as it is (documents in flux are
        # pending in the manifest, so they are left out), without saving.
        return self._publish(save=False)

    def _build_read_only(self) -> BM25Index:
        from chromadb.errors import ChromaError  # deferred: heavy, and only a rebuild needs it

        logger.info("Workspace %s is read-only: the search index is built in memory",
                    self.settings.workspace)  # fmt: skip
        try:
            return publish_snapshot(self.index, self.tokenizer, save=False)
        except ChromaError as exc:  # the embedded store cannot even be opened read-only
            raise NoIndexError(
                f"The search index in {self.settings.workspace} is missing or older than its "
                f"documents, and the workspace is read-only ({exc}). Run `pmassist ingest` once "
                "where the workspace can be written; questions then work read-only."
            ) from exc

    def _publish(self, *, save: bool) -> BM25Index:
        from chromadb.errors import ChromaError  # deferred: heavy, and only a rebuild needs it

        try:
            return publish_snapshot(self.index, self.tokenizer, save=save)
        except ChromaError as exc:  # an embedded client that another process wrote behind
            logger.info("Reopening the store after %s", exc)
        self.index.store.reconnect()
        return publish_snapshot(self.index, self.tokenizer, save=save)

    def _wrap(self, bm25: BM25Index) -> _Loaded:
        settings = self.settings
        retriever = HybridRetriever(
            store=SnapshotSearch(self.index.store, bm25),
            embedder=self.index.embedder,
            bm25=bm25,
            tokenizer=self.tokenizer,
            glossary=self.glossary,
            rrf_k=settings.retrieval.rrf_k,
            candidates=settings.retrieval.candidates,
            vector_snapshot=settings.chroma_url is None,
        )
        version = bm25.saved_in.name if bm25.saved_in is not None else None
        return _Loaded(version, bm25.generation, retriever)


def open_retriever(settings: Settings, index: Index | None = None) -> HybridRetriever:
    """The workspace's retriever now (for one question or one command): the latest published
    snapshot, built here only when none matches the manifest and no ingest is running.
    Raises NoIndexError when nothing has been ingested. Opens nothing for writing, so a
    read-only workspace answers."""
    from assistant.factory import MANIFEST_FILE, open_index

    if index is None:
        if not (Path(settings.workspace) / MANIFEST_FILE).exists():
            raise NoIndexError(no_index_message(settings))
        index = open_index(settings, lazy=True, read_only=True)
    return LiveRetriever(settings, index).current()


def stored_vectors(store: IndexStore, embedder_id: str) -> VectorSource:
    """Reads the chunks' vectors back from the store (None when the store changed underneath,
    so the snapshot is simply left out)."""

    def read(chunks: Sequence[Chunk]) -> tuple[str, np.ndarray] | None:
        documents = list(dict.fromkeys((c.root, c.source) for c in chunks))
        stored, vectors = store.read_chunks(documents, vectors=True)
        rows = {c.id: i for i, c in enumerate(stored)}
        if vectors is None or any(c.id not in rows for c in chunks):
            return None
        return embedder_id, vectors[[rows[c.id] for c in chunks]]

    return read


def publish_search_snapshot(index: Index, written: RunChunks | None = None) -> None:
    """After a change to the index, under the write lock: publish the search snapshot readers
    answer from (BM25, chunks, vectors), so no reader builds it and none reads ids this run
    removed. Every door that changes the index calls it (through the workspace service)
    before releasing the lock; an ingest passes what it wrote (`RunChunks`)."""
    tokenizer = workspace_tokenizer(index.settings)[0]
    if not snapshot_is_current(index, tokenizer):
        publish_snapshot(index, tokenizer, written=written)
