"""`mentions` from the BM25 index gives the full scan's answers (#14), on the bilingual sample
documents, for words present, absent, split differently by jieba, versions and edge cases."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.glossary import Glossary
from assistant.retrieval import BM25Index, HybridRetriever
from assistant.retrieval import mentions as mentions_module
from assistant.retrieval.index import open_bm25_index
from assistant.retrieval.mentions import (
    CASEFOLDS_TO_ASCII,
    Mentions,
    cut_forms,
    mentioned_by_scan,
)
from assistant.retrieval.translate import Lexicon
from assistant.tokenize import CJK_RUN, TextTokenizer, stem
from ingest.model import Chunk
from ingest.store import InMemoryStore
from tests.assistant.conftest import NgramEmbedder, make_chunk

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

# hand-written cases the random ones may miss
EDGE_CHUNKS = [
    ("The ſtory of the Straße migration: KUBERNETES ﬁle sync, v1.40 released.", "edge/1.md"),
    ("故事点估算：每个用户故事 3 个故事点；客户满意度 92%。", "edge/2.md"),
    ("we planned the rollout, then the rollouts were planned again (twice)", "edge/3.md"),
]
EDGE_WORDS = [
    "故事点", "故事", "点估", "事点估算", "客户满意", "满意度 92", "用户故事 3 个", "的", "了是",
    "story", "straße", "strasse", "file sync", "kubernetes", "KUBERNETES file", "v1.40",
    "1.40", "1.4", "1.41", "the rollout, then", " then the ", "planned again", "plan",
    "rollouts were", " were ", "(twice)", "story point", "customer satisfaction score",
    "验收 标准", "", " ", "员工人数", "Q3", "SPI 0.86",
]  # fmt: skip


def sample_chunks() -> list[Chunk]:
    chunks = []
    for path in sorted(SAMPLES.rglob("*.md")):
        text = path.read_text("utf-8")
        source = str(path.relative_to(SAMPLES))
        for n, start in enumerate(range(0, len(text), 300)):
            chunk = make_chunk(text[start : start + 320], source, index=n)
            chunks.append(replace(chunk, heading=path.stem))
    chunks += [make_chunk(text, source) for text, source in EDGE_CHUNKS]
    return chunks


def probe_words(chunks: list[Chunk], count: int = 400) -> list[str]:
    """Windows of the documents (present), the same with one character changed (mostly
    absent), whole words between spaces, and the hand-written cases."""
    rng = random.Random(14)
    texts = [c.text for c in chunks]
    chinese = [ch for t in texts for ch in t if CJK_RUN.fullmatch(ch)]
    words: list[str] = list(EDGE_WORDS)
    for _ in range(count):
        text = rng.choice(texts)
        size = rng.randint(2, 9)
        start = rng.randrange(max(1, len(text) - size))
        window = text[start : start + size]
        words.append(window)
        at = rng.randrange(len(window))
        words.append(window[:at] + rng.choice(chinese) + window[at + 1 :])
        words.append(window.upper())
    english = [w for t in texts for w in t.split(" ") if w.isascii() and w.isalpha()]
    for _ in range(count // 4):
        a, b, c = rng.choice(english), rng.choice(english), rng.choice(english)
        words += [f"{a} {b}", f"{a} {b} {c}", f"x{a} {b}", f" {a} "]
    return words


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Chunk], list[BM25Index]]:
    tokenizer = TextTokenizer(cache_dir=tmp_path_factory.getbasetemp() / "jieba-mentions")
    chunks = sample_chunks()
    built = BM25Index.build(chunks, tokenizer, generation=1)
    folder = tmp_path_factory.mktemp("bm25")
    built.save(folder)
    loaded = open_bm25_index(folder, 1, lambda: [], tokenizer)  # the stored rows, mapped
    assert len(loaded) == len(chunks)
    return chunks, [built, loaded]


def test_the_index_answers_as_the_scan_does(indexed: tuple[list[Chunk], list[BM25Index]]) -> None:
    chunks, indexes = indexed
    words = probe_words(chunks)
    expected = [mentioned_by_scan(chunks, w) for w in words]
    # the probe is not one-sided: real words are found, changed ones mostly not
    assert 0.2 < sum(expected) / len(expected) < 0.8
    for index in indexes:
        check = Mentions(index.chunks, index.model)
        got = [check(w) for w in words]
        wrong = [(w, e) for w, e, g in zip(words, expected, got, strict=True) if e != g]
        assert not wrong
        assert [check(w) for w in words] == expected  # remembered answers, same


def test_chinese_words_are_answered_without_reading_every_chunk(
    indexed: tuple[list[Chunk], list[BM25Index]], monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks, indexes = indexed

    def no_scan(*_: object) -> bool:
        raise AssertionError("scanned every chunk")

    monkeypatch.setattr(mentions_module, "mentioned_by_scan", no_scan)
    check = Mentions(indexes[1].chunks, indexes[1].model)
    read: list[int] = []
    row_mentions = check._row_mentions

    def counted(row: int, wanted: str) -> bool:
        read.append(row)
        return row_mentions(row, wanted)

    monkeypatch.setattr(check, "_row_mentions", counted)
    assert check("故事点") and check("员工人数") is False and check("客户满意度")
    assert check("customer satisfaction score") is False
    assert len(read) < len(chunks) // 4  # only the chunks that can hold the words
    assert check("cutover runbook") and check("CUTOVER RUNBOOK") and not check("cutover runbooks")
    assert len(read) < len(chunks) // 4


def test_the_retriever_mentions_through_the_index(
    indexed: tuple[list[Chunk], list[BM25Index]], tokenizer: TextTokenizer
) -> None:
    _, indexes = indexed
    store = InMemoryStore()
    r = HybridRetriever(store=store, embedder=NgramEmbedder(), bm25=indexes[1],
                        tokenizer=tokenizer, glossary=Glossary([]), lexicon=Lexicon())  # fmt: skip
    assert r.mentions("故事点") and r.mentions("V1.40") and not r.mentions("故事点数")
    # a new snapshot gets its own check
    r.bm25 = BM25Index.build([make_chunk("故事点数", "new.md")], tokenizer, generation=2)
    assert r.mentions("故事点数") and not r.mentions("客户满意度")


def test_the_characters_that_casefold_into_ascii_are_all_listed() -> None:
    derived = "".join(
        c for c in map(chr, range(0x80, 0x110000))
        if c.casefold() != c and any(ch.isascii() and ch.isalnum() for ch in c.casefold())
    )  # fmt: skip
    assert derived == CASEFOLDS_TO_ASCII
    # and nothing casefolds into a Chinese character or a separator the index relies on
    assert not [
        c for c in map(chr, range(0x110000))
        if c.casefold() != c
        and any(CJK_RUN.fullmatch(ch) or ch in " ,;:/()" for ch in c.casefold())
    ]  # fmt: skip


def test_a_stemmed_word_starts_with_what_was_typed_or_is_one_of_its_cut_forms() -> None:
    """What the index relies on for an English word typed after a space: whatever the
    document word goes on with, its token starts with the typed word or is a cut form."""
    rng = random.Random(7)
    typed = ["plan", "point", "runbook", "fly", "class", "showcas", "go", "quota", "agree",
             "releas", "stor", "pl", "a1"]  # fmt: skip
    endings = ["", "s", "es", "ies", "ed", "ing", "ly", "edly", "ned", "ning", "e", "ed", "sses"]
    endings += ["".join(rng.choice("abdeilnsy") for _ in range(rng.randint(1, 5)))
                for _ in range(400)]  # fmt: skip
    for word in typed:
        forms = set(cut_forms(word))
        for end in endings:
            token = stem(word + end)
            assert token.startswith(word) or token in forms, (word, end, token)
