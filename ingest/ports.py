"""The two outside services ingestion talks to, each behind a small port.

Real implementations live in `ingest.embedders` and `ingest.store`; each has an in-memory or
deterministic counterpart for tests (`HashingEmbedder`, `InMemoryStore`), and the store's
counterpart passes the same contract tests as Chroma (tests/hardening/test_store_contract.py).

The store has two ports. `VectorStore` is what reading, drafting and keeping the index
consistent need: chunks in, chunks and hits out. `IndexStore` is the store an index owns
(`assistant.factory.Index.store`, the ingest pipeline): the same plus its lifecycle and two
bulk operations. Every store implements all of `IndexStore`; where a capability does not apply
to a store it is a no-op or the plain operation (see each method), so callers never ask
whether a store has it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, Self

import numpy as np

from ingest.model import Chunk, SearchFilter, SearchHit


class Embedder(Protocol):
    """Turns texts into dense vectors (float32, L2-normalised, shape (n, dim))."""

    @property
    def id(self) -> str:
        """Stable identity recorded in the index, e.g. "hashing-v1-512"; a different id is
        a different vector space."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray: ...


class VectorStore(Protocol):
    """Chunks with their vectors; the only thing that knows about Chroma."""

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def delete_sources(self, sources: Sequence[str], root: str | None = None) -> None:
        """Delete every chunk of these sources; only those ingested from `root` if given."""
        ...

    def delete_ids(self, ids: Sequence[str]) -> None: ...

    def search(
        self, vector: np.ndarray, k: int, where: SearchFilter | None = None
    ) -> list[SearchHit]: ...

    def count(self) -> int: ...

    def iter_chunks(self, where: SearchFilter | None = None) -> Iterator[Chunk]: ...

    def iter_chunk_keys(self) -> Iterator[tuple[str, str, str, str]]:
        """(id, root, source, file_hash) of every chunk, without texts: for consistency checks."""
        ...


class IndexStore(VectorStore, Protocol):
    """The `VectorStore` an index owns, with the capabilities only its owner uses."""

    def open(self) -> Self:
        """Connect now, and check the index (its embedder), instead of at the first operation;
        returns the store. Nothing to do for a store that connects to nothing."""
        ...

    def close(self) -> None:
        """Release what the store holds open (files, connections)."""
        ...

    def reconnect(self) -> None:
        """Forget any open connection, so the next operation reads the index afresh (after
        another process changed it). Nothing to do for a store no other process writes."""
        ...

    def add_new(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """`add` for chunks whose ids are not in the store (a store may skip the lookup an
        upsert needs). An id that is there anyway keeps its stored chunk, never duplicated."""
        ...

    def read_chunks(
        self, documents: Sequence[tuple[str, str]] | None = None, *, vectors: bool = False
    ) -> tuple[list[Chunk], np.ndarray | None]:
        """The chunks of these (root, source) documents (every chunk when None) and, with
        `vectors`, their stored vectors, row i for chunk i (else None): a search snapshot."""
        ...
