"""Retrieval that crosses zh<->en (CC-CEDICT), finds what a question points at (dates, meeting
numbers) and re-ranks by coverage (#14)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.glossary import Glossary
from assistant.retrieval import BM25Index, HybridRetriever
from assistant.retrieval.pointers import (
    ChunkPointers,
    Pointers,
    chinese_number,
    find_pointers,
    is_status_question,
    meeting_number,
    points_at,
)
from assistant.retrieval.rerank import DecisionFlags, coverage, records_decision, rerank
from assistant.retrieval.translate import (
    Lexicon,
    clean_gloss,
    default_lexicon,
    parse_cedict,
)
from assistant.tokenize import TextTokenizer
from ingest.model import Chunk, SearchHit
from ingest.store import InMemoryStore
from tests.assistant.conftest import NgramEmbedder, make_chunk

CEDICT_LINES = [
    "# CC-CEDICT header lines are skipped",
    "時區 时区 [shi2 qu1] /time zone/",
    "升級 升级 [sheng1 ji2] /to escalate (in intensity)/to be promoted/to upgrade (computing)/",
    "回滾 回滚 [hui2 gun3] /to roll back (computing)/",
    "滾 滚 [gun3] /to roll/",
    "推薦 推荐 [tui1 jian4] /to recommend/",
    "舉薦 举荐 [ju3 jian4] /to recommend (sb)/",
    "見 见 [jian4] /see 看見|看见[kan4 jian4]/",
]


def test_cedict_is_parsed_both_ways_and_technical_senses_come_first() -> None:
    frequency = {"推荐": 100, "举荐": 2}.get
    lexicon = parse_cedict(CEDICT_LINES, lambda w: frequency(w) or 0)
    assert lexicon.english_for("时区") == ("time zone",)
    assert lexicon.english_for("升级")[0] == "upgrade"  # "(computing)" beats the first sense
    assert lexicon.chinese_for("time zone") == ("时区",)
    assert lexicon.chinese_for("recommended") == ("推荐", "举荐")  # commonest first
    assert lexicon.chinese_for("roll") == ()  # single characters are too ambiguous
    assert lexicon.english_for("见") == ()  # cross-references are not translations


def test_glosses_are_cleaned_to_search_words() -> None:
    assert clean_gloss("to delete (a file)") == "delete"
    assert clean_gloss("variant of 見|见[jian4]") is None
    assert clean_gloss("surname Li") is None
    assert clean_gloss("a very long explanation of something") is None


def test_query_words_get_their_translations() -> None:
    lexicon = parse_cedict(CEDICT_LINES)
    found = dict(lexicon.translations("CronJob 的时区怎么升级？", list))
    assert found == {}  # `list` splits characters: no multi-character word to translate
    words = dict(lexicon.translations("CronJob 的时区怎么升级？", lambda run: ["时区", "升级"]))
    assert words["时区"] == ("time zone",)
    assert dict(lexicon.translations("Which time zone?", list)) == {"time zone": ("时区",)}


def test_the_shipped_cedict_is_read_once_and_cached(tmp_path: Path) -> None:
    from assistant.retrieval import translate

    translate._loaded.clear()
    try:
        lexicon = default_lexicon(tmp_path)
        assert len(lexicon) > 50_000
        assert "time zone" in lexicon.english_for("时区")
        cached = list(tmp_path.glob("cedict-*.json"))
        assert len(cached) == 1 and "时区" in json.loads(cached[0].read_text("utf-8"))["zh_en"]
        translate._loaded.clear()
        again = default_lexicon(tmp_path)  # read back from the cache: the same answers
        assert again is not lexicon and len(again) == len(lexicon)
        for word in ("时区", "升级", "割接", "例会"):
            assert again.english_for(word) == lexicon.english_for(word)
        for phrase in ("time zone", "meeting", "upgrades", "absent-word"):
            assert again.chinese_for(phrase) == lexicon.chinese_for(phrase)
        query = "割接 时区 and the weekly meeting"
        assert again.translations(query, list) == lexicon.translations(query, list)
    finally:
        translate._loaded.clear()


CHUNKS = [
    make_chunk("CronJob 创建 Job 时使用的时区取决于控制器所在节点。", "zh/timezone.md", index=0),
    make_chunk("The weekly meeting agreed to upgrade the cluster next month.", "en/w.md", index=0),
    make_chunk("Budget review for the next quarter, nothing about clocks.", "en/b.md", index=0),
]


def _retriever(tokenizer: TextTokenizer, lexicon: Lexicon) -> HybridRetriever:
    store = InMemoryStore()
    store.add(CHUNKS, NgramEmbedder().embed_batch([c.text for c in CHUNKS]))
    bm25 = BM25Index.build(CHUNKS, tokenizer, generation=1)
    return HybridRetriever(store=store, embedder=NgramEmbedder(), bm25=bm25,
                           tokenizer=tokenizer, glossary=Glossary([]), lexicon=lexicon)  # fmt: skip


def test_an_english_question_finds_a_chinese_passage_through_translation(
    tokenizer: TextTokenizer,
) -> None:
    lexicon = parse_cedict(CEDICT_LINES)
    query = "Which time zone is it?"
    without = _retriever(tokenizer, Lexicon())
    assert "zh/timezone.md" not in [c.source for c in without.bm25_ranking(
        without.query_terms(query), None)]  # fmt: skip
    r = _retriever(tokenizer, lexicon)
    assert r.bm25_ranking(r.query_terms(query), None)[0].source == "zh/timezone.md"
    # the translation stands in for the typed words when judging support
    support = r.support_terms(query)
    assert ("时区",) in support.stand_ins["time"] or ("时区",) in support.stand_ins["zone"]


def test_a_chinese_question_finds_an_english_passage(tokenizer: TextTokenizer) -> None:
    r = _retriever(tokenizer, parse_cedict(CEDICT_LINES))
    hits = r.search("集群什么时候升级？", k=3)
    assert hits[0].chunk.source == "en/w.md"


# -- what a question points at ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2024年3月27日TC例会的主持人是谁？", Pointers(("2024-03-27",))),
        ("3月27日例会讨论了什么", Pointers(("-03-27",))),
        ("第66次会议上谁分享了 codex？", Pointers((), (66,))),
        ("六十六次会议纪要", Pointers((), (66,))),
        ("Who was nominated in the May 2025 meeting?", Pointers(("2025-05",))),
        ("the meeting on 12 September 2024", Pointers(("2024-09-12",))),
        ("minutes of March 6, 2024", Pointers(("2024-03-06",))),
        ("通过k8s一次性测试", Pointers()),
        ("Node 22.8.0 修复了什么", Pointers()),
    ],
)
def test_pointers_are_read_in_both_languages(question: str, expected: Pointers) -> None:
    assert find_pointers(question) == expected


def test_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ("六十六", "十四", "四十三", "一百零二", "7")] == [
        66, 14, 43, 102, 7,
    ]  # fmt: skip
    assert meeting_number("Paddle Framework Contributor Club 六十六次会议纪要") == 66
    assert meeting_number("第 24 次周例会会议纪要") == 24
    assert meeting_number("讨论了两次") is None


def test_chunks_match_the_date_or_number_pointed_at() -> None:
    chunks = [
        replace(make_chunk("a", "a.md", date="2024-03-27"), heading="第十四次会议纪要"),
        replace(make_chunk("b", "b.md", date="2025-03-27"), heading="Weekly"),
        replace(make_chunk("c", "c.md", date=None), heading="六十六次会议纪要 > 议程"),
    ]
    fields = ChunkPointers(chunks)
    assert fields.matches(Pointers(("-03-27",))).tolist() == [True, True, False]
    assert fields.matches(Pointers(("2024-03",))).tolist() == [True, False, False]
    assert fields.matches(Pointers((), (66,))).tolist() == [False, False, True]
    fourteenth = Pointers((), (14,))
    assert points_at(fourteenth, chunks[0]) and not points_at(fourteenth, chunks[1])


def test_a_meeting_number_finds_its_minutes(tokenizer: TextTokenizer) -> None:
    chunks = [
        replace(
            make_chunk("本次会议主题：分享 codex。", f"pfcc/{n}.md", date=f"2026-0{n}-09"),
            heading=f"PFCC {title}会议纪要",
        )
        for n, title in [(1, "六十五次"), (2, "六十六次"), (3, "六十七次")]
    ]
    store = InMemoryStore()
    store.add(chunks, NgramEmbedder().embed_batch([c.text for c in chunks]))
    r = HybridRetriever(store=store, embedder=NgramEmbedder(),
                        bm25=BM25Index.build(chunks, tokenizer, generation=1),
                        tokenizer=tokenizer, glossary=Glossary([]), lexicon=Lexicon())  # fmt: skip
    assert r.search("第66次会议上谁分享了 codex？", k=3)[0].chunk.source == "pfcc/2.md"
    assert r.search("2月9日的会议分享了什么？", k=3)[0].chunk.source == "pfcc/2.md"


def test_status_questions_are_recognised() -> None:
    assert is_status_question("项目目前进度怎么样？")
    assert is_status_question("What is the SPI now?")
    assert not is_status_question("谁负责割接？")


def test_stateful_and_stateless_ask_for_no_status() -> None:
    assert not is_status_question("哪个提案让有状态副本集创建的持久卷声明可以被自动删除？")
    assert not is_status_question("无状态服务怎么扩容？")
    assert not is_status_question("How do stateful sets keep their volumes?")
    # a status word beside them still counts
    assert is_status_question("有状态副本集的迁移目前进度怎么样？")
    assert is_status_question("What is the status of the stateless gateway?")


def test_a_stateful_question_is_not_ranked_newest_first(tokenizer: TextTokenizer) -> None:
    old = make_chunk("提案：有状态副本集删除后自动删除持久卷声明。", "k8s/old.md",
                     date="2023-01-05")  # fmt: skip
    new = make_chunk("有状态副本集 持久卷 例行同步，无结论。", "k8s/new.md",
                     date="2024-06-01")  # fmt: skip
    store = InMemoryStore()
    store.add([old, new], NgramEmbedder().embed_batch([old.text, new.text]))
    r = HybridRetriever(store=store, embedder=NgramEmbedder(),
                        bm25=BM25Index.build([old, new], tokenizer, generation=1),
                        tokenizer=tokenizer, glossary=Glossary([]), lexicon=Lexicon())  # fmt: skip
    hits = r.search("哪个提案让有状态副本集自动删除持久卷声明？", k=2)
    assert hits[0].chunk.source == "k8s/old.md"


# -- re-ranking ----------------------------------------------------------------------------------


def test_rerank_prefers_the_passage_covering_every_concept() -> None:
    one_word = make_chunk("quota quota quota quota", "one.md")
    every = make_chunk("cluster upgrade quota", "every.md")
    hits = [SearchHit(one_word, 1.0), SearchHit(every, 0.8)]
    weights = {"cluster": 1.0, "upgrade": 1.0, "quota": 1.0}

    def tokens_of(chunk: Chunk) -> set[str]:
        return set(chunk.text.split())

    assert [h.chunk.source for h in rerank(hits, weights, {}, tokens_of, blend=0.8)] == [
        "every.md", "one.md",
    ]  # fmt: skip
    assert [h.chunk.source for h in rerank(hits, weights, {}, tokens_of, blend=0.0)] == [
        "one.md", "every.md",
    ]  # fmt: skip
    # a translation stands in for the word the user typed
    assert coverage({"集群"}, {"cluster": 1.0}, {"cluster": (("集群",),)}) == 1.0


def test_the_meeting_that_decided_an_item_ranks_above_those_that_listed_it(
    tokenizer: TextTokenizer,
) -> None:
    listed = [
        make_chunk("议题：LLVM 多版本方案评审，本次未讨论。", f"tc/{d}.md", date=f"2024-{d}")
        for d in ("10-09", "10-23", "11-20")
    ]
    decided = make_chunk("议题：LLVM 多版本方案评审。结论：同意继续推进。",
                         "tc/12-04.md", date="2024-12-04")  # fmt: skip
    chunks = [*listed, decided]
    store = InMemoryStore()
    store.add(chunks, NgramEmbedder().embed_batch([c.text for c in chunks]))
    r = HybridRetriever(store=store, embedder=NgramEmbedder(),
                        bm25=BM25Index.build(chunks, tokenizer, generation=1),
                        tokenizer=tokenizer, glossary=Glossary([]), lexicon=Lexicon())  # fmt: skip
    assert r.search("LLVM 多版本方案评审", k=4)[0].chunk.source == "tc/12-04.md"


def test_decision_flags_are_read_once_per_chunk_and_rank_as_before(
    tokenizer: TextTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.retrieval import rerank as rerank_module

    chunks = [
        make_chunk(text, f"tc/{n}.md", date=f"2024-0{n + 1}-01", index=n)
        for n, text in enumerate([
            "议题：LLVM 多版本方案评审，本次未讨论。",
            "议题：LLVM 多版本方案评审。结论：同意继续推进。",
            "The TSC agreed to ship LLVM 18 in the LTS.", "LLVM 18 was listed for the LTS.",
            "决定：LTS 不含 LLVM 18。", "LLVM packaging notes, still open.",
        ])
    ]  # fmt: skip
    store = InMemoryStore()
    store.add(chunks, NgramEmbedder().embed_batch([c.text for c in chunks]))
    r = HybridRetriever(store=store, embedder=NgramEmbedder(),
                        bm25=BM25Index.build(chunks, tokenizer, generation=1),
                        tokenizer=tokenizer, glossary=Glossary([]), lexicon=Lexicon())  # fmt: skip
    queries = ["LLVM 多版本方案评审", "LLVM 18 LTS", "was LLVM 18 agreed for the LTS?", "LLVM"]
    uncached = HybridRetriever(store=store, embedder=NgramEmbedder(), bm25=r.bm25,
                               tokenizer=tokenizer, glossary=Glossary([]),
                               lexicon=Lexicon())  # fmt: skip
    monkeypatch.setattr(uncached, "_decision_flags", lambda: records_decision)
    calls: list[str] = []

    def counted(chunk: object) -> bool:
        calls.append(chunk.id)  # type: ignore[attr-defined]
        return records_decision(chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(rerank_module, "records_decision", counted)
    for _ in range(2):
        for q in queries:
            assert [(h.chunk.id, h.score) for h in r.search(q, k=6)] == [
                (h.chunk.id, h.score) for h in uncached.search(q, k=6)
            ]
    assert calls and len(calls) == len(set(calls))  # each chunk's flag computed once
    flags = DecisionFlags()
    assert [flags(c) for c in chunks] == [i in (1, 2, 4) for i in range(6)]


def test_the_glossary_bridges_governance_words_both_ways() -> None:
    from assistant.glossary import load_default_glossary

    glossary = load_default_glossary()
    found = dict(glossary.translations("兴趣小组的例会讨论了接口和长期支持版本"))
    assert "SIG" in found["兴趣小组"] and "API" in found["接口"]
    assert "周会" in found["例会"] and "LTS" in found["长期支持版本"]
    back = dict(glossary.translations("the SIG asked for an LTS release"))
    assert "兴趣小组" in back["sig"] and "长期支持版本" in back["lts"]
