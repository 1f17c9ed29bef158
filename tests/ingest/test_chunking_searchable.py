"""What finds a chunk: its document's title, date and meeting number beside its text (#14)."""

from __future__ import annotations

import pytest

from ingest.chunking import searchable_text


def test_title_date_and_meeting_number_are_searchable_in_the_forms_people_type() -> None:
    text = searchable_text(
        "新人介绍……", "Paddle Framework Contributor Club 六十六次会议纪要 > 会议议程", "2026-04-09"
    )
    lines = text.splitlines()
    assert lines[0] == "Paddle Framework Contributor Club 六十六次会议纪要 > 会议议程"
    assert lines[1] == "2026-04-09 2026年4月9日 4月9日 April 9 2026"
    assert lines[2] == "第66次 六十六次"
    assert lines[-1] == "新人介绍……"  # the text itself is unchanged and last


@pytest.mark.parametrize(
    ("heading", "forms"),
    [
        ("第 24 次周例会会议纪要", "第24次 二十四次"),
        ("第十四次会议纪要", "第14次 十四次"),
        ("一百零二次会议", "第102次 一百零二次"),
    ],
)
def test_meeting_numbers_in_both_numerals(heading: str, forms: str) -> None:
    assert forms in searchable_text("x", heading, None).splitlines()


def test_a_title_is_added_once_and_nothing_is_invented() -> None:
    added_once = searchable_text("t", "Minutes > Actions", None, title="Minutes")
    assert added_once == "Minutes > Actions\nt"
    assert searchable_text("t", "", "not a date", title="notes") == "notes\nt"
