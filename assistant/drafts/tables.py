"""Markdown tables in minutes ("| 事项 | 负责人 | 截止日期 |", "| Risk | Probability | ... |"):
their header names the columns, and each data row becomes an action or a risk."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.drafts.items import response_of, risk_item
from assistant.drafts.lines import Line, clean
from assistant.drafts.models import DraftItem
from assistant.drafts.text import find_due, find_owner, probability_impact, risk_level, status_of
from assistant.drafts.vocabulary import TABLE_COLUMNS


@dataclass
class TableState:
    """The header of the markdown table being read in one source."""

    columns: dict[str, int] = field(default_factory=dict)
    kind: str = ""  # "actions" | "risks" | "" (a table we do not read)
    last_row: list[str] = field(default_factory=list)


def table_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_header(cells: list[str]) -> TableState | None:
    if any(len(cell) > 24 for cell in cells):
        return None
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        for name, pattern in TABLE_COLUMNS.items():
            if name not in columns and pattern.search(cell):
                columns[name] = index
                break
    if "text" not in columns:
        return None
    is_risk = "probability" in columns or "impact" in columns or "风险" in cells[columns["text"]]
    if is_risk or re.search(r"risk", cells[columns["text"]], re.IGNORECASE):
        return TableState(columns, "risks")
    if "owner" in columns or "due" in columns:
        return TableState(columns, "actions")
    return None


def _header_like(cells: list[str]) -> bool:
    # Column titles are short and carry no numbers or status words; data rows do.
    return all(len(c) <= 12 and not re.search(r"\d", c) and not status_of(c) for c in cells)


def table_line(line: Line, tables: dict[str, TableState]) -> DraftItem | None:
    """The header is a table's first row (DOCX tables have no |---| row), or the row just
    before the separator; data rows are read through that header."""
    cells = table_cells(line.text)
    source = line.chunk.source
    header = read_header(cells)
    if source not in tables or (header is not None and _header_like(cells)):
        # First row of a new table, or a new table right after another under a new heading.
        tables[source] = header or TableState(last_row=cells)
        return None
    state = tables[source]
    if all(set(c) <= set("-: ") for c in cells):
        if not state.kind:
            tables[source] = read_header(state.last_row) or state
        return None
    state.last_row = cells
    return table_item(line, state) if state.kind else None


def table_item(line: Line, state: TableState) -> DraftItem | None:
    cells = table_cells(line.text)

    def cell(name: str) -> str:
        index = state.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    text = clean(cell("text"))
    if not text or set(text) <= set("-: "):
        return None
    citation = line.citation()
    if state.kind == "risks":
        item = risk_item(f"{text} {cell('probability')} {cell('impact')}", line)
        p, i = probability_impact(f"概率{cell('probability')} 影响{cell('impact')}")
        item.text = text
        item.probability, item.impact = p or item.probability, i or item.impact
        item.level = risk_level(item.probability, item.impact)
        item.response = response_of(cell("response")) or item.response
        item.owner = cell("owner") or item.owner
        item.id = cell("id") or None
        return item
    status_text = cell("status")
    return DraftItem(
        section="actions",
        text=text,
        id=cell("id") or None,
        owner=cell("owner") or find_owner(text),
        due=find_due(cell("due"), line.chunk.date) or find_due(text, line.chunk.date),
        status="done" if status_of(status_text or text) == "done" else "open",
        date=line.chunk.date,
        citations=[citation],
    )
