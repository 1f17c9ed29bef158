"""ChromaStore on a real on-disk Chroma: what only Chroma has (its batch limit, the payload
file, older layouts, its HNSW settings, an unreachable server, a crash inside a write). The
port's contract, run on every store and the in-memory fake alike, is
tests/hardening/test_store_contract.py."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import pytest

from assistant.factory import open_store
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.errors import EmbedderMismatchError, NoIndexError
from ingest.model import Chunk, SearchFilter
from ingest.payloads import PAYLOAD_FILE
from ingest.store import CHUNK_KEY, ChromaStore


def make_chunk(i: int, text: str, **kw: Any) -> Chunk:
    fields: dict[str, Any] = dict(
        id=f"c{i}", text=text, source=f"p/doc{i}.md", project="alpha", doc_type="other",
        page=None, date=None, heading="H", chunk_index=0, file_hash="h", root="/r",
    )  # fmt: skip
    fields.update(kw)
    return Chunk(**fields)


CHUNKS = [
    make_chunk(0, "接口联调完成，响应时间300毫秒", project="alpha", doc_type="meeting_notes",
               date="2024-03-05", page=2),
    make_chunk(1, "数据迁移窗口不足导致延期", project="alpha", doc_type="postmortem",
               date="2023-11-02"),
    make_chunk(2, "single sign-on requirement", project="beta", doc_type="requirements"),
    make_chunk(3, "queue depth alerts added", project="beta", doc_type="postmortem",
               date="2024-06-30", source="p/doc0.md", root="/other"),
]  # fmt: skip


def chroma(tmp_path: Path, embedder_id: str = "hashing-v1-512") -> ChromaStore:
    settings = Settings(workspace=tmp_path / "ws", _env_file=None)  # type: ignore[call-arg]

    class _Id:
        id = embedder_id

    store = open_store(settings, _Id(), create=True)  # type: ignore[arg-type]
    assert isinstance(store, ChromaStore)
    return store


def query(
    store: ChromaStore, text: str, k: int = 4, where: SearchFilter | None = None
) -> list[str]:
    vector = HashingEmbedder().embed_batch([text])[0]
    return [hit.chunk.id for hit in store.search(vector, k, where)]


def test_embedder_mismatch_and_missing_index(tmp_path: Path) -> None:
    chroma(tmp_path, "hashing-v1-512").open()
    with pytest.raises(EmbedderMismatchError, match=r"hashing-v1-512.*openai:x.*delete"):
        chroma(tmp_path, "openai:x")
    settings = Settings(workspace=tmp_path / "empty", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(NoIndexError, match="pmassist ingest"):
        open_store(settings, HashingEmbedder())


def test_writes_respect_the_client_batch_limit(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    real = chromadb.PersistentClient(
        str(tmp_path / "c"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    calls: list[int] = []

    class SmallBatchClient:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def get_max_batch_size(self) -> int:
            return 3

        def get_or_create_collection(self, *args: Any, **kwargs: Any) -> Any:
            collection = real.get_or_create_collection(*args, **kwargs)
            upsert = collection.upsert

            def counting_upsert(**kw: Any) -> Any:
                calls.append(len(kw["ids"]))
                return upsert(**kw)

            collection.upsert = counting_upsert  # type: ignore[method-assign]
            return collection

    store = ChromaStore(SmallBatchClient(), "e")
    chunks = [make_chunk(i, f"text {i}") for i in range(8)]
    store.add(chunks, np.eye(8, 16, dtype=np.float32))
    assert calls == [3, 3, 2] and store.count() == 8


def test_unreachable_chroma_server_is_a_user_error_naming_it(tmp_path: Path) -> None:
    from ingest.errors import StoreUnavailableError

    settings = Settings(workspace=tmp_path / "ws", chroma_url="http://127.0.0.1:9",
                        _env_file=None)  # type: ignore[call-arg]  # fmt: skip
    with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1:9.*chroma run"):
        open_store(settings, HashingEmbedder(), create=True)
    lazy = open_store(settings, HashingEmbedder(), create=True, lazy=True)  # no contact yet
    with pytest.raises(StoreUnavailableError):
        lazy.count()


def old_metadata(chunk: Chunk) -> dict[str, Any]:
    """One key per field: how indexes were written before the CHUNK_KEY JSON."""
    meta: dict[str, Any] = {
        "text": chunk.text, "source": chunk.source, "root": chunk.root,
        "project": chunk.project, "doc_type": chunk.doc_type, "heading": chunk.heading,
        "chunk_index": chunk.chunk_index, "file_hash": chunk.file_hash,
    }  # fmt: skip
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.date:
        meta["date"], meta["date_int"] = chunk.date, int(chunk.date.replace("-", ""))
    return meta


def test_an_embedded_store_keeps_filter_keys_in_chroma_and_the_rest_beside_it(
    tmp_path: Path,
) -> None:
    store = chroma(tmp_path)
    store.add(CHUNKS[:1], HashingEmbedder().embed_batch([CHUNKS[0].text]))
    raw = store.collection.get(ids=["c0"], include=["documents", "metadatas"])
    assert raw["documents"] == [None]
    assert set(raw["metadatas"][0]) == {"source", "root", "project", "doc_type", "date_int"}
    rows = sqlite3.connect(tmp_path / "ws" / "chroma" / PAYLOAD_FILE).execute(
        "SELECT id, root, source, fields FROM chunk"
    )
    ((chunk_id, root, source, fields),) = rows.fetchall()
    assert (chunk_id, root, source) == ("c0", CHUNKS[0].root, CHUNKS[0].source)
    assert json.loads(fields)["text"] == CHUNKS[0].text
    assert next(store.iter_chunks()) == CHUNKS[0]


def test_a_store_without_payloads_keeps_the_rest_as_one_json_key(tmp_path: Path) -> None:
    """How a Chroma server's collection is written: its readers do not share our folder."""
    client = chromadb.PersistentClient(path=str(tmp_path / "server"))
    store = ChromaStore(client, "e", payloads=None)
    store.add(CHUNKS[:1], HashingEmbedder().embed_batch([CHUNKS[0].text]))
    meta = store.collection.get(ids=["c0"], include=["metadatas"])["metadatas"][0]
    assert set(meta) == {"source", "root", "project", "doc_type", "date_int", CHUNK_KEY}
    assert json.loads(meta[CHUNK_KEY])["text"] == CHUNKS[0].text
    assert next(store.iter_chunks()) == CHUNKS[0]


def test_rows_left_by_a_write_chroma_never_took_go_with_their_document(tmp_path: Path) -> None:
    """A crash between the payload commit and Chroma's add leaves rows without chunks;
    recovery deletes the pending document, rows included, and the re-run writes anew."""
    store = chroma(tmp_path)
    vectors = HashingEmbedder().embed_batch([c.text for c in CHUNKS])
    collection = store.collection

    def crash(**_: Any) -> None:
        raise KeyboardInterrupt

    collection.add = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        store.add_new(CHUNKS[:1], vectors[:1])
    del collection.add  # Chroma's own method again
    assert store.count() == 0
    store.delete_sources([CHUNKS[0].source], CHUNKS[0].root)  # what recovery does
    edited = make_chunk(0, "the text of the re-run")
    store.add_new([edited], vectors[:1])
    assert [c.text for c in store.iter_chunks()] == ["the text of the re-run"]


def test_indexes_written_by_older_versions_still_read_filter_and_delete(tmp_path: Path) -> None:
    store = chroma(tmp_path)
    vectors = HashingEmbedder().embed_batch([c.text for c in CHUNKS])
    store.add(CHUNKS[:2], vectors[:2])  # today's layout
    # One key per field (before the JSON key) ...
    store.collection.add(ids=[CHUNKS[3].id], embeddings=vectors[3:4],
                         metadatas=[old_metadata(CHUNKS[3])])  # fmt: skip
    # ... and older still: the text only as the Chroma document.
    old = CHUNKS[2]
    meta = {k: v for k, v in old_metadata(old).items() if k != "text"}
    store.collection.add(ids=[old.id], embeddings=vectors[2:3], documents=[old.text],
                         metadatas=[meta])  # fmt: skip
    assert sorted(store.iter_chunks(), key=lambda c: c.id) == CHUNKS
    assert query(store, old.text, k=1) == [old.id]
    assert store.search(vectors[3], 1)[0].chunk == CHUNKS[3]
    keys = {(c.id, c.root, c.source, c.file_hash) for c in CHUNKS}
    assert set(store.iter_chunk_keys()) == keys
    assert query(store, "延期", where=SearchFilter(project="alpha", doc_type="postmortem")) == [
        "c1"
    ]
    in_2024 = SearchFilter(date_from="2024-01-01", date_to="2024-12-31")
    assert sorted(c.id for c in store.iter_chunks(in_2024)) == ["c0", "c3"]
    store.delete_sources(["p/doc0.md"], "/other")  # the old-layout chunk only
    assert sorted(c.id for c in store.iter_chunks()) == ["c0", "c1", "c2"]


def test_an_embedded_store_builds_its_fallback_hnsw_graph_with_less_effort(tmp_path: Path) -> None:
    store = chroma(tmp_path)
    hnsw = store.collection.configuration_json["hnsw"]
    assert hnsw["space"] == "cosine"
    assert hnsw["ef_construction"] == ChromaStore.EMBEDDED_HNSW["ef_construction"] < 100
