"""top-k without a full sort and the vectorised filters must give exactly the old answers."""

from __future__ import annotations

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
