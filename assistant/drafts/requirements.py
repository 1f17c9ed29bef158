"""The requirement document (需求规格说明书), drawn from requirements, minutes and decisions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from assistant.drafts.extract import weekly_items
from assistant.drafts.generate import generate_items
from assistant.drafts.lines import Line, clean, document_lines
from assistant.drafts.merge import merge_items
from assistant.drafts.models import Draft, DraftItem, Lang
from assistant.drafts.sources import check_scope, project_chunks
from assistant.drafts.tables import table_cells
from assistant.drafts.text import find_due
from assistant.drafts.vocabulary import SKIP_LINE, Table, heading_section, words
from assistant.drafts.weekly import in_section_order
from assistant.llm import ChatModel
from ingest.model import Chunk, DocType
from ingest.ports import VectorStore

if TYPE_CHECKING:
    from assistant.drafts.build import DraftRequest

# The draft kind's sections (assistant.draft_kinds), in the order the document shows them.
SECTIONS = (
    "background", "goals", "scope", "functional", "non_functional", "acceptance",
    "stakeholders", "milestones", "constraints", "decisions",
)  # fmt: skip

# Non-functional before functional: "非功能需求" contains "功能需求".
REQUIREMENT_HEADINGS: Table = (
    ("non_functional", words("非功能", "性能", "安全", "可靠", "可用性", "质量属性",
                              r"non[- ]?functional", r"\bnfr", r"performance", r"security",
                              r"availability", r"quality attribute")),
    ("functional", words(r"^(?!.*(规格|说明书|specification)).*(需求|requirements)\s*$")),
    ("acceptance", words("验收", r"acceptance", r"graduation criteria", r"test plan")),
    ("functional", words("功能", "用户故事", "用例", r"functional", r"features?\b",
                          r"user stor", r"use case", r"\bproposal\b")),
    ("stakeholders", words("干系人", "相关方", "利益相关", "用户角色", r"stakeholder",
                            r"personas?", r"\broles\b")),
    ("milestones", words("里程碑", "排期", "进度计划", "时间表", "计划", r"milestone",
                          r"timeline", r"schedule", r"roadmap", r"implementation history",
                          r"release plan")),
    ("constraints", words("约束", "限制", "假设", "依赖", r"constraint", r"limitation",
                           r"assumption", r"dependenc")),
    ("scope", words("范围", r"\bscope", r"non-goals")),
    ("goals", words("目标", "目的", r"\bgoals?\b", r"objective")),
    ("background", words("背景", "概述", "简介", "现状", r"background", r"overview",
                          r"introduction", r"motivation", r"context", r"summary")),
)  # fmt: skip
SHALL = re.compile(r"应当|应该|必须|需要|须|支持|shall|must|should|will support|required to")
NFR_WORDS = re.compile(
    r"性能|响应时间|并发|吞吐|可用性|安全|加密|等保|兼容|可靠|容灾|备份|可维护|扩展|"
    r"\d+\s*(ms|毫秒|秒|tps|qps)|99\.9|performance|latency|response time|throughput|"
    r"availability|secur|encrypt|compatib|reliab|scalab|usability|backup|recovery",
    re.IGNORECASE,
)
REQ_ID = re.compile(r"^\s*\*{0,2}\s*(?:N?FR|REQ|SR|UR)[-_ ]?\d+[.:：]?\s*", re.IGNORECASE)
ACCEPTANCE = re.compile(r"(验收标准|acceptance criteria|acceptance)\s*[:：]\s*", re.IGNORECASE)
SECTION_LINE = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?|[一二三四五六七八九十]+[、.])\s*([^\W\d][^。.;；:：]{1,40})$"
)
ID_SECTION = re.compile(r"^\*{0,2}\s*(NFR|FR|DM|REQ|UR|SR)[-_ ]?\d+", re.IGNORECASE)
DROPPED_COLUMN = re.compile(r"^(编号|序号|id|#|no\.?)\b|优先级|priority", re.IGNORECASE)
ACCEPTANCE_COLUMN = re.compile(r"验收|acceptance", re.IGNORECASE)
REQUIREMENT_DOC_TYPES = (DocType.REQUIREMENTS.value,)


def build(request: DraftRequest) -> Draft:
    """The "requirements" kind's builder (assistant.draft_kinds)."""
    return requirements_document(request.project, **request.common())


def requirements_document(
    project: str,
    *,
    store: VectorStore,
    since: str | None = None,
    until: str | None = None,
    lang: Lang = "zh",
    chat_model: ChatModel | None = None,
    title: str | None = None,
) -> Draft:
    """A requirement specification for `project` from all its documents (optionally a range)."""
    check_scope(store, project, since, until)
    chunks = project_chunks(store, project, since=since, until=until)
    draft = Draft.begin("requirements", project, lang=lang, since=since, until=until, title=title)
    extracted = extracted_requirements(chunks)
    if chat_model is not None:
        draft = generate_items(draft, chunks, chat_model, fallback=extracted)
    draft.items = number_requirements(in_section_order(draft.items or extracted, draft.kind))
    return draft


def extracted_requirements(chunks: list[Chunk]) -> list[DraftItem]:
    specs = [c for c in chunks if c.doc_type in REQUIREMENT_DOC_TYPES]
    others = [c for c in chunks if c.doc_type not in REQUIREMENT_DOC_TYPES]
    items = list(requirement_items(specs))
    # Minutes contribute the decisions that changed or fixed the requirements.
    items += [i for i in weekly_items(others) if i.section == "decisions"]
    return merge_items(items)


def requirement_items(chunks: Iterable[Chunk]) -> Iterable[DraftItem]:
    # PDFs lose heading styles: "3. Functional requirements" is then a plain line that still
    # starts a section, until the next such line or real heading.
    pseudo: tuple[str, str] | None = None  # (heading path it appeared under, section)
    # source -> (heading, header) of the table being read: a table's first row names its
    # columns; a new heading starts a new table even with no text in between.
    headers: dict[str, tuple[str, list[str]]] = {}
    for line in document_lines(chunks):
        source = line.chunk.source
        if not line.text.startswith("|"):
            headers.pop(source, None)
        elif source not in headers or headers[source][0] != line.heading:
            headers[source] = (line.heading, table_cells(line.text))
            continue
        title = SECTION_LINE.match(line.text)
        named = heading_section(title.group(1), REQUIREMENT_HEADINGS) if title else None
        if named is not None:
            pseudo = (line.heading, named)
            continue
        section = heading_section(line.heading, REQUIREMENT_HEADINGS)
        if pseudo is not None and pseudo[0] == line.heading:
            section = pseudo[1]
        text = _line_text(line, headers[source][1] if source in headers else None)
        if text is None or len(text) < 4 or SKIP_LINE.search(text):
            continue
        section = _by_id(text) or section
        if section is None:
            if not SHALL.search(text):
                continue
            section = "non_functional" if NFR_WORDS.search(text) else "functional"
        yield from _items_for(section, text, line)


def _by_id(text: str) -> str | None:
    """ "NFR-01 ..." is non-functional and "FR-01 ..." functional, wherever they stand."""
    found = ID_SECTION.match(clean(text))
    if found is None:
        return None
    return "non_functional" if found.group(1).upper() == "NFR" else "functional"


def _line_text(line: Line, header: list[str] | None) -> str | None:
    """A line's text; a table row read through its header, so that an acceptance column
    becomes "Acceptance: ..." and id and priority columns are left out."""
    if not line.text.startswith("|"):
        return clean(line.text)
    cells = table_cells(line.text)
    if all(set(c) <= set("-: ") for c in cells):
        return None
    names = header if header and len(header) == len(cells) else [""] * len(cells)
    body = [
        c
        for c, name in zip(cells, names, strict=True)
        if c and not DROPPED_COLUMN.search(name) and not ACCEPTANCE_COLUMN.search(name)
    ]
    accepted = [c for c, name in zip(cells, names, strict=True)
                if c and ACCEPTANCE_COLUMN.search(name)]  # fmt: skip
    text = " — ".join(body)
    return f"{text}. Acceptance: {accepted[0]}" if accepted else text


def _items_for(section: str, text: str, line: Line) -> Iterable[DraftItem]:
    """A requirement line; its "验收标准：…" part also becomes an acceptance criterion."""
    date = line.chunk.date
    text = REQ_ID.sub("", text).strip()
    criterion = ACCEPTANCE.split(text, maxsplit=1)
    if section in ("functional", "non_functional") and len(criterion) == 3:
        text = criterion[0].rstrip("。.;； ")
        head = re.split(r"[:：]", text, maxsplit=1)[0]
        yield DraftItem(
            section="acceptance",
            text=f"{head}: {criterion[2]}",
            date=date,
            citations=[line.citation()],
        )
    # A milestone's date is written out; "on Saturday night" is not one to resolve.
    due = find_due(text, None) if section == "milestones" else None
    yield DraftItem(section=section, text=text, due=due, date=date, citations=[line.citation()])


def number_requirements(items: list[DraftItem]) -> list[DraftItem]:
    """FR-1.., NFR-1.. in document order."""
    counters = {"functional": "FR", "non_functional": "NFR"}
    seen: dict[str, int] = {}
    for item in items:
        prefix = counters.get(item.section)
        if prefix:
            seen[prefix] = seen.get(prefix, 0) + 1
            item.id = f"{prefix}-{seen[prefix]}"
    return items
