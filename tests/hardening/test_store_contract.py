"""The store port's contract (ingest.ports.IndexStore), run against every store: the embedded
Chroma and a real `chroma run` server, both built by `open_store` and chosen only by
`chroma_url` (issue #8, point 1), and `InMemoryStore`, the one fake other packages' tests use
(issue #18, point 3). A fake that passes it behaves like Chroma where the core can tell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.factory import open_store
from ingest.embedders import HashingEmbedder
from ingest.model import Chunk, SearchFilter
from ingest.ports import IndexStore
from ingest.store import InMemoryStore
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
VECTORS = EMBEDDER.embed_batch([c.text for c in CHUNKS])


def vector(text: str) -> np.ndarray:
    return EMBEDDER.embed_batch([text])[0]


@pytest.fixture(params=["embedded", "server", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexStore]:
    """The store `open_store` builds from settings (embedded, or HttpClient via chroma_url),
    or the in-memory fake; CHUNKS added."""
    built: IndexStore
    if request.param == "memory":
        built = InMemoryStore()
    elif request.param == "server":
        server: ChromaServer = request.getfixturevalue("chroma_server")
        built = open_store(offline_settings(tmp_path / "ws", chroma_url=server.url), EMBEDDER,
                           create=True)  # fmt: skip
        assert not (tmp_path / "ws" / "chroma").exists()  # nothing is written locally
    else:
        built = open_store(offline_settings(tmp_path / "ws"), EMBEDDER, create=True)
    built.add(CHUNKS, VECTORS)
    yield built
    built.close()


def ids(store: IndexStore, text: str, k: int = 10, where: SearchFilter | None = None) -> list[str]:
    return [hit.chunk.id for hit in store.search(vector(text), k, where)]


def listed(store: IndexStore, where: SearchFilter | None = None) -> set[str]:
    return {c.id for c in store.iter_chunks(where)}


def test_add_then_search_round_trips_every_field(store: IndexStore) -> None:
    hits = store.search(vector("响应时间不超过三百毫秒"), 1)
    assert len(hits) == 1 and hits[0].chunk == CHUNKS[0]  # every field, page and date too
    assert 0.0 < hits[0].score <= 1.0001
    assert store.count() == 4
    assert sorted(store.iter_chunks(), key=lambda c: c.id) == CHUNKS


def test_search_ranks_by_cosine_similarity(store: IndexStore) -> None:
    for chunk, stored in zip(CHUNKS, VECTORS, strict=True):
        query = vector(chunk.text)
        hits = store.search(query, 4)
        assert hits[0].chunk.id == chunk.id and hits[0].score == pytest.approx(1.0, abs=1e-4)
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True) and len(hits) == 4
        by_id = dict(zip((c.id for c in CHUNKS), VECTORS, strict=True))
        for hit in hits:  # the score is the cosine of the query and the chunk's vector
            assert hit.score == pytest.approx(float(by_id[hit.chunk.id] @ query), abs=1e-4)
        assert float(stored @ query) == pytest.approx(1.0, abs=1e-4)
        longer = store.search(query * 3.0, 1)[0]  # cosine: the length of a vector is no matter
        assert longer.chunk.id == chunk.id and longer.score == pytest.approx(1.0, abs=1e-4)
    assert len(store.search(vector("x"), 2)) == 2
    assert store.search(vector("x"), 0) == []


def test_add_is_an_upsert(store: IndexStore) -> None:
    changed = make_chunk(0, "changed text", doc_type="meeting_notes", date="2024-03-05", page=2)
    store.add([changed], EMBEDDER.embed_batch([changed.text]))
    assert store.count() == 4
    assert {c.id: c.text for c in store.iter_chunks()}["id-0"] == "changed text"
    assert store.search(vector("changed text"), 1)[0].chunk == changed


def test_add_new_inserts_and_never_duplicates_an_existing_id(store: IndexStore) -> None:
    again = make_chunk(0, "a different text under an existing id")
    fresh = make_chunk(9, "Capacity planning for the message queue cluster.")
    store.add_new([again, fresh], EMBEDDER.embed_batch([again.text, fresh.text]))
    assert store.count() == 5
    assert {c.id: c.text for c in store.iter_chunks()}["id-0"] == CHUNKS[0].text  # kept
    assert ids(store, fresh.text, k=1) == ["id-9"]
    store.add_new([], np.zeros((0, EMBEDDER.dim), dtype=np.float32))
    assert store.count() == 5


def test_search_and_listing_filter_alike(store: IndexStore) -> None:
    beta = SearchFilter(project="beta")
    assert set(ids(store, "x", where=beta)) == listed(store, beta) == {"id-2", "id-3"}
    postmortems = SearchFilter(doc_type="postmortem")
    assert set(ids(store, "x", where=postmortems)) == listed(store, postmortems) == {"id-1", "id-3"}
    window = SearchFilter(date_from="2024-01-01", date_to="2024-03-05")
    assert ids(store, "x", where=window) == ["id-0"]  # undated chunks fail a date range
    assert listed(store, window) == {"id-0"}
    assert listed(store, SearchFilter(date_from="2024-03-05")) == {"id-0", "id-3"}
    assert set(ids(store, "x", where=SearchFilter(date_to="2024-03-04"))) == {"id-1"}
    both = SearchFilter(project="beta", doc_type="postmortem", date_from="2024-06-30")
    assert ids(store, "x", where=both) == ["id-3"]
    assert len(ids(store, "x", k=1, where=beta)) == 1
    nobody = SearchFilter(project="nobody")
    assert ids(store, "x", where=nobody) == [] and listed(store, nobody) == set()
    assert listed(store, SearchFilter()) == listed(store) == {c.id for c in CHUNKS}


def test_delete_sources_only_touches_the_given_root(store: IndexStore) -> None:
    store.delete_sources(["docs/d0.md"], "/root-a")
    assert listed(store) == {"id-1", "id-2", "id-3"}  # id-3 is docs/d0.md of /root-b
    store.delete_sources(["docs/d0.md", "docs/d1.md"])  # every root
    assert listed(store) == {"id-2"}
    assert list(store.iter_chunk_keys()) == [("id-2", "/root-a", "docs/d2.md", "h2")]
    assert ids(store, CHUNKS[3].text) == ["id-2"]  # gone from search too
    store.delete_sources(["docs/never-ingested.md"], "/root-a")
    assert store.count() == 1


def test_delete_ids_and_iteration_past_one_page(store: IndexStore) -> None:
    many = [make_chunk(100 + i, f"passage number {i}", source=f"bulk/{i}.md") for i in range(1205)]
    store.add(many, EMBEDDER.embed_batch([c.text for c in many]))
    assert store.count() == 1209
    chunks = list(store.iter_chunks())
    assert len(chunks) == len({c.id for c in chunks}) == 1209  # pages neither skip nor repeat
    keys = list(store.iter_chunk_keys())
    assert len(keys) == len(set(keys)) == 1209 and ("id-3", "/root-b", "docs/d0.md", "h3") in keys
    read, vectors = store.read_chunks(None, vectors=True)
    assert len({c.id for c in read}) == 1209
    assert vectors is not None and vectors.shape == (1209, EMBEDDER.dim)
    store.delete_ids([c.id for c in many[:1000]] + ["id-unknown"])
    assert store.count() == 209
    assert listed(store, SearchFilter(project="beta")) == {"id-2", "id-3"}
    assert "id-100" not in listed(store) and "id-1100" in listed(store)


def test_read_chunks_reads_documents_with_their_vectors(store: IndexStore) -> None:
    everything, none = store.read_chunks()
    assert none is None and sorted(everything, key=lambda c: c.id) == CHUNKS
    # (root, source) names a document: docs/d0.md of /root-b is another one.
    chunks, vectors = store.read_chunks([("/root-a", "docs/d0.md"), ("/root-b", "docs/d1.md")],
                                        vectors=True)  # fmt: skip
    assert chunks == [CHUNKS[0]] and vectors is not None
    np.testing.assert_allclose(vectors, VECTORS[:1], atol=1e-6)
    chunks, vectors = store.read_chunks([(c.root, c.source) for c in CHUNKS], vectors=True)
    assert vectors is not None and len(chunks) == len(vectors) == 4
    for chunk, row in zip(chunks, vectors, strict=True):  # row i is chunk i's vector
        np.testing.assert_allclose(row, VECTORS[CHUNKS.index(chunk)], atol=1e-6)
    nothing, no_rows = store.read_chunks([], vectors=True)
    assert nothing == [] and no_rows is not None and len(no_rows) == 0


def test_open_and_reconnect_keep_the_data(store: IndexStore) -> None:
    assert store.open() is store
    store.reconnect()
    assert store.count() == 4 and ids(store, CHUNKS[2].text, k=1) == ["id-2"]
    store.add([make_chunk(7, "written after reconnecting")], VECTORS[:1])
    store.reconnect()
    assert listed(store) == {"id-0", "id-1", "id-2", "id-3", "id-7"}


def test_empty_store_searches_to_nothing(store: IndexStore) -> None:
    store.delete_ids([c.id for c in CHUNKS])
    assert store.count() == 0
    assert store.search(np.ones(EMBEDDER.dim, dtype=np.float32), 5) == []
    assert list(store.iter_chunks()) == [] and list(store.iter_chunk_keys()) == []
    chunks, vectors = store.read_chunks(vectors=True)
    assert chunks == [] and vectors is not None and len(vectors) == 0


def test_server_mode_writes_to_the_server(chroma_server: ChromaServer, tmp_path: Path) -> None:
    import chromadb

    settings = offline_settings(tmp_path / "ws", chroma_url=chroma_server.url)
    store = open_store(settings, EMBEDDER, create=True)
    store.add(CHUNKS, VECTORS)
    direct = chromadb.HttpClient(host="127.0.0.1", port=chroma_server.port)
    assert direct.get_collection("pmassist").count() == 4
