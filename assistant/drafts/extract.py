"""Offline extraction: decisions, actions, risks, issues, progress and requirements from text.

Documents are read line by line (long paragraphs sentence by sentence). A line is classified by
an explicit label ("决议：", "Action:"), then by the heading it sits under ("## 风险"), then by
keywords. Markdown tables with recognisable headers ("| 事项 | 负责人 | 截止日期 |") become
actions or risks column by column, even when a chunk boundary separates a row from its header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import cast

from assistant.drafts.models import Citation, DraftItem, Response
from assistant.drafts.text import (
    find_due,
    find_owner,
    has_owner_marker,
    probability_impact,
    risk_level,
    status_of,
)
from ingest.chunking import heading_level
from ingest.model import Chunk

SNIPPET_CHARS = 240


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a document, with the heading it sits under and the chunk it came from."""

    text: str
    heading: str
    chunk: Chunk

    def citation(self) -> Citation:
        return Citation(
            source=self.chunk.source, page=self.chunk.page, text=self.text[:SNIPPET_CHARS]
        )


Table = tuple[tuple[str, re.Pattern[str]], ...]


def _words(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words), re.IGNORECASE)


# Explicit labels at the start of a line win over everything else.
LABELS: Table = (
    (
        "actions",
        _words(r"^(行动项|待办|跟进|遗留问题\d*|action( item)?s?|ai|todo|follow[- ]?up)\s*[:：]"),
    ),
    ("decisions", _words(r"^(决议|决定|结论|decision|agreed|resolved|resolution)\s*[:：]")),
    ("risks", _words(r"^(风险|隐患|risks?|concerns?)\s*[:：]")),
    ("issues", _words(r"^(问题|阻塞|issues?|blockers?|blocked)\s*[:：]")),
    ("progress", _words(r"^(进展|进度|本周进展|完成情况|progress|status|done)\s*[:：]")),
    ("plan", _words(r"^(下周计划|计划|下一步|next week|plan|next steps?)\s*[:：]")),
)
HEADINGS: Table = (
    ("actions", _words("行动", "待办", "跟进事项", "遗留问题", r"action", "todo", "follow-up")),
    ("decisions", _words("决议", "决定", "结论", r"decision", r"resolution")),
    ("risks", _words("风险", "隐患", r"\brisk")),
    ("issues", _words("问题", "阻塞", r"\bissue", r"blocker")),
    ("plan", _words("下周", "下一步", "计划", r"next week", r"\bplan", r"next step")),
    ("progress", _words("进展", "进度", "完成情况", "本周工作", r"progress", r"status update")),
)
KEYWORDS: Table = (
    (
        "decisions",
        _words(
            "决议",
            "决定",
            "确定",
            "同意",
            "结论",
            r"(审议|评审|表决|一致|投票)通过|通过(了)?(评审|审议|决议)|^通过",
            r"\bdecided\b",
            r"\bdecision\b",
            r"\bagreed\b",
            r"\bresolved\b",
            r"\bconsensus\b",
            r"\bapproved\b",
            r"\bno objections?\b",
            r"\bconfirmed\b",
        ),
    ),
    (
        "risks",
        _words(
            "风险",
            "隐患",
            "担忧",
            "担心",
            "挑战",
            "可能导致",
            "疏漏",
            "影响较大",
            "不好解决",
            "难以",
            "不确保",
            "无法保证",
            "不能保证",
            "会失败",
            "可能无法",
            "延期",
            "延误",
            "滞后",
            r"\brisks?\b",
            r"\bconcerns?\b",
            r"\bchalleng",
            r"\bworr(y|ied)\b",
            r"\bthreat",
            r"\blikely\b",
            r"\bdelay(ed|s)?\b",
            r"\bdangerous\b",
            r"\bmay (fail|slip|not)\b",
        ),
    ),
    (
        "issues",
        _words(
            "阻塞",
            "卡住",
            "故障",
            "缺陷",
            r"(?<!遗留)问题",
            r"\bblock(er|ed|ing)\b",
            r"\bissue:",
            r"\bbug\b",
            r"\bregression\b",
            r"\bproblem\b",
        ),
    ),
    (
        "plan",
        _words(
            "下周",
            "下次",
            "下一次",
            "下一步",
            "计划",
            r"next week",
            r"\bplan(ned)? to\b",
            r"next step",
        ),
    ),
    (
        "progress",
        _words(
            "完成",
            r"进度\s*\d+\s*%",
            r"\d+\s*%",
            "上线",
            "已发布",
            "已合入",
            r"\bcompleted?\b",
            r"\bprogress\b",
            r"\blanded\b",
            r"\breleased\b",
            r"\bmerged\b",
            r"\bshipped\b",
        ),
    ),
)
# "Michael will take it off the agenda" / "@bob to update the doc" / "... Richard is planning
# to do one" / "张三负责..."
_NOT_OWNERS = (
    "We|It|This|That|They|There|He|She|You|I|Which|What|Who|Node|Corepack|Next|Someone|"
    "Nobody|Everyone|People|Team|Discussion"
)
ACTION_PHRASE = re.compile(
    r"(?:^|[.;:!?，,]\s*|\s)(?!(?:" + _NOT_OWNERS + r")\b)"
    r"(@?[A-Z][a-z][\w\-]*|@[\w\-]+)[,，]?\s+"
    r"(?:will|is going to|is planning to|plans to|volunteered to|agreed to)\b"
    r"|^(@?[A-Z][\w\-]+|@[\w\-]+)\s+to\s+[a-z]"
    r"|^([\u4e00-\u9fff]{2,3})(?:负责|牵头|跟进)",
)
ACTION_ZH = re.compile(r"^请|由[\u4e00-\u9fff]{2,3}(?:来)?(?:负责|牵头|跟进|督促|组织|推动|落实)")
DEADLINE = re.compile(r"前|之前|截止|截至|\bby\b|\bbefore\b|\bdue\b|\bdeadline\b", re.IGNORECASE)
NEXT_MEETING = re.compile(r"下次(会议|例会)前|before the next meeting", re.IGNORECASE)
SKIP_LINE = re.compile(
    r"^(会议(时间|日期|地点|链接|主持)|下次会议|next meeting|参会人|与会人|出席|缺席|记录人|主持人|"
    r"轮值主持|下次轮值|"
    r"recording|github issue|present|attendees|date|time|location|links?)\s*[:：]?",
    re.IGNORECASE,
)
BULLET = re.compile(r"^\s*(?:[-*+•·]|\d+[.、)）]|[（(]\d+[)）]|[一二三四五六七八九十]+[、.])\s*")
SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+(?=[A-Z])")
LONG_LINE = 160


def document_lines(chunks: Iterable[Chunk]) -> Iterator[Line]:
    """Lines of each chunk, skipping the overlap a chunk repeats from its predecessor.

    Each line carries its heading path ("Title > Section"), followed through the headings
    inside the chunk text with the same rules ingestion used to find them.
    """
    previous: dict[str, str] = {}
    stacks: dict[str, list[tuple[int, str]]] = {}
    for chunk in chunks:
        # A chunk continuing a document starts under the heading the previous one ended in;
        # its own `heading` is only the heading that contributes most of its text.
        own = [(level, t.strip()) for level, t in enumerate(chunk.heading.split(">"), 1)]
        start = [] if chunk.chunk_index == 0 else [p for p in own if p[1]]
        stack = stacks.setdefault(chunk.source, start)
        seen_before = previous.get(chunk.source, "")
        lead_in = ""  # "遗留问题：" on a line of its own labels the lines that follow it
        for raw in _joined_lines(chunk.text):
            stripped = raw.strip()
            if not stripped:
                lead_in = ""
            if not stripped or (seen_before and stripped in seen_before):
                continue
            found = None if stripped.startswith("|") else heading_level(stripped)
            if found is not None:
                while stack and stack[-1][0] >= found[0]:
                    stack.pop()
                stack.append((found[0], clean(found[1])))
                lead_in = ""
                continue
            if LEAD_IN.match(clean(stripped)):
                lead_in = clean(stripped).rstrip("：: ")
                continue
            path = " > ".join([title for _, title in stack] + ([lead_in] if lead_in else []))
            for piece in _pieces(stripped):
                yield Line(text=piece, heading=path, chunk=chunk)
        previous[chunk.source] = chunk.text


LEAD_IN = re.compile(r"^[^:：|]{1,30}[:：]$")
CONTINUATION = re.compile(r"^\s+(?![-*+•·|#]|\d+[.、)）])\S")


def _joined_lines(text: str) -> list[str]:
    """Lines, with an indented wrapped continuation joined to the bullet it continues."""
    lines: list[str] = []
    for raw in text.splitlines():
        if lines and lines[-1].strip() and CONTINUATION.match(raw):
            previous = lines[-1].rstrip()
            glue = "" if _is_cjk(previous[-1:]) else " "
            lines[-1] = previous + glue + raw.strip()
        else:
            lines.append(raw)
    return lines


def _is_cjk(char: str) -> bool:
    return bool(char) and "\u3000" <= char <= "\u9fff"


def _pieces(line: str) -> list[str]:
    if len(line) <= LONG_LINE or line.startswith("|"):
        return [line]
    return [p.strip() for p in SENTENCE_END.split(line) if p and p.strip()]


def clean(text: str) -> str:
    """A line without its bullet, emphasis or label."""
    text = BULLET.sub("", text)
    text = re.sub(r"\*\*|__|`", "", text)
    return text.strip()


def first_match(text: str, table: Table) -> str | None:
    for name, pattern in table:
        if pattern.search(text):
            return name
    return None


def heading_section(heading: str, table: Table) -> str | None:
    """The section the deepest matching heading of a path names ("需求 > 3. 功能需求")."""
    for title in reversed(heading.split(" > ")):
        found = first_match(title, table)
        if found is not None:
            return found
    return None


def classify(text: str, heading: str) -> str | None:
    """The weekly-report section a line belongs to, or None for chatter."""
    labelled = first_match(text, LABELS)
    if labelled is not None:
        return labelled
    by_heading = heading_section(heading, HEADINGS)
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


def action_owner(text: str) -> str | None:
    named = find_owner(text)
    if named:
        return named
    phrase = ACTION_PHRASE.search(text)
    if phrase is None:
        return None
    return next(g for g in phrase.groups() if g).lstrip("@")


@dataclass
class TableState:
    """The header of the markdown table being read in one source."""

    columns: dict[str, int] = field(default_factory=dict)
    kind: str = ""  # "actions" | "risks" | "" (a table we do not read)
    last_row: list[str] = field(default_factory=list)


TABLE_COLUMNS: dict[str, re.Pattern[str]] = {
    "id": _words(r"^(编号|序号|id|#|no\.?)$"),
    "text": _words(
        "事项",
        "任务",
        "行动",
        "内容",
        "描述",
        "风险",
        r"action",
        r"task",
        r"item",
        r"description",
        r"risk",
    ),
    "owner": _words("负责人", "责任人", "负责", r"owner", r"assignee", r"who"),
    "due": _words(
        "截止", "期限", "完成时间", "日期", "时间", r"due", r"deadline", r"date", r"when"
    ),
    "status": _words("状态", "进展", r"status", r"state"),
    "probability": _words("概率", "可能性", r"probability", r"likelihood"),
    "impact": _words("影响", r"impact", r"severity"),
    "response": _words("应对", "措施", "策略", r"response", r"mitigation", r"strategy"),
}


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


def weekly_items(chunks: Iterable[Chunk]) -> list[DraftItem]:
    """Every weekly-report item the minutes and reports state, in document order."""
    items: list[DraftItem] = []
    tables: dict[str, TableState] = {}
    for line in document_lines(chunks):
        if line.text.startswith("|"):
            item = _table_line(line, tables)
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


def _table_line(line: Line, tables: dict[str, TableState]) -> DraftItem | None:
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


def _header_like(cells: list[str]) -> bool:
    # Column titles are short and carry no numbers or status words; data rows do.
    return all(len(c) <= 12 and not re.search(r"\d", c) and not status_of(c) for c in cells)


def _is_link_only(text: str) -> bool:
    return bool(re.fullmatch(r"[\[\]()<>#\d\s]*(https?://\S+)?[\[\]()<>\s]*", text))


def make_item(section: str, text: str, line: Line) -> DraftItem:
    if section == "risks":
        item = risk_item(text, line)
        item.section = "risks"
        return item
    date = line.chunk.date
    item = DraftItem(section=section, text=text, date=date, citations=[line.citation()])
    if section in ("actions", "decisions", "plan", "issues"):
        item.owner = action_owner(text)
        item.due = find_due(text, date) if section != "decisions" else None
    if section == "actions":
        item.status = "done" if status_of(text) == "done" else "open"
    return item


RESPONSES: Table = (
    ("avoid", _words("规避", "避免", r"\bavoid")),
    (
        "transfer",
        _words(r"(?<!知识)转移", "外包", "保险", r"\btransfer", r"\boutsourc", r"\binsur"),
    ),
    ("accept", _words("接受", r"\baccept")),
    ("mitigate", _words("缓解", "减轻", "降低", "应对", "措施", r"\bmitigat", r"\breduce")),
)
CATEGORIES: Table = (
    (
        "schedule",
        _words(
            "进度",
            "工期",
            "延期",
            "延误",
            "滞后",
            r"\bdelay",
            r"schedule",
            r"deadline",
            r"\blate\b",
        ),
    ),
    ("cost", _words("成本", "预算", "费用", "超支", r"\bcost", r"budget", r"overrun")),
    ("resource", _words("人员", "人力", "离职", "资源", r"\bstaff", r"resourc", r"turnover")),
    ("requirements", _words("需求", "范围", "变更", r"requirement", r"\bscope", r"change request")),
    (
        "vendor",
        _words("供应商", "第三方", "厂商", "外包", r"vendor", r"supplier", r"third[- ]party"),
    ),
    ("security", _words("安全", "漏洞", "合规", r"securit", r"vulnerab", r"complian", r"\bcve")),
    (
        "technical",
        _words(
            "技术",
            "性能",
            "接口",
            "集成",
            "兼容",
            "架构",
            r"technical",
            r"performance",
            r"integration",
            r"compatib",
            r"architect",
        ),
    ),
    ("quality", _words("质量", "测试", "缺陷", r"quality", r"\btest", r"defect", r"\bbug")),
)


def response_of(text: str) -> Response | None:
    found = first_match(text, RESPONSES)
    return cast(Response, found) if found else None


def category_of(text: str) -> str:
    return first_match(text, CATEGORIES) or "other"


def risk_item(text: str, line: Line) -> DraftItem:
    probability, impact = probability_impact(text)
    status = status_of(text)
    return DraftItem(
        section="risks",
        text=text,
        owner=find_owner(text),
        probability=probability,
        impact=impact,
        level=risk_level(probability, impact),
        response=response_of(text),
        category=category_of(text),
        status="closed" if status == "done" else "open",
        origin="project",
        date=line.chunk.date,
        citations=[line.citation()],
    )
