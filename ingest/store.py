"""Vector stores behind the `IndexStore` port: Chroma (embedded or server) and in-memory.

Every chunk also records the absolute folder it was ingested from (`root`), so two folders
that both contain "notes.md" never delete each other's chunks. Dates are stored twice: the
ISO string for display and YYYYMMDD as an int so date ranges filter with $gte/$lte.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np

from ingest.errors import EmbedderMismatchError, NoIndexError, StoreUnavailableError
from ingest.metadata import date_as_int
from ingest.model import Chunk, SearchFilter, SearchHit
from ingest.payloads import PayloadStore
from ingest.ports import IndexStore

log = logging.getLogger(__name__)

COLLECTION = "pmassist"
_PAGE = 1000  # rows fetched per call when listing


TEXT_KEY = "text"  # the chunk text in indexes written before CHUNK_KEY
# What no filter needs (text, heading, page, date, chunk_index, file_hash), as one compact
# JSON string: Chroma stores one SQLite row per metadata key, so fewer keys write faster.
CHUNK_KEY = "chunk"


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Everything but the vector: the keys `where` clauses use, and the rest as JSON.

    The text goes here, not into `documents`: Chroma builds a full-text index over documents
    that pmassist never queries (it has its own BM25), and skipping it makes a first ingest's
    writes ~25% cheaper."""
    rest: dict[str, str | int] = {
        TEXT_KEY: chunk.text,
        "heading": chunk.heading,
        "chunk_index": chunk.chunk_index,
        "file_hash": chunk.file_hash,
    }
    if chunk.page is not None:
        rest["page"] = chunk.page
    meta: dict[str, str | int] = {
        "source": chunk.source,
        "root": chunk.root,
        "project": chunk.project,
        "doc_type": chunk.doc_type,
    }
    if chunk.date:
        rest["date"] = chunk.date
        meta["date_int"] = date_as_int(chunk.date) or 0
    meta[CHUNK_KEY] = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
    return meta


def _fields(meta: dict[str, Any]) -> dict[str, Any]:
    """All of a chunk's metadata, from either layout (older indexes have one key per field)."""
    packed = meta.get(CHUNK_KEY)
    return {**meta, **json.loads(packed)} if isinstance(packed, str) else meta


def chunk_from_metadata(chunk_id: str, document: str | None, meta: dict[str, Any]) -> Chunk:
    """`document` is only set in indexes written before the text moved into the metadata."""
    meta = _fields(meta)
    page = meta.get("page")
    return Chunk(
        id=chunk_id,
        text=str(meta.get(TEXT_KEY) or document or ""),
        source=str(meta.get("source", "")),
        project=str(meta.get("project", "default")),
        doc_type=str(meta.get("doc_type", "other")),
        page=int(page) if page is not None else None,
        date=meta.get("date") or None,
        heading=str(meta.get("heading", "")),
        chunk_index=int(meta.get("chunk_index", 0)),
        file_hash=str(meta.get("file_hash", "")),
        root=str(meta.get("root", "")),
    )


def chroma_where(where: SearchFilter | None) -> dict[str, Any] | None:
    """A SearchFilter as a Chroma `where` clause (None when it filters nothing)."""
    if where is None or where.is_empty:
        return None
    clauses: list[dict[str, Any]] = []
    if where.project:
        clauses.append({"project": where.project})
    if where.doc_type:
        clauses.append({"doc_type": where.doc_type})
    if where.date_from:
        clauses.append({"date_int": {"$gte": date_as_int(where.date_from)}})
    if where.date_to:
        clauses.append({"date_int": {"$lte": date_as_int(where.date_to)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _sources_where(sources: Sequence[str], root: str | None) -> dict[str, Any]:
    by_source: dict[str, Any] = {"source": {"$in": list(sources)}}
    return {"$and": [by_source, {"root": root}]} if root is not None else by_source


class ChromaStore:
    """The `IndexStore` over one Chroma collection (cosine space).

    `client` is a chromadb client or a zero-argument callable returning one; with a callable
    nothing connects until the first operation, which keeps no-op re-ingests fast. The
    collection's metadata records `embedder_id`; opening it with another embedder raises
    `EmbedderMismatchError` (see `mismatch_hint`). With `create=False` a missing collection
    raises `NoIndexError`. With `payloads` (an embedded store) the fields no filter needs are
    kept there instead of in Chroma's metadata (see ingest.payloads).
    """

    # An embedded store is searched by brute force over the retrieval snapshot's vectors
    # (assistant.retrieval.index), so its HNSW graph only serves a query without a snapshot
    # (one that ran while the store changed underneath it). Built with less effort — fewer
    # candidates while inserting, 8 links per node instead of 16 — Chroma's add costs ~30%
    # less CPU (5,400 chunks: 2.66 -> 2.16 s for the links alone), at a fallback recall@50 on
    # the bench corpus of 0.88 instead of 0.95. A Chroma server's collection keeps Chroma's
    # defaults. Applies when the collection is created; an existing one keeps its settings.
    EMBEDDED_HNSW: ClassVar[dict[str, Any]] = {"ef_construction": 40, "max_neighbors": 8}

    def __init__(
        self,
        client: Any | Callable[[], Any],
        embedder_id: str,
        *,
        create: bool = True,
        mismatch_hint: str = "use the embedder that built it, or rebuild the index",
        missing_hint: str = "run `pmassist ingest PATH` first",
        server_url: str | None = None,
        payloads: PayloadStore | None = None,
    ) -> None:
        self._client_or_factory = client
        self._payloads = payloads
        self._embedder_id = embedder_id
        self._create = create
        self._mismatch_hint = mismatch_hint
        self._missing_hint = missing_hint
        self._collection: Any = None
        self._batch = 1000
        self._server_url = server_url

    @property
    def collection(self) -> Any:
        if self._collection is None:
            with self._reachable():
                self._collection = self._open()
        return self._collection

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A Chroma server that cannot be reached is a user error naming its URL."""
        try:
            yield
        except Exception as exc:
            if self._server_url is None or not _is_connection_error(exc):
                raise
            raise StoreUnavailableError(
                f"The Chroma server at {self._server_url} cannot be reached ({exc}). Start it "
                "(`chroma run --path DIR`), or unset PMASSIST_CHROMA_URL to use the embedded "
                "store in the workspace."
            ) from exc

    def _open(self) -> Any:
        source = self._client_or_factory
        is_client = hasattr(source, "get_or_create_collection")
        client: Any = source if is_client or not callable(source) else source()
        # Fewer, larger writes: one call of 5,461 rows is ~7% cheaper than six of 1,000.
        self._batch = max(1, int(client.get_max_batch_size()))
        if self._create:
            hnsw: dict[str, Any] = {"space": "cosine"}
            if self._server_url is None:
                hnsw.update(self.EMBEDDED_HNSW)
            collection = client.get_or_create_collection(
                COLLECTION,
                configuration={"hnsw": hnsw},
                metadata={"embedder": self._embedder_id},
                embedding_function=None,
            )
        else:
            try:
                collection = client.get_collection(COLLECTION, embedding_function=None)
            except Exception as exc:  # chromadb raises NotFoundError/ValueError by version
                raise NoIndexError(f"No index yet: {self._missing_hint}.") from exc
        built_by = (collection.metadata or {}).get("embedder")
        if built_by != self._embedder_id:
            raise EmbedderMismatchError(
                f"The index was built with embedder {built_by!r} but the current setting is "
                f"{self._embedder_id!r}; vectors from different embedders cannot be mixed. "
                f"To fix: {self._mismatch_hint}."
            )
        return collection

    def open(self) -> ChromaStore:
        """Connect now (and check the embedder) instead of on first use."""
        _ = self.collection
        return self

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Insert or replace (upsert: re-running after a crash never duplicates)."""
        self._write(chunks, vectors, replace=True)

    def add_new(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Insert chunks whose ids are not in the store (the pipeline's new files).

        Chroma's `add` skips upsert's lookup of every id (~5% of a first ingest's writes); an
        id that does exist anyway is left as it is, never duplicated.
        """
        self._write(chunks, vectors, replace=False)

    def _write(self, chunks: Sequence[Chunk], vectors: np.ndarray, *, replace: bool) -> None:
        collection = self.collection
        write = collection.upsert if replace else collection.add
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            metadatas = [chunk_metadata(c) for c in part]
            if self._payloads is not None:  # committed first: every chunk in Chroma has its row
                rows = zip(part, metadatas, strict=True)
                self._payloads.put(
                    ((c.id, c.root, c.source, str(m.pop(CHUNK_KEY))) for c, m in rows),
                    replace=replace,
                )
            with self._reachable():
                write(
                    ids=[c.id for c in part],
                    embeddings=np.asarray(vectors[start : start + len(part)], dtype=np.float32),
                    metadatas=metadatas,
                )

    def delete_sources(self, sources: Sequence[str], root: str | None = None) -> None:
        """Delete every chunk of these sources (only those ingested from `root` if given)."""
        for start in range(0, len(sources), 500):
            where = _sources_where(sources[start : start + 500], root)
            if self._payloads is None:
                with self._reachable():
                    self.collection.delete(where=where)
                continue
            with self._reachable():
                ids = self.collection.get(where=where, include=[])["ids"]
            self.delete_ids(ids)
            self._payloads.delete_documents(sources[start : start + 500], root)

    def delete_ids(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._batch):
            with self._reachable():
                self.collection.delete(ids=list(ids[start : start + self._batch]))
        if self._payloads is not None:  # after Chroma: a crash leaves rows, never holes
            self._payloads.delete(ids)

    def close(self) -> None:
        if self._payloads is not None:
            self._payloads.close()

    def _complete(self, ids: Sequence[str], metadatas: Sequence[Any]) -> list[dict[str, Any]]:
        """Chroma's metadata of these chunks with their payload rows added back (chunks
        written before the payload store, or to a server, carry theirs already)."""
        metas = [dict(m or {}) for m in metadatas]
        if self._payloads is None:
            return metas
        missing = [i for i, m in zip(ids, metas, strict=True) if CHUNK_KEY not in m]
        found = self._payloads.get(missing) if missing else {}
        for chunk_id, meta in zip(ids, metas, strict=True):
            if chunk_id in found:
                meta[CHUNK_KEY] = found[chunk_id]
        return metas

    def search(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> list[SearchHit]:
        collection = self.collection
        with self._reachable():
            if k <= 0 or collection.count() == 0:
                return []
            result = collection.query(
                query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
                n_results=k,
                where=chroma_where(where),
                include=["documents", "metadatas", "distances"],
            )
        hits = []
        ids = result["ids"][0]
        for chunk_id, text, meta, distance in zip(
            ids,
            result["documents"][0],
            self._complete(ids, result["metadatas"][0]),
            result["distances"][0],
            strict=True,
        ):
            hits.append(SearchHit(chunk_from_metadata(chunk_id, text, meta), 1.0 - distance))
        return hits

    def read_chunks(
        self, documents: Sequence[tuple[str, str]] | None = None, *, vectors: bool = False
    ) -> tuple[list[Chunk], np.ndarray | None]:
        """The chunks of these (root, source) documents (every chunk when None), and with
        `vectors` their stored vectors, row i for chunk i: what a search snapshot is made of."""
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        if documents is None:
            wheres: list[dict[str, Any] | None] = [None]
        else:
            by_root: dict[str, list[str]] = {}
            for root, source in documents:
                by_root.setdefault(root, []).append(source)
            wheres = [_sources_where(sources[start : start + 500], root)
                      for root, sources in by_root.items()
                      for start in range(0, len(sources), 500)]  # fmt: skip
        chunks: list[Chunk] = []
        rows: list[Any] = []
        for where in wheres:
            for page in self._pages(where, include):
                metas = self._complete(page["ids"], page["metadatas"])
                for chunk_id, text, meta in zip(page["ids"], page["documents"], metas, strict=True):
                    chunks.append(chunk_from_metadata(chunk_id, text, meta))
                if vectors and len(page["ids"]):
                    rows.append(np.asarray(page["embeddings"], dtype=np.float32))
        if not vectors:
            return chunks, None
        return chunks, np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def reconnect(self) -> None:
        """Forget the open collection (and, embedded, chromadb's per-path client): the next
        operation reads the files afresh. An embedded client keeps the vector index it loaded
        in memory and cannot see ids another process removed since ("Error finding id")."""
        self._collection = None
        if self._server_url is None:
            # deferred like every chromadb import here: seconds of start-up for commands
            # that never open the store
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()

    def count(self) -> int:
        collection = self.collection
        with self._reachable():
            return int(collection.count())

    def iter_chunks(self, where: SearchFilter | None = None) -> Iterator[Chunk]:
        for page in self._pages(chroma_where(where), ["documents", "metadatas"]):
            metas = self._complete(page["ids"], page["metadatas"])
            for chunk_id, text, meta in zip(page["ids"], page["documents"], metas, strict=True):
                yield chunk_from_metadata(chunk_id, text, meta)

    def iter_chunk_keys(self) -> Iterator[tuple[str, str, str, str]]:
        """(id, root, source, file_hash) of every chunk (for consistency checks after a crash)."""
        for page in self._pages(None, ["metadatas"]):
            metas = self._complete(page["ids"], page["metadatas"])
            for chunk_id, meta in zip(page["ids"], metas, strict=True):
                meta = _fields(meta)
                yield (
                    chunk_id,
                    str(meta.get("root", "")),
                    str(meta.get("source", "")),
                    str(meta.get("file_hash", "")),
                )

    def _pages(self, where: dict[str, Any] | None, include: list[str]) -> Iterator[Any]:
        collection = self.collection
        offset = 0
        while True:
            with self._reachable():
                page = collection.get(where=where, include=include, limit=_PAGE, offset=offset)
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE


def _is_connection_error(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError):
        return True
    # chromadb's HttpClient reports a refused heartbeat as ValueError("Could not connect ...")
    return isinstance(exc, ValueError) and "could not connect" in str(exc).lower()


class InMemoryStore:
    """The `IndexStore` port in numpy, brute force: the one fake store, for tests of other
    packages. Passes the same contract tests as `ChromaStore` (cosine scores, upserts, the same
    filters); insertion order is kept, and nothing to connect to makes open/reconnect no-ops."""

    def __init__(self) -> None:
        self._chunks: dict[str, Chunk] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def open(self) -> InMemoryStore:
        return self

    def close(self) -> None:
        pass

    def reconnect(self) -> None:
        pass

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for chunk, vector in zip(chunks, vectors, strict=True):
            self._chunks[chunk.id] = chunk
            self._vectors[chunk.id] = np.asarray(vector, dtype=np.float32)

    def add_new(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        rows = [i for i, c in enumerate(chunks) if c.id not in self._chunks]
        self.add([chunks[i] for i in rows], np.asarray(vectors)[rows])

    def delete_sources(self, sources: Sequence[str], root: str | None = None) -> None:
        wanted = set(sources)
        for chunk_id, chunk in list(self._chunks.items()):
            if chunk.source in wanted and (root is None or chunk.root == root):
                del self._chunks[chunk_id], self._vectors[chunk_id]

    def delete_ids(self, ids: Sequence[str]) -> None:
        for chunk_id in ids:
            self._chunks.pop(chunk_id, None)
            self._vectors.pop(chunk_id, None)

    def search(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> list[SearchHit]:
        candidates = [c for c in self._chunks.values() if matches(c, where)]
        if not candidates or k <= 0:
            return []
        matrix = np.stack([self._vectors[c.id] for c in candidates])
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        scores = matrix @ query / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-scores, kind="stable")[:k]
        return [SearchHit(candidates[i], float(scores[i])) for i in order]

    def read_chunks(
        self, documents: Sequence[tuple[str, str]] | None = None, *, vectors: bool = False
    ) -> tuple[list[Chunk], np.ndarray | None]:
        wanted = None if documents is None else set(documents)
        chunks = [c for c in self._chunks.values()
                  if wanted is None or (c.root, c.source) in wanted]  # fmt: skip
        if not vectors:
            return chunks, None
        if not chunks:
            return chunks, np.zeros((0, 0), dtype=np.float32)
        return chunks, np.stack([self._vectors[c.id] for c in chunks])

    def count(self) -> int:
        return len(self._chunks)

    def iter_chunks(self, where: SearchFilter | None = None) -> Iterator[Chunk]:
        return iter([c for c in self._chunks.values() if matches(c, where)])

    def iter_chunk_keys(self) -> Iterator[tuple[str, str, str, str]]:
        return iter([(c.id, c.root, c.source, c.file_hash) for c in self._chunks.values()])


def matches(chunk: Chunk, where: SearchFilter | None) -> bool:
    """Whether `chunk` passes `where`, with the same semantics as the Chroma filter."""
    if where is None:
        return True
    if where.project and chunk.project != where.project:
        return False
    if where.doc_type and chunk.doc_type != where.doc_type:
        return False
    if (where.date_from or where.date_to) and not chunk.date:
        return False
    if where.date_from and chunk.date and chunk.date < where.date_from:
        return False
    return not (where.date_to and chunk.date and chunk.date > where.date_to)


# Both stores implement the whole port: mypy checks these two lines (nothing else names
# InMemoryStore in the packages it checks).
_REAL: type[IndexStore] = ChromaStore
_FAKE: type[IndexStore] = InMemoryStore
