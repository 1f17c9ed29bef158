"""Labels in the portfolio overview end at a word or clause, never mid-word."""

from __future__ import annotations

from assistant.record.portfolio import LABEL_CHARS, shorten


def test_short_text_is_kept_whole() -> None:
    assert shorten("R1 Duplicate customer records") == "R1 Duplicate customer records"


def test_english_is_cut_at_a_word_and_marked() -> None:
    text = "Duplicate customer records (7.4% in the pilot store) block the data migration"
    label = shorten(text)
    assert label.endswith("…") and len(label) <= LABEL_CHARS
    assert text.startswith(label[:-1])
    assert text[len(label) - 1] in " (", "cut inside a word"


def test_chinese_is_cut_at_a_clause() -> None:
    text = "旧审批系统接口文档缺失，可能导致接口联调和数据迁移延误；需甲方在 4 月 20 日前提供"
    label = shorten(text, 30)
    assert label == "旧审批系统接口文档缺失，可能导致接口联调和数据迁移延误…"


def test_text_without_breaks_is_cut_at_the_limit() -> None:
    assert shorten("x" * 100, 10) == "x" * 9 + "…"
