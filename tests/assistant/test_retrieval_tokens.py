"""The BM25 rebuild re-tokenises only chunks that changed, and equals a full rebuild."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assistant.retrieval import BM25Index, open_bm25_index
from assistant.retrieval.index import saved_tokens
from assistant.tokenize import TextTokenizer
from ingest.model import Chunk
from tests.assistant.conftest import CORPUS, NgramEmbedder, make_chunk


class CountingTokenizer(TextTokenizer):
    """The real tokenizer, remembering which texts it was asked to tokenise."""

    def __init__(self, real: TextTokenizer):
        super().__init__(cache_dir=real._cache_dir, user_words=real._user_words)
        self._jieba = real._segmenter()  # share the loaded dictionary: same splits, fast
        self.seen: list[str] = []

    def tokens(self, text: str) -> list[str]:
        self.seen.append(text)
        return super().tokens(text)


QUERIES = ["割接演练 回滚", "message queue load test", "monthly invoices PDF", "终验 会议纪要"]


def assert_same_index(a: BM25Index, b: BM25Index, tokenizer: TextTokenizer) -> None:
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
    assert set(a.model.vocab_dict) == set(b.model.vocab_dict)
    for query in QUERIES:
        tokens = tokenizer.tokens(query)
        assert a.scores(tokens).tolist() == pytest.approx(b.scores(tokens).tolist())
        assert all(a.idf(t) == pytest.approx(b.idf(t)) for t in tokens)


def test_a_changed_file_re_tokenises_only_its_chunks(
    tmp_path: Path, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    counting = CountingTokenizer(tokenizer)
    open_bm25_index(folder, 1, lambda: CORPUS, counting)
    assert len(counting.seen) == len(CORPUS)  # the first build tokenises everything

    # one file edited (new hash, so new ids and text), one file added, one removed
    edited = make_chunk("复盘：割接演练改到周六，回滚脚本已验证。", CORPUS[3].source, index=7)
    added = make_chunk("新增的终验会议纪要：终验通过。", "gamma/notes/终验.md", project="gamma")
    changed = [*CORPUS[:2], *CORPUS[4:], edited, added]
    counting.seen.clear()
    incremental = open_bm25_index(folder, 2, lambda: changed, counting)
    assert sorted(counting.seen) == sorted(f"{c.heading}\n{c.text}" for c in (edited, added))

    full = BM25Index.build(changed, tokenizer, generation=2)
    assert_same_index(incremental, full, tokenizer)
    assert incremental.model is not None
    reloaded = BM25Index.load(folder, tokenizer.fingerprint)
    assert reloaded is not None
    assert_same_index(reloaded, full, tokenizer)


def test_an_id_whose_text_changed_is_tokenised_again(
    tmp_path: Path, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    open_bm25_index(folder, 1, lambda: CORPUS, tokenizer)
    same_id = dataclasses.replace(CORPUS[0], text="完全不同的内容：预算超支。")
    counting = CountingTokenizer(tokenizer)
    changed: list[Chunk] = [same_id, *CORPUS[1:]]
    rebuilt = open_bm25_index(folder, 2, lambda: changed, counting)
    assert counting.seen == [f"{same_id.heading}\n{same_id.text}"]
    assert_same_index(rebuilt, BM25Index.build(changed, tokenizer, generation=2), tokenizer)


def test_another_tokenizer_does_not_reuse_the_tokens(
    tmp_path: Path, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    open_bm25_index(folder, 1, lambda: CORPUS, tokenizer)
    other = CountingTokenizer(tokenizer)
    other.add_words(["订单系统"])  # a new user word changes the fingerprint
    assert other.fingerprint != tokenizer.fingerprint
    assert saved_tokens(folder, other.fingerprint) is None
    open_bm25_index(folder, 2, lambda: CORPUS, other)
    assert len(other.seen) == len(CORPUS)


def test_tokens_survive_a_save_that_only_adds_vectors(
    tmp_path: Path, tokenizer: TextTokenizer
) -> None:
    folder = tmp_path / "bm25"
    open_bm25_index(folder, 1, lambda: CORPUS, tokenizer)
    embedder = NgramEmbedder()
    open_bm25_index(
        folder, 1, list, tokenizer,
        vectors=lambda chunks: (embedder.id, embedder.embed_batch([c.text for c in chunks])),
    )  # fmt: skip
    table = saved_tokens(folder, tokenizer.fingerprint)
    assert table is not None and table.keys == [c.id for c in CORPUS]
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pickle"))


def test_jieba_cache_is_per_user_and_falls_back_to_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.tokenize import user_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    fallback = tmp_path / "ws" / "cache"
    assert user_cache_dir(fallback) == tmp_path / "user-cache" / "pmassist"
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert user_cache_dir(fallback) == fallback


def test_remembered_runs_give_the_same_tokens_and_a_new_word_is_heeded(
    tokenizer: TextTokenizer,
) -> None:
    """Runs are remembered per tokenizer: the tokens are what segmenting them anew gives, and
    a word taught afterwards changes how a remembered run splits."""
    fresh = TextTokenizer(cache_dir=tokenizer._cache_dir, user_words=tokenizer._user_words)
    fresh._jieba = None
    text = "割接演练定在周六，回滚方案由张伟负责; the rollback plans were reviewed twice."
    expected = [
        w for run in ("割接演练定在周六", "回滚方案由张伟负责") for w in fresh.chinese_words(run)
        if w not in ("在", "由")
    ] + ["rollback", "plan", "review", "twic"]  # fmt: skip (stemmed)
    assert fresh.tokens(text) == expected
    assert fresh.tokens(text) == expected  # the second time from the remembered runs
    assert "演练定" not in fresh.tokens(text)
    fresh.add_words(["演练定"])
    assert "演练定" in fresh.tokens(text)
