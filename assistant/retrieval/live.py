"""Opening the workspace's retriever: the vector store, the BM25 index in step with the
manifest, the project glossary.

Kept apart from `hybrid.py` (how a query is ranked) because this is about *which* index a
reader sees, which changes while other processes ingest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.glossary import load_default_glossary
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.index import VectorSource, open_bm25_index
from ingest.model import Chunk

if TYPE_CHECKING:
    from assistant.factory import Index
    from assistant.settings import Settings


def no_index_message(settings: Settings) -> str:
    return f"No index in {settings.workspace} — run `pmassist ingest data/samples` first."


def open_retriever(settings: Settings, index: Index | None = None) -> HybridRetriever:
    """The workspace's retriever: its vector store, the BM25 index in step with the manifest,
    the project glossary. Raises NoIndexError when nothing has been ingested."""
    from assistant.factory import MANIFEST_FILE, open_index
    from assistant.tokenize import default_tokenizer, user_cache_dir
    from ingest.errors import NoIndexError

    if index is None:
        if not (settings.workspace / MANIFEST_FILE).exists():
            raise NoIndexError(no_index_message(settings))
        index = open_index(settings, lazy=True)
    generation = index.manifest.generation()
    if index.manifest.total_chunks() == 0:
        raise NoIndexError(no_index_message(settings))
    tokenizer = default_tokenizer(user_cache_dir(settings.workspace / "cache"))
    glossary = load_default_glossary()
    tokenizer.add_words(glossary.chinese_forms)
    embedded = settings.chroma_url is None
    bm25 = open_bm25_index(
        settings.workspace / "bm25",
        generation,
        index.store.iter_chunks,
        tokenizer,
        vectors=stored_vectors(index.store, index.embedder.id) if embedded else None,
    )
    return HybridRetriever(
        store=index.store,
        embedder=index.embedder,
        bm25=bm25,
        tokenizer=tokenizer,
        glossary=glossary,
        rrf_k=settings.retrieval.rrf_k,
        candidates=settings.retrieval.candidates,
        vector_snapshot=embedded,
    )


def stored_vectors(store: Any, embedder_id: str) -> VectorSource:
    """Reads the chunks' vectors back from a Chroma store (None for other stores, or when the
    store changed underneath, so the snapshot is simply left out)."""

    def read(chunks: Sequence[Chunk]) -> tuple[str, np.ndarray] | None:
        collection = getattr(store, "collection", None)  # ChromaStore's, opened on demand
        if collection is None:
            return None
        found: dict[str, Any] = {}
        ids = [c.id for c in chunks]
        for start in range(0, len(ids), 1000):
            got = collection.get(ids=ids[start : start + 1000], include=["embeddings"])
            found.update(zip(got["ids"], got["embeddings"], strict=True))
        if len(found) != len(ids):
            return None
        return embedder_id, np.asarray([found[i] for i in ids], dtype=np.float32)

    return read
