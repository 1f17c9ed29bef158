"""Register tables in documents: a header row names the columns ("| 编号 | 事项 | 负责人 |
截止日期 | 状态 |", "| Milestone | Planned | Forecast |") and each data row is one mention,
its status cell copied as written."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.drafts.lines import Line, clean
from assistant.drafts.tables import table_cells
from assistant.drafts.text import find_due, find_owner, probability_impact
from assistant.drafts.vocabulary import TABLE_COLUMNS, words
from assistant.record.models import Mention
from assistant.record.people import NOT_OWNER
from assistant.record.words import LEADING_ID, id_kind

# Specific columns first: "计划日期" is a planned date, not a due date.
COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("planned", words("计划(日期|时间|完成)", r"^计划$", r"planned", r"baseline")),
    ("forecast", words("预计", "预测", r"forecast", r"expected")),
    ("actual", words("实际", r"actual")),
    ("milestone", words("里程碑", r"milestone")),
    ("id", TABLE_COLUMNS["id"]),
    ("owner", TABLE_COLUMNS["owner"]),
    ("status", TABLE_COLUMNS["status"]),
    ("probability", TABLE_COLUMNS["probability"]),
    ("response", TABLE_COLUMNS["response"]),
    ("impact", TABLE_COLUMNS["impact"]),
    ("due", TABLE_COLUMNS["due"]),
    ("text", words("事项", "任务", "行动", "内容", "描述", "风险", "问题", "决议", "变更",
                   r"action", r"task", r"item", r"description", r"risk", r"issue", r"decision",
                   r"change", r"^(名称|name)$")),
)  # fmt: skip

MAX_HEADER_CELL = 24


@dataclass
class Table:
    """The table being read in one document: its kind and where each column is."""

    kind: str = ""  # a register kind, or "" for a table we do not read
    columns: dict[str, int] = field(default_factory=dict)
    heading: str = ""


def read_header(cells: list[str]) -> Table:
    if any(len(cell) > MAX_HEADER_CELL for cell in cells):
        return Table()
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = next((n for n, p in COLUMNS if n not in columns and p.search(cell)), None)
        if name is not None:
            columns[name] = index
    if "milestone" in columns:
        columns.setdefault("text", columns.pop("milestone"))
        return Table("milestone", columns)
    if "text" not in columns:
        return Table()
    return Table(_kind(cells[columns["text"]], columns), columns)


def _kind(title: str, columns: dict[str, int]) -> str:
    if "probability" in columns or re.search("风险|risk", title, re.IGNORECASE):
        return "risk"
    for kind, pattern in (("issue", "问题|issue"), ("change", "变更|change"),
                          ("decision", "决议|决定|decision")):  # fmt: skip
        if re.search(pattern, title, re.IGNORECASE):
            return kind
    return "action" if "owner" in columns or "due" in columns or "status" in columns else ""


def is_separator(cells: list[str]) -> bool:
    return all(set(c) <= set("-: ") for c in cells)


def table_row(line: Line, tables: dict[str, Table]) -> Mention | None:
    """Read one table line; the first row of a table (or a row under a new heading) is its
    header, and every later row is a mention when the header names a register."""
    cells = table_cells(line.text)
    current = tables.get(line.chunk.source)
    if current is None or current.heading != line.heading:
        header = read_header(cells)
        header.heading = line.heading
        tables[line.chunk.source] = header
        return None
    if is_separator(cells) or not current.kind:
        return None
    return row_mention(line, cells, current)


def row_mention(line: Line, cells: list[str], table: Table) -> Mention | None:
    def cell(name: str) -> str:
        index = table.columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    text = clean(cell("text"))
    if not text or is_separator([text]):
        return None
    own = cell("id") or None
    leading = LEADING_ID.match(text) if own is None else None
    if leading is not None:  # "| M1 业务蓝图签署 | 2026-02-27 |": the id is in the text cell
        own, text = leading.group(1), text[leading.end():].strip() or text
    kind = table.kind
    if own and kind == "action" and id_kind(own) in ("risk", "issue", "change", "milestone"):
        kind = id_kind(own) or kind  # a mixed table: the id says what the row is
    date = line.chunk.date
    status = cell("status") or None
    probability, impact = probability_impact(f"概率{cell('probability')} 影响{cell('impact')}")
    mention = Mention(
        kind=kind,
        text=text,
        own_id=own,
        owner=table_owner(cell("owner"), text, kind),
        due=find_due(cell("due"), date) if cell("due") else None,
        status=status,
        probability=cell("probability") or probability,
        impact=cell("impact") or impact,
        response=cell("response") or None,
        date=date,
        citation=line.citation(),
    )
    if kind == "milestone":
        _milestone_dates(mention, cell, date)
    return mention


def table_owner(written: str, text: str, kind: str) -> str | None:
    """The owner cell as written; a place or a placeholder ("北京", "待定") is nobody."""
    owner = written or (find_owner(text) if kind != "milestone" else None)
    return None if owner is None or NOT_OWNER.match(owner.strip()) else owner


def _milestone_dates(mention: Mention, cell: Callable[[str], str], date: str | None) -> None:
    planned = cell("planned") or cell("due")
    mention.planned = find_due(planned, date) if planned else None
    mention.forecast = find_due(cell("forecast"), date) if cell("forecast") else None
    mention.actual = find_due(cell("actual"), date) if cell("actual") else None
    mention.due = None
