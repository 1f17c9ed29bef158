"""Rendering: Markdown neutralises what documents or models slip in; DOCX has real headings,
real tables and an East-Asian font; files are written atomically and never over an earlier
draft."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from assistant.drafts import Citation, Draft, DraftItem, render_markdown, write_draft
from assistant.drafts.output import atomic_write, dated_name, write_dated
from assistant.drafts.render_markdown import neutralise
from assistant.errors import AssistantError


def cite(text: str = "原文") -> list[Citation]:
    return [Citation(source="alpha/纪要.md", page=2, text=text)]


def weekly(lang: str = "zh") -> Draft:
    items = [
        DraftItem(section="progress", text="统一认证模块开发完成 60%", citations=cite()),
        DraftItem(section="decisions", text="消息队列选用 RocketMQ", citations=cite()),
        DraftItem(section="actions", text="整理接口清单", id="A-01", owner="王五",
                  due="2026-03-06", status="In progress",
                  citations=cite("| A-01 | 整理接口清单 |")),
        DraftItem(section="risks", text="接口文档缺失", probability="high", impact="high",
                  level="high", status="open", citations=cite()),
    ]  # fmt: skip
    return Draft.model_validate(
        dict(kind="weekly-report", project="alpha", title="阿尔法项目", lang=lang,
             mode="extractive", since="2026-03-01", until="2026-03-15", items=items)
    )  # fmt: skip


def test_markdown_has_sections_tables_and_numbered_sources() -> None:
    markdown = render_markdown(weekly())
    assert markdown.startswith("# 阿尔法项目 周报")
    for heading in ("## 基本信息", "## 总体状态", "## 本周完成", "## 里程碑", "## 决议",
                    "## 行动项", "## 下周计划", "## 风险", "## 问题", "## 需协调/需支持事项",
                    "## 引用来源"):  # fmt: skip
        assert heading in markdown
    # The status is the document's words, in a Chinese report too ("In progress" stays).
    assert "| A-01 | 整理接口清单 | 王五 | 2026-03-06 | In progress | [2] |" in markdown
    assert '`alpha/纪要.md` 第2页: "原文"' in markdown
    assert "| 高 | 高 | 高 |" in markdown


def test_markdown_in_english() -> None:
    markdown = render_markdown(weekly("en"))
    assert "## Action items" in markdown and "| In progress |" in markdown and "p. 2" in markdown


@pytest.mark.parametrize(
    ("raw", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("![x](http://evil.example/p.png)", "!["),
        ("[click](javascript:alert(1))", "javascript:"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("see [it](data:text/html;base64,xx)", "data:"),  # plain "data:" text is inert
        ("# Not a heading", "- # Not"),
    ],
)
def test_markdown_neutralises_untrusted_text(raw: str, absent: str) -> None:
    draft = weekly()
    draft.items[1].text = raw
    draft.items[1].citations = cite(raw)
    markdown = render_markdown(draft)
    assert absent not in markdown


def test_safe_links_and_table_pipes_survive() -> None:
    assert (
        neutralise("[PR](https://github.com/x/y/pull/1)") == "[PR](https://github.com/x/y/pull/1)"
    )
    draft = weekly()
    draft.items[2].text = "a | b"
    assert "a \\| b" in render_markdown(draft)


def test_docx_has_headings_tables_and_east_asian_font(tmp_path: Path) -> None:
    path = write_draft(weekly(), tmp_path / "weekly.docx")
    document = Document(str(path))
    headings = [(p.style.name, p.text) for p in document.paragraphs
                if p.style.name.startswith("Heading")]  # fmt: skip
    assert headings[0] == ("Heading 1", "阿尔法项目 周报")
    assert ("Heading 2", "行动项") in headings and ("Heading 2", "风险") in headings
    actions, risks = document.tables
    assert [c.text for c in actions.rows[0].cells] == ["编号", "内容", "负责人", "截止日期", "状态",
                                                       "引用"]  # fmt: skip
    assert [c.text for c in actions.rows[1].cells] == ["A-01", "整理接口清单", "王五", "2026-03-06",
                                                       "In progress", "[2]"]  # fmt: skip
    assert risks.rows[1].cells[1].text == "接口文档缺失"
    for name in ("Normal", "Heading 1", "Heading 2"):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == "Microsoft YaHei"
    body = "\n".join(p.text for p in document.paragraphs)
    assert "统一认证模块开发完成 60%" in body and "[1] alpha/纪要.md 第2页" in body


def test_docx_keeps_model_text_as_plain_text(tmp_path: Path) -> None:
    draft = weekly()
    draft.items[1].text = "**bold** <b>x</b> ![i](http://e/p.png)"
    document = Document(str(write_draft(draft, tmp_path / "w.docx")))
    assert any("**bold** <b>x</b> ![i](http://e/p.png)" in p.text for p in document.paragraphs)


def test_risk_register_docx_is_one_full_table(tmp_path: Path) -> None:
    item = DraftItem(section="risks", text="接口文档缺失", id="R-1", category="technical",
                     probability="high", impact="high", level="high", response="mitigate",
                     owner="王磊", status="open", origin="project", citations=cite())  # fmt: skip
    draft = Draft(kind="risk-list", project="alpha", title="阿尔法", lang="zh",
                  mode="extractive", items=[item])  # fmt: skip
    document = Document(str(write_draft(draft, tmp_path / "r.docx")))
    page = document.sections[0]
    assert page.page_width > page.page_height  # landscape for eleven columns
    (table,) = document.tables
    assert table.columns[1].width > 3 * table.columns[2].width  # the description is wide
    assert [c.text for c in table.rows[1].cells] == [
        "R-1", "接口文档缺失", "技术", "高", "高", "高", "减轻", "王磊", "open", "本项目文档",
        "[1]",
    ]  # fmt: skip


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "weekly.md"
    write_draft(weekly(), target)
    before = target.read_text(encoding="utf-8")

    def crash(handle: object) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, crash)
    assert target.read_text(encoding="utf-8") == before
    assert [p.name for p in target.parent.iterdir()] == ["weekly.md"]


def test_unknown_output_suffix_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(AssistantError, match=r"\.md or \.docx"):
        write_draft(weekly(), tmp_path / "weekly.pdf")


def test_a_draft_never_replaces_an_earlier_file(tmp_path: Path) -> None:
    target = tmp_path / "weekly.md"
    target.write_text("last week's report, edited by hand", encoding="utf-8")
    (tmp_path / "weekly_2.md").mkdir()  # a folder holding a name is skipped too
    written = write_draft(weekly(), target)
    assert written == tmp_path / "weekly_3.md"
    assert target.read_text(encoding="utf-8") == "last week's report, edited by hand"
    assert written.read_text(encoding="utf-8").startswith("# 阿尔法项目 周报")
    assert write_draft(weekly(), target) == tmp_path / "weekly_4.md"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_drafts_in_a_folder_get_dated_names_in_their_language(tmp_path: Path) -> None:
    assert dated_name(weekly(), "docx") == "周报_alpha_2026-03-15.docx"  # the period's end
    assert dated_name(weekly("en"), "md") == "Weekly-report_alpha_2026-03-15.md"
    undated = weekly().model_copy(update={"until": None, "project": "smart gov/cloud"})
    assert dated_name(undated, "md", today=dt.date(2026, 4, 10)) == (
        "周报_smart-gov_cloud_2026-04-10.md"  # no folder can be smuggled in by the name
    )
    first = write_dated(weekly(), tmp_path, "docx")
    second = write_dated(weekly(), tmp_path, "docx")
    assert first.name == "周报_alpha_2026-03-15.docx"
    assert second.name == "周报_alpha_2026-03-15_2.docx"
    assert Document(str(first)).paragraphs and Document(str(second)).paragraphs


def test_writers_racing_for_one_name_each_get_their_own_file(tmp_path: Path) -> None:
    written: list[Path] = []

    def draft() -> None:
        written.append(write_draft(weekly(), tmp_path / "weekly.md"))

    threads = [threading.Thread(target=draft) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(written)) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


# A kind whose module brings its own template and labels (this test module plays the module).
SECTIONS = ("highlights", "asks")
SECTION_LABELS = {"zh": {"highlights": "亮点"}, "en": {"highlights": "Highlights"}}
TEMPLATES = {
    "zh": '{% import "_macros.md.j2" as m with context %}# {{ title | md }}：{{ '
    'label["title"][draft.kind] }}\n\n{{ m.bullets("highlights") }}{{ m.bullets("asks") }}',
}


def test_a_kind_module_may_bring_its_template_and_labels() -> None:
    from assistant.draft_kinds import register_draft_kind, unregister_draft_kind

    register_draft_kind("exec-brief", __name__, zh="高层简报", en="Executive brief")
    try:
        items = [DraftItem(section="highlights", text="<b>上线</b>完成", citations=cite())]
        draft = Draft.begin("exec-brief", "alpha", lang="zh", since=None, until=None,
                            title="阿尔法")  # fmt: skip
        draft.items = items
        zh = render_markdown(draft)
        assert zh.startswith("# 阿尔法：高层简报\n")  # the module's template, the registry's name
        assert "## 亮点" in zh and "## asks" in zh  # a section without a label: its own name
        assert "<b>" not in zh  # the module's template gets the same neutralising filters
        en = render_markdown(draft.model_copy(update={"lang": "en"}))
        assert en.startswith("# 阿尔法 Executive brief\n")  # no en template: the generic one
        assert "## Highlights" in en
    finally:
        unregister_draft_kind("exec-brief")
    with pytest.raises(ValueError, match="exec-brief"):
        Draft.begin("exec-brief", "alpha", lang="zh", since=None, until=None)
