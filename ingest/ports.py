"""The two outside services ingestion talks to, each behind a small port.

Real implementations live in `ingest.embedders` and `ingest.store`; each has an in-memory or
deterministic counterpart for tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

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
