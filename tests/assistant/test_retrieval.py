from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.glossary import Glossary, GlossaryError, load_glossary
from assistant.retrieval import (
    BM25Index,
    FusionWeights,
    HybridRetriever,
    open_bm25_index,
    reciprocal_rank_fusion,
    stored_vectors,
)
from assistant.retrieval.translate import Lexicon
from assistant.tokenize import TextTokenizer, estimate_tokens, stem
from ingest.model import SearchFilter
from ingest.store import InMemoryStore
from tests.assistant.conftest import CORPUS, NgramEmbedder, make_chunk


def sources(hits) -> list[str]:
    return [h.chunk.source for h in hits]


# -- tokenisation ---------------------------------------------------------------------------


def test_chinese_pm_terms_stay_whole_and_stopwords_go(tokenizer: TextTokenizer) -> None:
    tokens = tokenizer.tokens("割接之后的风险登记册和关键路径都更新了。")
    assert {"割接", "风险登记册", "关键路径"} <= set(tokens)
    assert "的" not in tokens and "和" not in tokens and "。" not in tokens


def test_private_jieba_leaves_the_global_dictionary_alone(tokenizer: TextTokenizer) -> None:
    import jieba

    tokenizer.add_words(["灰度割接窗口"])
    assert "灰度割接窗口" in tokenizer.tokens("本周确定灰度割接窗口")
    assert tokenizer._segmenter() is not jieba.dt
    assert "灰度割接窗口" not in jieba.dt.FREQ


def test_english_is_lowercased_stemmed_and_stopworded(tokenizer: TextTokenizer) -> None:
    assert tokenizer.tokens("The Milestones were PLANNED and delayed") == tokenizer.tokens(
        "milestone plan delay"
    )
    assert len(tokenizer.tokens("The Milestones were PLANNED and delayed")) == 3
    assert stem("dependencies") == stem("dependency")
    assert stem("testing") == stem("tested") == stem("tests") == "test"
    assert stem("showcased") == stem("showcase")


def test_mixed_text_keeps_both_languages(tokenizer: TextTokenizer) -> None:
    tokens = tokenizer.tokens("RocketMQ 消息队列压测 by Alice")
    assert tokens == ["rocketmq", "消息队列", "压测", stem("alice")]


def test_token_estimate_counts_cjk_characters_and_latin_quads() -> None:
    assert estimate_tokens("里程碑") == 3
    assert estimate_tokens("abcdefgh") == 2


# -- glossary -------------------------------------------------------------------------------


def test_glossary_expands_both_directions_with_aliases(glossary: Glossary) -> None:
    zh = glossary.expand("消息队列选型定了吗")
    assert zh.matched == ("消息队列",)
    assert {"message queue", "MQ", "消息中间件"} <= set(zh.terms)
    en = glossary.expand("Who owns the Message Queue load test?")
    assert "消息队列" in en.terms
    alias = glossary.expand("系统切换放在周末")
    assert {"割接", "cutover"} <= set(alias.terms)


def test_glossary_prefers_the_longest_match(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("zh,en,aliases\n风险,risk,\n风险登记册,risk register,\n", "utf-8")
    expansion = load_glossary(path).expand("更新风险登记册")
    assert expansion.matched == ("风险登记册",)
    assert expansion.terms == ("risk register",)


def test_glossary_without_its_columns_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("chinese,english\n风险,risk\n", "utf-8")
    with pytest.raises(GlossaryError, match="zh,en,aliases"):
        load_glossary(path)


def test_project_glossary_loads_when_present() -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "glossary.csv"
    if not path.exists():
        pytest.skip("data/glossary.csv not in this checkout")
    glossary = load_glossary(path)
    assert len(glossary) >= 300
    assert "message queue" in [t.lower() for t in glossary.expand("消息队列").terms]


# -- BM25, fusion, filters ------------------------------------------------------------------


def test_bm25_ranks_the_exact_chunk_first(retriever: HybridRetriever) -> None:
    terms = retriever.query_terms("割接演练 回滚")
    ranking = retriever.bm25_ranking(terms, None)
    assert ranking[0].source == "beta/postmortems/割接复盘.md"


def test_glossary_expansion_finds_the_other_language(
    corpus_store: InMemoryStore, tokenizer: TextTokenizer, glossary: Glossary
) -> None:
    bm25 = BM25Index.build(corpus_store.iter_chunks(), tokenizer, generation=1)

    def bm25_sources(gloss: Glossary, query: str) -> list[str]:
        r = HybridRetriever(
            store=corpus_store, embedder=NgramEmbedder(), bm25=bm25, tokenizer=tokenizer,
            glossary=gloss, lexicon=Lexicon(),  # the glossary alone, no CC-CEDICT
        )  # fmt: skip
        return [c.source for c in r.bm25_ranking(r.query_terms(query), None)]

    chinese_notes = "alpha/notes/2024-03-01-周会.md"
    assert chinese_notes not in bm25_sources(Glossary([]), "message queue")
    expanded = bm25_sources(glossary, "message queue")
    assert chinese_notes in expanded
    # the typed words still win over their translation
    assert expanded[0] == "alpha/notes/2024-03-08-weekly.md"


def test_hybrid_search_returns_k_fused_hits_best_first(retriever: HybridRetriever) -> None:
    hits = retriever.search("谁负责消息队列压测？", k=3)
    assert len(hits) == 3
    assert hits[0].chunk.source == "alpha/notes/2024-03-01-周会.md"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    ("where", "allowed"),
    [
        (SearchFilter(project="beta"), {"beta/reqs/invoices.md", "beta/postmortems/割接复盘.md"}),
        (SearchFilter(doc_type="postmortem"), {"beta/postmortems/割接复盘.md"}),
        (
            SearchFilter(date_from="2024-03-01", date_to="2024-03-31"),
            {"alpha/notes/2024-03-01-周会.md", "alpha/notes/2024-03-08-weekly.md"},
        ),
    ],
)
def test_filters_apply_to_both_retrievers(
    retriever: HybridRetriever, where: SearchFilter, allowed: set[str]
) -> None:
    query = "割接 消息队列 invoices 里程碑 cutover"
    assert set(c.source for c in retriever.bm25_ranking(retriever.query_terms(query), where)) <= (
        allowed
    )
    hits = retriever.search(query, k=10, where=where)
    assert hits and set(sources(hits)) <= allowed


def test_rrf_rewards_agreement_between_rankings() -> None:
    a, b, c = CORPUS[0], CORPUS[1], CORPUS[2]
    fused = reciprocal_rank_fusion([(1.0, [a, b, c]), (1.0, [b, c, a])], k=3, rrf_k=60)
    assert [h.chunk.id for h in fused] == [b.id, a.id, c.id]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61, abs=1e-6)
    weighted = reciprocal_rank_fusion([(1.0, [a]), (3.0, [b])], k=2, rrf_k=60)
    assert weighted[0].chunk.id == b.id


def test_vector_only_weights_follow_the_embedder(
    corpus_store: InMemoryStore, tokenizer: TextTokenizer
) -> None:
    bm25 = BM25Index.build([], tokenizer, generation=0)
    r = HybridRetriever(
        store=corpus_store, embedder=NgramEmbedder(), bm25=bm25, tokenizer=tokenizer,
        weights=FusionWeights(bm25=0.0),
    )  # fmt: skip
    hits = r.search("monthly invoices as PDF", k=1)
    assert sources(hits) == ["beta/reqs/invoices.md"]


# -- persistence ----------------------------------------------------------------------------


def test_bm25_index_persists_and_rebuilds_only_on_a_new_generation(
    tmp_path: Path, corpus_store: InMemoryStore, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    built = open_bm25_index(folder, 3, corpus_store.iter_chunks, tokenizer)
    assert len(built) == len(CORPUS)
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pickle"))

    def must_not_rebuild():
        raise AssertionError("rebuilt although the generation did not change")

    loaded = open_bm25_index(folder, 3, must_not_rebuild, tokenizer)
    assert [c.id for c in loaded.chunks] == [c.id for c in built.chunks]
    query = tokenizer.tokens("割接演练")
    assert loaded.scores(query).tolist() == pytest.approx(built.scores(query).tolist())

    extra = make_chunk("新增的终验会议纪要", "gamma/notes/终验.md", project="gamma")
    rebuilt = open_bm25_index(folder, 4, lambda: [*CORPUS, extra], tokenizer)
    assert len(rebuilt) == len(CORPUS) + 1
    # the old version stays for a while: another process may be loading it (index._prune)
    assert len([p for p in folder.iterdir() if p.is_dir()]) == 2
    assert BM25Index.load(folder).generation == 4  # type: ignore[union-attr]


def test_empty_index_searches_to_nothing(tmp_path: Path, tokenizer: TextTokenizer) -> None:
    index = open_bm25_index(tmp_path / "bm25", 0, list, tokenizer)
    assert len(index) == 0
    r = HybridRetriever(
        store=InMemoryStore(), embedder=NgramEmbedder(), bm25=index, tokenizer=tokenizer
    )
    assert r.search("anything at all") == []


def test_vectors_join_a_saved_index_without_rebuilding_it(
    tmp_path: Path, corpus_store: InMemoryStore, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    open_bm25_index(folder, 1, corpus_store.iter_chunks, tokenizer)

    def must_not_rebuild():
        raise AssertionError("rebuilt although the generation did not change")

    no_vectors = open_bm25_index(folder, 1, must_not_rebuild, tokenizer, vectors=lambda c: None)
    assert no_vectors.vectors is None
    embedder = NgramEmbedder()
    with_vectors = open_bm25_index(
        folder, 1, must_not_rebuild, tokenizer,
        vectors=lambda chunks: (embedder.id, embedder.embed_batch([c.text for c in chunks])),
    )  # fmt: skip
    assert with_vectors.has_vectors_from(embedder.id)
    reloaded = BM25Index.load(folder)
    assert reloaded is not None and reloaded.has_vectors_from(embedder.id)
    query = embedder.embed_batch(["monthly invoices as PDF"])[0]
    assert reloaded.vector_search(query, 1, None)[0].source == "beta/reqs/invoices.md"
    assert reloaded.vector_search(query, 5, SearchFilter(project="alpha"))[0].project == "alpha"


def test_stored_vectors_are_read_back_through_the_store_port(
    tmp_path: Path, corpus_store: InMemoryStore, tokenizer: TextTokenizer
) -> None:
    embedder = NgramEmbedder()
    read = stored_vectors(corpus_store, embedder.id)
    wanted = [CORPUS[3], CORPUS[0], CORPUS[1]]  # two documents' chunks, out of store order
    found = read(wanted)
    assert found is not None and found[0] == embedder.id
    np.testing.assert_allclose(found[1], embedder.embed_batch([c.text for c in wanted]), atol=1e-6)
    index = open_bm25_index(tmp_path / "bm25", 1, corpus_store.iter_chunks, tokenizer, read)
    query = embedder.embed_batch(["monthly invoices as PDF"])[0]
    assert index.vector_search(query, 1, None)[0].source == "beta/reqs/invoices.md"
    corpus_store.delete_ids([CORPUS[0].id])  # the store changed underneath: no vectors
    assert read(wanted) is None


def test_a_damaged_saved_index_is_rebuilt(
    tmp_path: Path, corpus_store: InMemoryStore, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    open_bm25_index(folder, 1, corpus_store.iter_chunks, tokenizer)
    (version,) = [p for p in folder.iterdir() if p.is_dir()]
    for npy in version.glob("*.npy"):
        npy.unlink()  # e.g. removed by another process that saved a newer version
    assert BM25Index.load(folder) is None
    rebuilt = open_bm25_index(folder, 1, corpus_store.iter_chunks, tokenizer)
    assert len(rebuilt) == len(CORPUS) and BM25Index.load(folder) is not None
