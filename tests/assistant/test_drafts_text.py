"""Extraction helpers: owners, due dates, status words, similarity, tables across chunks."""

from __future__ import annotations

import pytest

from assistant.drafts.extract import weekly_items
from assistant.drafts.merge import close_done_actions, merge_items
from assistant.drafts.text import find_due, find_owner, probability_impact, similarity, status_of
from ingest.model import Chunk


@pytest.mark.parametrize(
    ("text", "doc_date", "due"),
    [
        ("3月20日前提交", "2026-03-02", "2026-03-20"),
        ("截止 2026-03-20", None, "2026-03-20"),
        ("2026年4月1日完成", None, "2026-04-01"),
        ("draft it by Mar 20", "2026-03-02", "2026-03-20"),
        ("due 5 April", "2026-03-02", "2026-04-05"),
        ("周五前完成", "2026-03-02", "2026-03-06"),  # Monday -> that Friday
        ("周五前完成", "2026-03-06", "2026-03-13"),  # said on Friday -> next Friday
        ("下周三前", "2026-03-02", "2026-03-11"),
        ("by next Friday", "2026-03-02", "2026-03-13"),
        ("10月底前完成评估", "2022-10-12", "2022-10-31"),
        ("1月10日前", "2026-12-20", "2027-01-10"),  # early next year, not last January
        ("周五前完成", None, None),  # nothing to resolve against
        ("没有日期", "2026-03-02", None),
    ],
)
def test_due_dates_are_resolved_against_the_document_date(
    text: str, doc_date: str | None, due: str | None
) -> None:
    assert find_due(text, doc_date) == due


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("负责人：张三，周五前完成", "张三"),
        ("@alice to update the doc", "alice"),
        ("Owner: Bob - update the schedule", "Bob"),
        ("评估影响并形成规范   ---谢秀奇/田俊", "谢秀奇"),
        ("由李明远负责影响分析", "李明远"),
        ("锁定进场时间（A-13）", None),
        ("no owner here", None),
    ],
)
def test_owners_in_both_languages(text: str, owner: str | None) -> None:
    assert find_owner(text) == owner


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("已完成", "done"),
        ("closed", "done"),
        ("完成 80%", "open"),
        ("部分完成：只能提供 2016 版", "open"),
        ("未完成", "open"),
        ("not done yet", "open"),
        ("进行中", "open"),
        ("讨论了接口方案", None),
    ],
)
def test_status_words(text: str, status: str | None) -> None:
    assert status_of(text) == status


def test_probability_and_impact_words() -> None:
    assert probability_impact("概率高，影响中") == ("high", "medium")
    assert probability_impact("Risk (probability: low, impact: high)") == ("low", "high")
    assert probability_impact("高风险：供应商延期") == ("high", "high")


def test_similarity_ignores_status_words_and_punctuation() -> None:
    assert similarity("完成API对接文档", "API 对接文档：已完成") >= 0.6
    assert similarity("Update the runbook.", "update the runbook — done") >= 0.6
    assert similarity("整理接口清单", "编制性能测试方案") < 0.6


def chunk(text: str, index: int, date: str = "2026-03-02", source: str = "a.md") -> Chunk:
    return Chunk(f"{source}-{index}", text, source, "p", "meeting_notes", None, date, "", index,
                 "h")  # fmt: skip


def test_a_table_split_across_chunks_keeps_its_header() -> None:
    first = chunk("## 待办\n\n| 事项 | 负责人 | 截止日期 |\n| --- | --- | --- |\n"
                  "| 整理接口清单 | 王五 | 2026-03-06 |", 0)  # fmt: skip
    second = chunk("| 编制测试方案 | 李四 | 2026-03-13 |", 1)
    items = weekly_items([first, second])
    assert [(i.text, i.owner, i.due) for i in items] == [
        ("整理接口清单", "王五", "2026-03-06"),
        ("编制测试方案", "李四", "2026-03-13"),
    ]


def test_chunk_overlap_is_not_read_twice() -> None:
    first = chunk("## 决议\n\n决议：采用 RocketMQ。\n决议：代码冻结顺延。", 0)
    second = chunk("决议：代码冻结顺延。\n决议：增加两名测试人员。", 1)
    decisions = [i.text for i in weekly_items([first, second])]
    assert decisions == [
        "决议：采用 RocketMQ。",
        "决议：代码冻结顺延。",
        "决议：增加两名测试人员。",
    ]


def test_an_action_named_done_by_id_in_a_later_progress_line_is_closed() -> None:
    week1 = chunk("## 待办\n\n| 编号 | 事项 | 负责人 |\n| --- | --- | --- |\n"
                  "| A-07 | 测算迁移耗时 | 刘洋 |", 0)  # fmt: skip
    week2 = chunk("## 本周进展\n\n割接测算结果已出（A-07 完成）。", 0, "2026-03-09", "b.md")
    items = close_done_actions(merge_items(weekly_items([week1, week2])))
    (action,) = [i for i in items if i.section == "actions"]
    assert action.status == "done" and {c.source for c in action.citations} == {"a.md", "b.md"}
    assert not [i for i in items if i.section == "progress"]


def test_requirements_from_a_pdf_without_heading_styles() -> None:
    from assistant.drafts.requirements import number_requirements, requirement_items

    text = (
        "Software Requirements Specification\n"
        "3. Functional requirements\n"
        "- FR-01 Consent: opt-in flags are kept; a privacy request\n"
        "(access or deletion) is completed within 30 days.\n"
        "4. Data migration requirements\n"
        "- DM-01 Every customer with a purchase in the last five years is migrated.\n"
        "5. Non-functional requirements\n"
        "- NFR-01 Performance: lookups return within 2 seconds at the 95th\n"
        "percentile.\n"
        "7. Milestones\n"
        "Go-live on Saturday night 2026-04-11\n"
    )
    pdf = Chunk("c", text, "srs.pdf", "p", "requirements", 1, "2026-01-16", "", 0, "h")
    items = number_requirements(list(requirement_items([pdf])))
    found = [(i.section, i.id, i.text) for i in items]
    assert found[:3] == [
        ("functional", "FR-1",
         "Consent: opt-in flags are kept; a privacy request (access or deletion) is completed "
         "within 30 days."),
        ("functional", "FR-2", "DM-01 Every customer with a purchase in the last five years is "
         "migrated."),
        ("non_functional", "NFR-1",
         "Performance: lookups return within 2 seconds at the 95th percentile."),
    ]  # fmt: skip
    (milestone,) = [i for i in items if i.section == "milestones"]
    assert milestone.due == "2026-04-11" and items[0].citations[0].page == 1


def test_a_requirements_table_is_read_through_its_header() -> None:
    from assistant.drafts.requirements import requirement_items

    # DOCX tables come out of ingestion as "| a | b |" rows with no |---| line.
    text = (
        "2. 干系人\n| 姓名 | 角色 |\n| 冯建华 | 工厂总经理 |\n"
        "3. 需求 Requirements\n| 编号 ID | 需求 Requirement | 优先级 | 验收标准 Acceptance |\n"
        "| REQ-FI-03 | 月结在 3 个工作日内完成 | Must | UAT 模拟月结 ≤ 3 个工作日 |\n"
    )
    docx = Chunk("c", text, "srs.docx", "p", "requirements", None, "2026-02-27", "", 0, "h")
    found = [(i.section, i.text) for i in requirement_items([docx])]
    assert found == [
        ("stakeholders", "冯建华 — 工厂总经理"),
        ("acceptance", "月结在 3 个工作日内完成: UAT 模拟月结 ≤ 3 个工作日"),
        ("functional", "月结在 3 个工作日内完成"),
    ]
