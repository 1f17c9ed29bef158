"""Property tests (issue #8, point 4): chunking loses no text and keeps its size bounds for any
mix of CJK, Latin, whitespace and punctuation; tokenisation and retrieval never raise on any
string.

"No text lost", precisely: let S be the input with every whitespace character removed (the
chunker may re-break lines and trims chunk ends) and c1..cn the chunks, likewise without
whitespace. Neighbouring chunks may share an overlap: a prefix of c(i+1) that repeats a suffix of
what came before, at most `chunk_overlap` characters long. The property is that overlaps o2..on
exist with S == c1 + c2[o2:] + ... + cn[on:] — every character kept, in order, none invented.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from assistant.answer import answer
from assistant.factory import ingest_config, open_index
from assistant.retrieval import HybridRetriever, open_retriever
from assistant.tokenize import TextTokenizer, estimate_tokens
from ingest.chunking import split_document
from ingest.loaders import Page
from ingest.model import SearchFilter
from ingest.pipeline import ingest_paths
from tests.hardening.conftest import offline_settings
from tests.hardening.helpers import write_corpus

CJK = "项目经理需求变更风险延期预算割接验收里程碑消息队列数据迁移会议纪要复盘周报负责人"
LATIN = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789"
PUNCT = "。！？；，、：“”（）《》.!?;,:'\"()-*#|`~>[]"
WHITESPACE = " \n\n\n\t\u3000"

words = st.one_of(
    st.text(alphabet=CJK, min_size=1, max_size=30),
    st.text(alphabet=LATIN, min_size=1, max_size=15),
    st.text(alphabet=PUNCT, min_size=1, max_size=3),
    st.text(alphabet=WHITESPACE, min_size=1, max_size=4),
    st.sampled_from(["# 标题", "## Section two", "第一章 总则", "1.2 Scope", "```", "- item"]),
)
documents = st.lists(words, max_size=250).map("".join)


def squeeze(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def reassembles(source: str, chunks: list[str], overlap: int) -> bool:
    """Whether overlaps exist such that the chunks, overlaps removed, spell `source`."""
    positions = {0}
    for index, chunk in enumerate(chunks):
        reachable = set()
        for pos in positions:
            longest = 0 if index == 0 else min(overlap, len(chunk), pos)
            for shared in range(longest + 1):
                if chunk[:shared] != source[pos - shared : pos]:
                    continue
                rest = chunk[shared:]
                if source.startswith(rest, pos):
                    reachable.add(pos + len(rest))
        positions = reachable
        if not positions:
            return False
    return len(source) in positions


@settings(max_examples=300, deadline=None)
@given(
    pages=st.lists(documents, min_size=1, max_size=3),
    size=st.integers(100, 250),
    overlap_share=st.floats(0, 0.5),
    paged=st.booleans(),
)
def test_chunking_loses_no_text_and_respects_its_bounds(
    pages: list[str], size: int, overlap_share: float, paged: bool
) -> None:
    overlap = int(size * overlap_share)  # the factory caps overlap at half the size
    numbered = [Page(n + 1 if paged else None, text) for n, text in enumerate(pages)]
    chunks = split_document(numbered, chunk_size=size, chunk_overlap=overlap)
    if chunks:  # steer the search towards chunks at the size bound, where mistakes show
        target(max(len(c.text) for c in chunks) / size)
    assert all(0 < len(c.text) <= size for c in chunks)
    assert all(c.text == c.text.strip() for c in chunks)
    assert all(c.page in {p.number for p in numbered} for c in chunks)
    source = squeeze("".join(pages))
    assert reassembles(source, [squeeze(c.text) for c in chunks], overlap)


def test_the_reassembly_check_catches_lost_and_invented_text() -> None:
    assert reassembles("abcdef", ["abcd", "cdef"], overlap=2)
    assert not reassembles("abcdef", ["abc", "ef"], overlap=2)  # "d" lost
    assert not reassembles("abcdef", ["abcd", "cdeXf"], overlap=2)  # "X" invented
    assert not reassembles("abcdef", ["abcd", "bcdef"], overlap=2)  # overlap beyond the bound


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> TextTokenizer:
    return TextTokenizer(cache_dir=tmp_path_factory.mktemp("jieba"))


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_tokenisation_never_raises(tokenizer: TextTokenizer, text: str) -> None:
    tokens = tokenizer.tokens(text)
    assert all(isinstance(t, str) and t and not t.isspace() for t in tokens)
    assert estimate_tokens(text) >= 0


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    base = tmp_path_factory.mktemp("props")
    settings_ = offline_settings(base / "ws")
    index = open_index(settings_, create=True, lazy=True)
    ingest_paths([write_corpus(base / "corpus")], store=index.store, embedder=index.embedder,
                 manifest=index.manifest, config=ingest_config(settings_))  # fmt: skip
    return open_retriever(settings_, index)


filters = st.builds(
    SearchFilter,
    project=st.none() | st.sampled_from(["智慧政务", "billing", "", "none"]) | st.text(max_size=8),
    doc_type=st.none() | st.sampled_from(["meeting_notes", "postmortem", "requirements"]),
    date_from=st.none() | st.dates().map(str),
    date_to=st.none() | st.dates().map(str),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.text() | st.text(alphabet=CJK + LATIN + PUNCT + WHITESPACE),
    where=st.none() | filters,
    k=st.integers(1, 20),
)
def test_retrieval_and_extractive_answers_never_raise(
    retriever: HybridRetriever, query: str, where: SearchFilter | None, k: int
) -> None:
    hits = retriever.search(query, k=k, where=where)
    assert len(hits) <= k
    assert len({h.chunk.id for h in hits}) == len(hits)
    result = answer(query, retriever=retriever, k=k, where=where)
    assert result.mode == "extractive" and isinstance(result.answer, str)


def test_a_filtered_search_only_returns_matching_chunks(retriever: HybridRetriever) -> None:
    hits = retriever.search("message queue 消息队列", k=10, where=SearchFilter(project="billing"))
    assert hits and all(h.chunk.project == "billing" for h in hits)
