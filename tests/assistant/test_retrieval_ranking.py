"""top-k without a full sort and the vectorised filters must give exactly the old answers."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieval import chunk_matches
from assistant.retrieval.ranking import ChunkFields, top_k
from ingest.model import Chunk, SearchFilter
from tests.assistant.conftest import make_chunk


@given(
    scores=st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.5, -1.0, float("-inf")]), max_size=60),
    k=st.integers(min_value=0, max_value=70),
)
@settings(max_examples=300, deadline=None)
def test_top_k_equals_a_full_stable_sort_even_with_ties(scores: list[float], k: int) -> None:
    array = np.asarray(scores, dtype=np.float32)
    expected = np.argsort(-array, kind="stable")[:k]
    assert top_k(array, k).tolist() == expected.tolist()


def test_top_k_on_a_large_array_keeps_the_best_in_order() -> None:
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 50, 100_000).astype(np.float32)  # many ties
    assert top_k(scores, 50).tolist() == np.argsort(-scores, kind="stable")[:50].tolist()


PROJECTS = ["alpha", "beta", "gamma"]
DOC_TYPES = ["meeting_notes", "requirements", "postmortem"]
DATES = [None, "2023-11-20", "2024-01-15", "2024-03-01", "2024-03-08", "2024-12-31"]


def chunks_of(specs: list[tuple[int, int, int]]) -> list[Chunk]:
    return [
        make_chunk(f"text {i}", f"{PROJECTS[p]}/f{i}.md", project=PROJECTS[p],
                   doc_type=DOC_TYPES[d], date=DATES[t], index=i)
        for i, (p, d, t) in enumerate(specs)
    ]  # fmt: skip


filters = st.builds(
    SearchFilter,
    project=st.sampled_from([None, "", *PROJECTS, "delta"]),
    doc_type=st.sampled_from([None, *DOC_TYPES, "other"]),
    date_from=st.sampled_from([None, "2024-01-01", "2024-03-01", "2025"]),
    date_to=st.sampled_from([None, "2024-03-01", "2024-02", "2023-12-31"]),
)


@given(
    specs=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, len(DATES) - 1)),
        max_size=40,
    ),
    where=filters,
)
@settings(max_examples=300, deadline=None)
def test_vectorised_filter_equals_chunk_matches(
    specs: list[tuple[int, int, int]], where: SearchFilter
) -> None:
    chunks = chunks_of(specs)
    mask = ChunkFields(chunks).mask(where)
    expected = [chunk_matches(c, where) for c in chunks]
    if where.is_empty:
        assert mask is None and all(expected)
    else:
        assert mask is not None and mask.tolist() == expected


@pytest.mark.parametrize("where", [None, SearchFilter()])
def test_no_filter_means_no_mask(where: SearchFilter | None) -> None:
    assert ChunkFields(chunks_of([(0, 0, 0)])).mask(where) is None


WORDS = ["割接", "cutover", "接口", "api", "例会", "meeting", "风险", "risk", "the", "进度"]


@given(
    docs=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), min_size=1,
                  max_size=30),
    query=st.lists(st.sampled_from([*WORDS, "absent", "缺席"]), max_size=6),
)  # fmt: skip
@settings(max_examples=100, deadline=None)
def test_bm25_scores_equal_bm25s_own_scores(docs: list[list[str]], query: list[str]) -> None:
    """Read from the sparse matrix directly, the scores are bm25s's own, bit for bit; which
    chunks hold a word is where it scores."""
    index = _index_of(docs)
    known = [t for t in dict.fromkeys(query) if t in index.model.vocab_dict]
    expected = (
        np.asarray(index.model.get_scores(known), dtype=np.float32)
        if known
        else np.zeros(len(docs), dtype=np.float32)
    )
    assert index.scores(query).tolist() == expected.tolist()
    for word in [*WORDS, "absent"]:
        assert index.holds(word).tolist() == (index.scores([word]) > 0).tolist()
        assert index.contains(word) == any(word in d for d in docs)


def _index_of(docs: list[list[str]]) -> Any:
    from assistant.retrieval.index import BM25Index

    class Words:  # each document's words are its tokens
        fingerprint = "words"

        def tokens(self, text: str) -> list[str]:
            return text.split("\n", 1)[1].split()

    chunks = [make_chunk(" ".join(d), f"d{i}.md", index=i) for i, d in enumerate(docs)]
    return BM25Index.build(chunks, Words(), generation=1)  # type: ignore[arg-type]


def test_a_loaded_snapshot_filters_and_points_without_making_every_chunk(tmp_path: Any) -> None:
    """Filters and pointers read a loaded snapshot's stored rows: same answers as the chunks
    themselves, and no chunk is made for them."""
    from assistant.retrieval.index import BM25Index
    from assistant.retrieval.pointers import ChunkPointers, Pointers

    index = _index_of([["risk", "the"], ["cutover"], ["例会", "进度"]])
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None
    where = SearchFilter(project="alpha", date_from="2024-01-01")
    assert loaded.mask(where).tolist() == ChunkFields(index.chunks).mask(where).tolist()
    pointers = ChunkPointers(loaded.chunks)
    assert pointers.matches(Pointers(dates=("2024-03",))).tolist() == [True, True, True]
    assert pointers.order.tolist() == [0.0, 1.0, 2.0]
    assert loaded.chunks._made == [None, None, None]  # type: ignore[attr-defined]


def test_a_saved_snapshot_keeps_its_vectors_by_column_and_ranks_as_before(tmp_path: Any) -> None:
    """A sparse query reads only its own dimensions of the column-major vectors: the scores
    are the full product's (to float rounding), and so is the ranking."""
    from assistant.retrieval.index import BM25Index, cosine_scores
    from ingest.embedders import HashingEmbedder

    texts = [
        "割接时间定在周六凌晨", "The cutover is planned for Saturday night", "例会改到周三",
        "weekly meeting moved to Wednesday", "风险登记册已更新", "risk register updated",
    ]  # fmt: skip
    embedder = HashingEmbedder()
    index = _index_of([t.split() for t in texts])
    index.vectors, index.embedder = embedder.embed_batch(texts), embedder.id
    index.save(tmp_path)
    assert index.vectors.flags.f_contiguous  # the saving process searches the same layout
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None and loaded.vectors is not None
    assert loaded.vectors.flags.f_contiguous
    for question in ["割接定在哪天？", "When is the weekly meeting?"]:
        query = embedder.embed_batch([question])[0]
        assert np.count_nonzero(query) * 2 < len(query)  # the sparse path is the one tested
        full = np.ascontiguousarray(index.vectors) @ query
        assert np.allclose(cosine_scores(loaded.vectors, query), full, atol=1e-6)
        expected = [index.chunks[i].id for i in np.argsort(-full, kind="stable")[:3]]
        assert [c.id for c in loaded.vector_search(query, 3, None)] == expected


def test_the_first_search_of_a_loaded_snapshot_makes_only_the_chunks_it_ranks(
    tmp_path: Any,
) -> None:
    """Re-ranking reads which query words each candidate holds by its row: finding the rows
    reads the stored ids, not a Chunk made for each of the snapshot's chunks."""
    from assistant.glossary import Glossary
    from assistant.retrieval import HybridRetriever
    from assistant.retrieval.index import BM25Index
    from assistant.retrieval.translate import Lexicon
    from ingest.embedders import HashingEmbedder

    docs = [["risk", "the"], ["cutover", "meeting"], ["例会", "进度"], ["api", "接口"]]
    _index_of(docs).save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded is not None

    class Words:
        fingerprint = "words"

        def tokens(self, text: str) -> list[str]:
            return text.split()

        def chinese_words(self, run: str) -> list[str]:
            return [run]

    retriever = HybridRetriever(
        store=None, embedder=HashingEmbedder(), bm25=loaded, tokenizer=Words(),  # type: ignore[arg-type]
        glossary=Glossary([]), lexicon=Lexicon(),
    )  # fmt: skip
    holds = retriever.query_tokens_in(retriever.query_terms("cutover meeting"))
    assert holds(loaded.chunks[1]) == {"cutover", "meeting"}
    assert holds(loaded.chunks[0]) == set()
    made = [i for i, c in enumerate(loaded.chunks._made) if c is not None]  # type: ignore[attr-defined]
    assert made == [0, 1]


def test_a_snapshot_loads_its_chunks_lazily_and_reads_the_older_format(tmp_path: Any) -> None:
    """The chunks are stored one JSON object each and parsed when used; saved again they are
    the same; a snapshot saved with every chunk inside chunks.json still loads."""
    import json

    from assistant.retrieval.index import BM25Index, StoredRows

    index = _index_of([["risk"], ["cutover", "meeting"], ["例会", "进度"]])
    index.save(tmp_path / "new")
    loaded = BM25Index.load(tmp_path / "new")
    assert loaded is not None and isinstance(loaded.chunks.rows, StoredRows)  # type: ignore[attr-defined]
    assert loaded.chunks[2] == index.chunks[2]
    assert [r for r, c in enumerate(loaded.chunks._made) if c] == [2]  # type: ignore[attr-defined]
    assert list(loaded.chunks) == list(index.chunks)
    loaded.save(tmp_path / "again")
    again = BM25Index.load(tmp_path / "again")
    assert again is not None and list(again.chunks) == list(index.chunks)
    assert again.scores(["cutover"]).tolist() == index.scores(["cutover"]).tolist()

    version = tmp_path / "new" / json.loads((tmp_path / "new" / "current.json").read_text())[
        "version"
    ]
    meta = json.loads((version / "chunks.json").read_text())
    del meta["rows"]
    meta["chunks"] = [dataclasses.asdict(c) for c in index.chunks]
    (version / "chunks.json").write_text(json.dumps(meta))
    for name in ("chunks.rows", "chunk_offsets.npy", "chunk_ids.json"):
        (version / name).unlink()
    older = BM25Index.load(tmp_path / "new")
    assert older is not None and list(older.chunks) == list(index.chunks)
