"""Chunking follows headings, paragraphs and sentence ends; chunk text stays faithful."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import heading_level, split_document
from ingest.loaders import Page


def test_heading_styles() -> None:
    assert heading_level("## 2 功能需求") == (2, "2 功能需求")
    assert heading_level("第一章 总则") == (1, "第一章 总则")
    assert heading_level("第二节 范围") == (2, "第二节 范围")
    assert heading_level("一、会议决定") == (2, "一、会议决定")
    assert heading_level("（二）遗留问题") == (3, "（二）遗留问题")
    assert heading_level("1.2 性能需求") == (2, "1.2 性能需求")
    assert heading_level("3.1.4 Login") == (3, "3.1.4 Login")
    assert heading_level("3 Functional Requirements") == (1, "3 Functional Requirements")
    # Not headings: list items, sentences, numbers in prose
    assert heading_level("1. 完成接口联调") is None
    assert heading_level("一、本周完成了联调，下周上线。") is None
    assert heading_level("2024 was a busy year for the team.") is None
    assert heading_level("11.1 上OE安全委员会例会评审，更新CA证书包") is None


def test_chunks_carry_heading_path_and_page() -> None:
    first = (
        "# 需求规格说明书\n\n## 1 引言\n\n本文档描述系统需求。\n\n## 2 功能需求\n\n### 2.1 登录\n\n"
    )
    pages = [
        Page(1, first + "系统应支持统一身份认证。" * 30),
        Page(2, "### 2.2 报表\n\n系统应每周生成项目周报。" + "报表导出为Excel格式。" * 20),
    ]
    chunks = split_document(pages, chunk_size=200, chunk_overlap=30)
    login = [c for c in chunks if "统一身份认证" in c.text]
    report = [c for c in chunks if "周报" in c.text]
    assert login and all(c.heading.endswith("2 功能需求 > 2.1 登录") for c in login)
    assert report[0].heading == "需求规格说明书 > 2 功能需求 > 2.2 报表"
    assert report[0].page == 2 and login[0].page == 1
    assert all(len(c.text) <= 200 for c in chunks)


def test_long_paragraph_splits_at_sentence_ends_with_overlap() -> None:
    sentences = [f"第{i}条需求已经确认并进入开发阶段。" for i in range(40)]
    chunks = split_document([Page(None, "".join(sentences))], chunk_size=120, chunk_overlap=40)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.endswith("。")  # never cut inside a sentence
        assert chunk.text.startswith("第")
    # consecutive chunks share their boundary sentence
    assert chunks[1].text.split("。")[0] in chunks[0].text


def test_english_sentences_and_tables_stay_intact() -> None:
    table = "| Item | Owner | Due |\n| Queue alerts | Alice | 2024-03-10 |"
    text = "## Actions\n\n" + table + "\n\n" + "We agreed to add alerts. It ships Friday. " * 10
    chunks = split_document([Page(None, text)], chunk_size=150, chunk_overlap=0)
    assert any(table in c.text for c in chunks)
    assert all(c.heading == "Actions" for c in chunks)


def test_code_fences_hide_hash_lines() -> None:
    text = "# Setup\n\n```bash\n# install the tool\npip install x\n```\n\nDone."
    chunks = split_document([Page(None, text)], chunk_size=500, chunk_overlap=0)
    assert [c.heading for c in chunks] == ["Setup"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("项目经理需求ab c.。！\n#1、")), max_size=300),
        min_size=1,
        max_size=3,
    ),
    st.integers(min_value=100, max_value=400),
)
def test_every_word_survives_chunking(pages: list[str], size: int) -> None:
    chunks = split_document([Page(i + 1, t) for i, t in enumerate(pages)],
                            chunk_size=size, chunk_overlap=size // 5)  # fmt: skip
    assert all(len(c.text) <= size for c in chunks)
    joined = "".join(c.text for c in chunks)
    for page in pages:
        for token in re.findall(r"[^\s#]+", page):
            for piece in re.split(r"[.。！]", token):
                assert piece in joined
