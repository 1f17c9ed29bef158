"""Document type, date and project rules in both languages."""

from __future__ import annotations

import pytest

from ingest.metadata import date_of, doc_type_of, find_date, project_of


@pytest.mark.parametrize(
    ("source", "front", "text", "expected"),
    [
        ("p/需求/登录.md", {}, "", "requirements"),
        ("p/docs/SRS-v2.pdf", {}, "", "requirements"),
        ("p/specs/api.md", {}, "", "requirements"),
        ("p/会议纪要/0305.docx", {}, "", "meeting_notes"),
        ("p/tsc-minutes-2024-01-03.md", {}, "", "meeting_notes"),
        ("p/复盘/支付故障.md", {}, "", "postmortem"),
        ("p/post-mortem-db.md", {}, "", "postmortem"),
        ("p/retrospective.md", {}, "", "postmortem"),
        ("p/inspect.md", {}, "", "other"),  # "spec" inside a word is not a keyword
        ("p/x.md", {"doc_type": "postmortem"}, "会议纪要", "postmortem"),
        ("p/x.md", {"type": "会议纪要"}, "", "meeting_notes"),
        ("p/x.txt", {}, "XX系统需求规格说明书\n1 引言", "requirements"),
        ("p/x.txt", {}, "# Incident report: API outage", "postmortem"),
        ("p/x.txt", {}, "hello world", "other"),
        ("p/meeting/复盘会.md", {}, "", "postmortem"),  # the file name beats the folder
    ],
)
def test_doc_type(source: str, front: dict[str, str], text: str, expected: str) -> None:
    assert doc_type_of(source, front, text) == expected


@pytest.mark.parametrize(
    ("source", "front", "text", "expected"),
    [
        ("a/x.md", {"date": "2024-03-05"}, "2023-01-01", "2024-03-05"),
        ("a/2024-03-05-weekly.md", {}, "", "2024-03-05"),
        ("a/weekly_20240305.md", {}, "", "2024-03-05"),
        ("a/2024年3月5日周例会.docx", {}, "", "2024-03-05"),
        ("a/x.md", {}, "# 周例会\n时间：2024年3月5日 14:00", "2024-03-05"),
        ("a/x.md", {}, "# TSC meeting\nDate: March 5, 2024", "2024-03-05"),
        ("a/x.md", {}, "Held on 5 March 2024.", "2024-03-05"),
        ("a/x.md", {}, "version 20241399 has no date", None),
        ("a/x.md", {}, "nothing here", None),
    ],
)
def test_date(source: str, front: dict[str, str], text: str, expected: str | None) -> None:
    assert date_of(source, front, text) == expected


def test_find_date_takes_the_first_in_text_order() -> None:
    assert find_date("Minutes 2024/1/10, follow-up due 2024-02-01") == "2024-01-10"


def test_project_rules() -> None:
    assert project_of("智慧政务/需求/a.md", {"project": "x"}, None) == "智慧政务"
    assert project_of("a.md", {"project": "前置项目"}, None) == "前置项目"
    assert project_of("a.md", {}, None) == "default"
    assert project_of("智慧政务/a.md", {}, "override") == "override"
