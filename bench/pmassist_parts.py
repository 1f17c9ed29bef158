"""pmassist's default parts, built for the benches through pmassist's own factory functions,
so the benches measure what `pmassist ingest` / `pmassist ask` run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from assistant.settings import Settings


def embedder(settings: Settings) -> Any:
    from assistant.factory import build_embedder

    return build_embedder(settings)


def store(settings: Settings, embedder: Any) -> Any:
    from assistant.factory import open_store

    return open_store(settings, embedder, create=True)


@dataclass
class _StaticManifest:
    """The manifest answers open_retriever needs, for chunks the bench put straight into the
    store (no files, so no real manifest rows): one `ok` record per document in the store."""

    chunks: int
    store: Any = None

    def generation(self) -> int:
        return 1

    def total_chunks(self) -> int:
        return self.chunks

    def records(self) -> dict[tuple[str, str], Any]:
        from ingest.manifest import DocumentRecord

        counts: Counter[tuple[str, str, str]] = Counter(
            (root, source, file_hash) for _, root, source, file_hash in self.store.iter_chunk_keys()
        )
        return {(root, source): DocumentRecord(root, source, file_hash=file_hash, chunks=n)
                for (root, source, file_hash), n in counts.items()}  # fmt: skip

    def close(self) -> None:
        pass


def retriever(settings: Settings, embedder: Any, store: Any, chunks: int) -> Any:
    """`assistant.retrieval.open_retriever` over a store filled by the bench."""
    from assistant.factory import Index
    from assistant.retrieval import open_retriever

    index = Index(settings, embedder, store, _StaticManifest(chunks, store))  # type: ignore[arg-type]
    return open_retriever(settings, index)
