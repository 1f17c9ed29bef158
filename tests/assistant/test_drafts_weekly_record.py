"""The 周报 on the sample project, read from the project record: statuses copied, own ids kept,
next week's plan and milestones filled, overall status with reasons (issue #15 point 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from assistant.drafts import Draft, render_markdown, weekly_report, write_draft
from assistant.factory import Index, open_index
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    settings = Settings(workspace=tmp_path_factory.mktemp("weekly") / "ws")
    assert not ingest_into_workspace(settings, [SAMPLES]).failed
    opened = open_index(settings)
    yield opened  # type: ignore[misc]
    opened.close()


@pytest.fixture(scope="module")
def draft(index: Index) -> Draft:
    return weekly_report("smart-gov-cloud", store=index.store, since="2026-04-04",
                         until="2026-04-10", lang="zh")  # fmt: skip


def by_id(draft: Draft, section: str) -> dict[str, object]:
    return {i.id: i for i in draft.section(section) if i.id}


def test_statuses_are_copied_and_ids_kept(draft: Draft) -> None:
    actions = by_id(draft, "actions")
    for own in ("A-14", "A-15", "A-16"):
        assert actions[own].status == "未开始"  # type: ignore[attr-defined]
    assert actions["A-11"].status == "完成"  # type: ignore[attr-defined]
    assert {"R-05", "R-06", "R-07"} <= set(by_id(draft, "risks"))


def test_each_own_id_is_listed_once_per_section(draft: Draft) -> None:
    """A risk table row the line reading finds is the record's item of that id, not a second
    row beside it (R-05 and R-06 were listed twice)."""
    for section in ("actions", "risks"):
        ids = [i.id for i in draft.section(section) if i.id]
        assert ids and len(ids) == len(set(ids)), (section, ids)


def test_citations_quote_table_rows_in_words(draft: Draft) -> None:
    quotes = [c.text for item in draft.items for c in item.citations]
    assert any(q.startswith("M1：") for q in quotes)  # the milestone table's row, in words
    assert not [q for q in quotes if "|" in q]


def test_next_week_plan_lists_actions_due_and_upcoming_milestones(draft: Draft) -> None:
    plan = {i.id for i in draft.section("plan")}
    assert {"A-14", "A-15", "A-16"} <= plan  # due 04-14..04-16, after the period
    markdown = render_markdown(draft)
    plan_part = markdown.split("## 下周计划")[1].split("## ")[0]
    assert "（无）" not in plan_part and "确认割接当晚业务验证清单" in plan_part


def test_milestones_plan_vs_forecast_with_slip(draft: Draft) -> None:
    m2 = by_id(draft, "milestones")["M2"]
    assert (m2.planned, m2.forecast, m2.slip_days) == ("2026-03-20", "2026-03-31", 11)  # type: ignore[attr-defined]
    assert "| M2 | 开发完成（代码冻结） | 2026-03-20 | 2026-03-31 |" in render_markdown(draft)


def test_overall_status_with_reasons_in_the_report_language(draft: Draft) -> None:
    assert draft.overview is not None and draft.overview.health in ("amber", "red")
    assert any("SPI 0.86" in r for r in draft.overview.reasons)
    assert any("里程碑 M2 延期 11 天" in r for r in draft.overview.reasons)
    markdown = render_markdown(draft)
    assert "## 总体状态" in markdown and "76% / 88%" in markdown


def test_english_report_mirrors_the_sections(index: Index) -> None:
    english = weekly_report("smart-gov-cloud", store=index.store, since="2026-04-04",
                            until="2026-04-10", lang="en")  # fmt: skip
    markdown = render_markdown(english)
    for heading in ("## Basic information", "## Overall status", "## Done this week",
                    "## Milestones", "## Plan for next week", "## Coordination and support"):
        assert heading in markdown, heading
    assert "| A-14 | 确认割接当晚业务验证清单 | 周敏 | 2026-04-15 | 未开始 |" in markdown


def test_docx_columns_fit_dates_and_names(draft: Draft, tmp_path: Path) -> None:
    document = Document(str(write_draft(draft, tmp_path / "w.docx")))
    actions = next(t for t in document.tables if t.rows[0].cells[0].text == "编号"
                   and t.rows[0].cells[3].text == "截止日期")  # fmt: skip
    due_width = actions.columns[3].width
    assert due_width is not None and due_width.cm >= 2.4  # "2026-04-15" on one line
    assert [c.text for c in actions.rows[0].cells][:5] == ["编号", "内容", "负责人", "截止日期",
                                                           "状态"]  # fmt: skip
    statuses = {row.cells[0].text: row.cells[4].text for row in actions.rows[1:]}
    assert statuses["A-14"] == "未开始"


def test_risk_register_keeps_the_projects_ids_and_borrows_nothing_unrelated(index: Index) -> None:
    from assistant.drafts import risk_register

    draft = risk_register("smart-gov-cloud", store=index.store, lang="zh")
    ids = [i.id for i in draft.section("risks")]
    assert {"R-01", "R-02", "R-03", "R-04", "R-05", "R-06", "R-07"} <= set(ids)
    # Risks the minutes did not number continue after the project's highest number.
    unnumbered = [i for i in ids if i and i.startswith("R-") and len(i) == 3]
    assert unnumbered and unnumbered[0] == "R-8"
    assert {i.id: i.status for i in draft.section("risks")}["R-03"] == "关闭"  # "R-03 关闭"
    # Offline, the retail project's post-mortem shares no wording with these risks.
    assert not [i for i in draft.section("risks") if i.origin == "lesson"]
    assert draft.section("issues") and not any(i.origin for i in draft.section("issues"))


def test_an_action_listed_as_id_owner_date_text_appears_once(tmp_path: Path) -> None:
    """A line read on its own ("A-01 张伟 2025-03-20 … 状态：进行中") and the record's item A-01
    are one action in the 周报, with the status the minutes write."""
    notes = tmp_path / "docs" / "alpha" / "meeting_notes"
    notes.mkdir(parents=True)
    (notes / "2025-03-10-weekly.md").write_text(
        "# 周例会会议纪要\n\n日期：2025-03-10\n\n## 行动项\n\n"
        # an image whose title runs over two lines (a form seen in poisoned minutes)
        '- A-01 张伟 2025-03-20 完成压测报告 ![x](http://127.0.0.1:9/a.png "a\n  b") 状态：进行中\n'
        "- A-02 李娜 2025-03-25 更新部署手册 状态：未开始\n",
        encoding="utf-8",
    )
    settings = Settings(workspace=tmp_path / "ws")
    assert not ingest_into_workspace(settings, [tmp_path / "docs"]).failed
    opened = open_index(settings)
    try:
        found = weekly_report("alpha", store=opened.store, since="2025-03-04", until="2025-03-10")
    finally:
        opened.close()
    actions = found.section("actions")
    assert len(actions) == 2, [a.text for a in actions]
    assert {a.id: a.status for a in actions} == {"A-01": "进行中", "A-02": "未开始"}
