"""The VectorStore contract, run against the embedded Chroma and a real `chroma run` server:
the same code, chosen only by `chroma_url` (issue #8, point 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.factory import open_store
from ingest.embedders import HashingEmbedder
from ingest.model import Chunk, SearchFilter
from ingest.store import ChromaStore
from tests.hardening.conftest import ChromaServer, offline_settings

EMBEDDER = HashingEmbedder(128)


def make_chunk(i: int, text: str, **fields: Any) -> Chunk:
    values: dict[str, Any] = dict(
        id=f"id-{i}", text=text, source=f"docs/d{i}.md", project="alpha", doc_type="other",
        page=None, date=None, heading="H", chunk_index=0, file_hash=f"h{i}", root="/root-a",
    )  # fmt: skip
    values.update(fields)
    return Chunk(**values)


CHUNKS = [
    make_chunk(0, "接口联调完成，响应时间不超过三百毫秒。", doc_type="meeting_notes",
               date="2024-03-05", page=2),
    make_chunk(1, "数据迁移窗口不足，割接可能延期。", doc_type="postmortem", date="2023-11-02"),
    make_chunk(2, "Single sign-on must use the customer's LDAP directory.", project="beta",
               doc_type="requirements"),
    make_chunk(3, "Queue depth alerts were added after the outage.", project="beta",
               doc_type="postmortem", date="2024-06-30", source="docs/d0.md", root="/root-b"),
]  # fmt: skip


@pytest.fixture(params=["embedded", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ChromaStore:
    """The store `open_store` builds from settings: embedded, or HttpClient via chroma_url."""
    if request.param == "server":
        server: ChromaServer = request.getfixturevalue("chroma_server")
        settings = offline_settings(tmp_path / "ws", chroma_url=server.url)
    else:
        settings = offline_settings(tmp_path / "ws")
    store = open_store(settings, EMBEDDER, create=True)
    if request.param == "server":
        assert not (tmp_path / "ws" / "chroma").exists()  # nothing is written locally
    store.add(CHUNKS, EMBEDDER.embed_batch([c.text for c in CHUNKS]))
    return store


def ids(store: ChromaStore, text: str, k: int = 10, where: SearchFilter | None = None) -> list[str]:
    vector = EMBEDDER.embed_batch([text])[0]
    return [hit.chunk.id for hit in store.search(vector, k, where)]


def test_add_then_search_round_trips_every_field(store: ChromaStore) -> None:
    hits = store.search(EMBEDDER.embed_batch(["响应时间不超过三百毫秒"])[0], 1)
    assert hits[0].chunk == CHUNKS[0]
    assert 0.0 < hits[0].score <= 1.0001
    assert store.count() == 4


def test_server_mode_writes_to_the_server(chroma_server: ChromaServer, tmp_path: Path) -> None:
    import chromadb

    settings = offline_settings(tmp_path / "ws", chroma_url=chroma_server.url)
    store = open_store(settings, EMBEDDER, create=True)
    store.add(CHUNKS, EMBEDDER.embed_batch([c.text for c in CHUNKS]))
    direct = chromadb.HttpClient(host="127.0.0.1", port=chroma_server.port)
    assert direct.get_collection("pmassist").count() == 4


def test_add_is_an_upsert(store: ChromaStore) -> None:
    changed = make_chunk(0, "changed text", doc_type="meeting_notes", date="2024-03-05", page=2)
    store.add([changed], EMBEDDER.embed_batch([changed.text]))
    assert store.count() == 4
    assert {c.id: c.text for c in store.iter_chunks()}["id-0"] == "changed text"


def test_search_filters(store: ChromaStore) -> None:
    assert set(ids(store, "x", where=SearchFilter(project="beta"))) == {"id-2", "id-3"}
    assert set(ids(store, "x", where=SearchFilter(doc_type="postmortem"))) == {"id-1", "id-3"}
    window = SearchFilter(date_from="2024-01-01", date_to="2024-03-05")
    assert ids(store, "x", where=window) == ["id-0"]  # undated chunks fail a date range
    both = SearchFilter(project="beta", doc_type="postmortem", date_from="2024-06-30")
    assert ids(store, "x", where=both) == ["id-3"]
    assert ids(store, "x", where=SearchFilter(project="nobody")) == []


def test_delete_sources_only_touches_the_given_root(store: ChromaStore) -> None:
    store.delete_sources(["docs/d0.md"], "/root-a")
    assert {c.id for c in store.iter_chunks()} == {"id-1", "id-2", "id-3"}
    store.delete_sources(["docs/d0.md", "docs/d1.md"])  # every root
    assert {c.id for c in store.iter_chunks()} == {"id-2"}
    assert store.count() == 1


def test_delete_ids_and_iteration_past_one_page(store: ChromaStore) -> None:
    many = [make_chunk(100 + i, f"passage number {i}", source=f"bulk/{i}.md") for i in range(1205)]
    store.add(many, EMBEDDER.embed_batch([c.text for c in many]))
    assert store.count() == 1209
    listed = list(store.iter_chunks())
    assert len(listed) == len({c.id for c in listed}) == 1209  # pages neither skip nor repeat
    keys = list(store.iter_chunk_keys())
    assert len(keys) == 1209 and ("id-3", "/root-b", "docs/d0.md", "h3") in keys
    store.delete_ids([c.id for c in many[:1000]])
    assert store.count() == 209
    assert {c.id for c in store.iter_chunks(SearchFilter(project="beta"))} == {"id-2", "id-3"}


def test_empty_store_searches_to_nothing(store: ChromaStore) -> None:
    store.delete_ids([c.id for c in CHUNKS])
    assert store.count() == 0
    assert store.search(np.ones(EMBEDDER.dim, dtype=np.float32), 5) == []
    assert list(store.iter_chunks()) == []
