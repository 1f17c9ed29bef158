"""Offline extraction: the weekly-report items (decisions, actions, risks, issues, progress,
plan) that minutes and reports state, in Chinese and English.

Documents are read line by line (`lines`; long paragraphs sentence by sentence). A line is
classified by an explicit label ("决议：", "Action:"), then by the heading or lead-in it sits
under ("## 风险", "遗留问题："), then by keywords (`vocabulary`). Markdown tables with
recognisable headers ("| 事项 | 负责人 | 截止日期 |") become actions or risks column by column
(`tables`), even when a chunk boundary separates a row from its header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.drafts.items import make_item
from assistant.drafts.lines import clean, document_lines
from assistant.drafts.models import DraftItem
from assistant.drafts.tables import TableState, table_line
from assistant.drafts.text import find_due, has_owner_marker
from assistant.drafts.vocabulary import (
    ACTION_PHRASE,
    ACTION_ZH,
    DEADLINE,
    HEADINGS,
    KEYWORDS,
    LABELS,
    NEXT_MEETING,
    SKIP_LINE,
    first_match,
    heading_section,
)
from ingest.model import Chunk

SECTION_TITLE_CHARS = 24


def weekly_items(chunks: Iterable[Chunk]) -> list[DraftItem]:
    """Every weekly-report item the minutes and reports state, in document order."""
    items: list[DraftItem] = []
    tables: dict[str, TableState] = {}
    for line in document_lines(chunks):
        if line.text.startswith("|"):
            item = table_line(line, tables)
            if item is not None:
                items.append(item)
            continue
        tables.pop(line.chunk.source, None)
        text = clean(line.text)
        if len(text) < 4 or SKIP_LINE.search(text) or _is_link_only(text):
            continue
        section = classify(text, line.heading)
        if section is not None:
            items.append(make_item(section, text, line))
    return items


def classify(text: str, heading: str) -> str | None:
    """The weekly-report section a line belongs to, or None for chatter."""
    labelled = first_match(text, LABELS)
    if labelled is not None:
        return labelled
    by_heading = heading_section(heading, HEADINGS, max_title=SECTION_TITLE_CHARS)
    keyword = first_match(text, KEYWORDS)
    # A stated risk is more specific than the progress/issues part of the minutes it is in.
    if by_heading in (None, "progress", "issues", "plan") and keyword == "risks":
        return "risks"
    if by_heading is not None:
        return by_heading
    if is_action(text):
        return "actions"
    return keyword


def is_action(text: str) -> bool:
    if ACTION_PHRASE.search(text) or ACTION_ZH.search(text) or has_owner_marker(text):
        return True
    return bool(DEADLINE.search(text)) and (find_due(text, "2000-01-01") is not None
                                            or NEXT_MEETING.search(text) is not None)  # fmt: skip


def _is_link_only(text: str) -> bool:
    return bool(re.fullmatch(r"[\[\]()<>#\d\s]*(https?://\S+)?[\[\]()<>\s]*", text))
