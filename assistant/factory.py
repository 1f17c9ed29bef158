"""Build the index objects (embedder, vector store, manifest) from Settings.

The one place that turns configuration into clients. Entry points (CLI, server, tests) call
these and pass the results into the core; nothing here runs at import time.

    index = open_index(settings)            # reading: raises NoIndexError if nothing ingested
    index = open_index(settings, create=True, lazy=True)   # writing (what `ingest` uses)
    hits = index.store.search(index.embedder.embed_batch([q])[0], k=5)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from ingest.errors import NoIndexError
from ingest.manifest import Manifest
from ingest.payloads import PayloadStore
from ingest.pipeline import IngestConfig
from ingest.ports import Embedder, IndexStore
from ingest.store import ChromaStore

MANIFEST_FILE = "manifest.sqlite3"
CHROMA_DIR = "chroma"


@dataclass
class Index:
    """Everything that reads or writes the document index of one workspace."""

    settings: Settings
    embedder: Embedder
    store: IndexStore
    manifest: Manifest

    def close(self) -> None:
        self.store.close()
        self.manifest.close()


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedder: `HashingEmbedder(dim)` by default, or an OpenAI-compatible
    endpoint when `settings.embedding.provider == "openai"`. No network call is made here."""
    emb = settings.embedding
    if emb.provider == "openai":
        from ingest.openai_embedder import OpenAIEmbedder

        return OpenAIEmbedder(
            emb.model,
            base_url=emb.base_url,
            api_key=emb.api_key.get_secret_value() if emb.api_key else None,
            batch_size=emb.batch_size,
            timeout=settings.llm.timeout,
        )
    from ingest.embedders import HashingEmbedder

    return HashingEmbedder(emb.dim)


def rebuild_hint(settings: Settings) -> str:
    """How to start the index over, for EmbedderMismatchError messages."""
    if settings.chroma_url:
        return (
            f"delete the 'pmassist' collection on {settings.chroma_url} and "
            f"{settings.workspace / MANIFEST_FILE}, or use another --workspace, then ingest again"
        )
    return (
        f"delete {settings.workspace / CHROMA_DIR} and {settings.workspace / MANIFEST_FILE} "
        "or use another --workspace, then ingest again"
    )


def chroma_client(settings: Settings) -> Any:
    """An embedded PersistentClient in <workspace>/chroma, or an HttpClient when
    `settings.chroma_url` is set. Telemetry is always off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = _chroma_path(settings)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _chroma_path(settings: Settings) -> Path:
    # Absolute: chromadb caches one client per path string, so "ws" in two cwds would clash.
    return Path(settings.workspace).resolve() / CHROMA_DIR


def open_store(
    settings: Settings, embedder: Embedder, *, create: bool = False, lazy: bool = False
) -> IndexStore:
    """The Chroma store, checked against `embedder` (EmbedderMismatchError on a mismatch).

    create=False raises NoIndexError when nothing has been ingested; lazy=True defers the
    connection (and both checks) to the first operation.
    """
    if not create and not settings.chroma_url and not (settings.workspace / CHROMA_DIR).exists():
        raise NoIndexError(_no_index_message(settings))
    store = ChromaStore(
        lambda: chroma_client(settings),
        embedder.id,
        create=create,
        mismatch_hint=rebuild_hint(settings),
        missing_hint=_no_index_message(settings).removeprefix("No index yet: ").rstrip("."),
        server_url=settings.chroma_url,
        # Embedded: the fields no filter needs live beside Chroma, in a file of ours.
        payloads=None if settings.chroma_url else PayloadStore(_chroma_path(settings)),
    )
    return store if lazy else store.open()


def open_manifest(settings: Settings, *, read_only: bool = False) -> Manifest:
    """The workspace's manifest (created if missing unless `read_only`): documents, chunk
    counts, generation()."""
    return Manifest(Path(settings.workspace) / MANIFEST_FILE, read_only=read_only)


def open_index(
    settings: Settings, *, create: bool = False, lazy: bool = False, read_only: bool = False
) -> Index:
    """Embedder, store and manifest of the workspace in one object (see open_store);
    `read_only` opens the manifest for reading only (a reader that never ingests)."""
    embedder = build_embedder(settings)
    store = open_store(settings, embedder, create=create, lazy=lazy)
    return Index(settings, embedder, store, open_manifest(settings, read_only=read_only))


def ingest_config(settings: Settings) -> IngestConfig:
    """Settings.ingest as the pipeline's IngestConfig."""
    s = settings.ingest
    return IngestConfig(
        chunk_size=s.chunk_size,
        chunk_overlap=min(s.chunk_overlap, s.chunk_size // 2),
        max_file_mb=s.max_file_mb,
        file_timeout=s.file_timeout,
        embed_batch=settings.embedding.batch_size,
        rebuild_hint=rebuild_hint(settings),
    )


def _no_index_message(settings: Settings) -> str:
    return f"No index yet: run `pmassist ingest PATH --workspace {settings.workspace}` first."
