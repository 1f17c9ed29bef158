"""DOCX rendering with python-docx: real Heading 1/2 styles, real tables for actions and
risks, and an East-Asian font on Normal and the heading styles so Chinese renders in Word and
LibreOffice alike. Model and document text is added as plain runs, never interpreted."""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from assistant.drafts.models import Draft, DraftItem, sections_of
from assistant.drafts.render_markdown import CitationIndex, draft_labels

EAST_ASIAN_FONT = "Microsoft YaHei"
# Fallbacks a reader's machine is likely to have when the first is missing; LibreOffice
# substitutes by name, so the table in fontTable.xml is not needed.
LATIN_FONT = "Calibri"
TEXT_SHARE = 0.2
STYLES = ("Normal", "Heading 1", "Heading 2", "Title", "Table Grid")

TABLE_SECTIONS: dict[str, tuple[str, ...]] = {
    "actions": ("id", "text", "owner", "due", "status"),
    "risks": ("id", "text", "probability", "impact", "level", "owner", "status"),
    "milestones": ("id", "text", "planned", "forecast", "actual", "slip_days", "status"),
}
# Copied as the documents write them, never mapped through the value labels.
AS_WRITTEN = ("status", "id", "owner", "due", "planned", "forecast", "actual", "slip_days")
# Widths (cm) that keep a date ("2026-04-15"), a Chinese name or an id on one line at 10.5 pt;
# the description takes what is left.
COLUMN_CM = {
    "id": 1.5, "owner": 1.9, "due": 2.5, "planned": 2.5, "forecast": 2.5, "actual": 2.5,
    "slip_days": 1.4, "status": 2.0, "probability": 1.3, "impact": 1.3, "level": 1.3,
    "category": 1.5, "response": 2.4, "origin": 2.0, "cites": 1.4,
}  # fmt: skip
TABLE_PT = 9
MARGIN_CM = 2.0
RISK_REGISTER_COLUMNS = (
    "id", "text", "category", "probability", "impact", "level", "response", "owner", "status",
    "origin",
)  # fmt: skip


def set_east_asian_font(style: Any, east_asian: str = EAST_ASIAN_FONT) -> None:
    """Set w:eastAsia (and the Latin fonts) on a style's rFonts."""
    style.font.name = LATIN_FONT
    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def render_docx(draft: Draft) -> Any:
    """A python-docx Document for the draft (save it with `output.write_draft`)."""
    label = draft_labels(draft)
    index = CitationIndex(draft)
    document = Document()
    if draft.kind == "risk-list":
        _landscape(document.sections[0])  # eleven columns need the width
    for side in ("left_margin", "right_margin"):
        setattr(document.sections[0], side, Cm(MARGIN_CM))
    for name in STYLES:
        set_east_asian_font(document.styles[name])
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(f"{draft.title} {label['title'][draft.kind]}", level=1)
    if draft.kind == "weekly-report":
        _basics(document, draft, label)
    elif draft.since or draft.until:
        document.add_paragraph(f"{label['period']}: {draft.since or '…'} ~ {draft.until or '…'}")
    note = label["generated_llm"] if draft.mode == "llm" else label["generated_extractive"]
    document.add_paragraph(note)
    for warning in draft.warnings:
        document.add_paragraph(f"{label['warnings']}: {warning}")
    if draft.kind == "weekly-report":
        _overall(document, draft, label)
    for section in sections_of(draft.kind):
        items = draft.section(section)
        if section == "decisions" and draft.kind == "requirements" and not items:
            continue
        document.add_heading(label["sections"][section], level=2)
        if not items:
            document.add_paragraph(label["none"])
        elif draft.kind == "risk-list":
            _table(document, items, RISK_REGISTER_COLUMNS, label, index)
        elif section in TABLE_SECTIONS:
            _table(document, items, TABLE_SECTIONS[section], label, index)
        else:
            for item in items:
                document.add_paragraph(_bullet_text(item, label, index), style="List Bullet")
    _sources(document, label, index)
    return document


def _basics(document: Any, draft: Draft, label: dict[str, Any]) -> None:
    words = label["weekly"]
    document.add_heading(words["basics"], level=2)
    reporter = draft.overview.reporter if draft.overview else None
    for name, value in (
        ("project", draft.title),
        ("period", f"{draft.since or '…'} ~ {draft.until or '…'}"),
        ("reporter", reporter or words["unfilled"]),
    ):
        document.add_paragraph(f"{words[name]}: {value}", style="List Bullet")


def _overall(document: Any, draft: Draft, label: dict[str, Any]) -> None:
    words = label["weekly"]
    document.add_heading(words["overall"], level=2)
    overview = draft.overview
    if overview is None:
        document.add_paragraph(label["none"])
        return
    health = words.get(overview.health or "", overview.health)
    document.add_paragraph(f"{words['health']}: {health}", style="List Bullet")
    if overview.progress:
        source = overview.progress_citation.source if overview.progress_citation else ""
        document.add_paragraph(
            f"{words['progress']}: {overview.progress} {source}".strip(), style="List Bullet"
        )
    for reason in overview.reasons:
        document.add_paragraph(f"{words['reasons']}: {reason}", style="List Bullet")


def _bullet_text(item: DraftItem, label: dict[str, Any], index: CitationIndex) -> str:
    text = f"{item.id} {item.text}" if item.id else item.text
    details = [f"{label['columns'][k]}: {getattr(item, k)}" for k in ("owner", "due")
               if getattr(item, k) and getattr(item, k) not in item.text]  # fmt: skip
    if details:
        text += f" ({', '.join(details)})"
    return f"{text} {index.refs(item)}"


def _table(
    document: Any,
    items: list[DraftItem],
    columns: tuple[str, ...],
    label: dict[str, Any],
    index: CitationIndex,
) -> None:
    table = document.add_table(rows=1, cols=len(columns) + 1)
    table.style = document.styles["Table Grid"]
    table.autofit = False
    headers = [label["columns"][c] for c in columns] + [label["columns"]["cites"]]
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for item in items:
        cells = table.add_row().cells
        for cell, column in zip(cells, columns, strict=False):
            value = getattr(item, column)
            if value is None:
                cell.text = ""
            elif column in AS_WRITTEN:
                cell.text = str(value)
            else:
                cell.text = str(label["values"].get(value, value))
        cells[-1].text = index.refs(item)
    _set_widths(document, table, columns)
    _compact(table, columns)


def _compact(table: Any, columns: tuple[str, ...]) -> None:
    """Table text at TABLE_PT; short columns (dates, names, ids) marked no-wrap, which Word
    honours, and sized to fit, which LibreOffice needs."""
    short = [i for i, c in enumerate((*columns, "cites")) if c != "text"]
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            for run in (r for p in cell.paragraphs for r in p.runs):
                run.font.size = Pt(TABLE_PT)
            if i in short:
                cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))


def _landscape(section: Any) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def _set_widths(document: Any, table: Any, columns: tuple[str, ...]) -> None:
    """Each short column gets the width its longest usual value needs on one line (a date, a
    Chinese name, an id: they never wrap mid-word); the description takes the rest, at least
    TEXT_SHARE of the line. (Word reads the widths of the cells, LibreOffice those of the grid;
    both are set.)"""
    section = document.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    short = [Cm(COLUMN_CM.get(c, 2.0)) for c in (*columns, "cites") if c != "text"]
    text = max(int(usable - sum(short)), int(usable * TEXT_SHARE))
    scale = min(1.0, (usable - text) / sum(short)) if sum(short) else 1.0
    fixed = iter(int(w * scale) for w in short)
    widths = [text if c == "text" else next(fixed) for c in (*columns, "cites")]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _sources(document: Any, label: dict[str, Any], index: CitationIndex) -> None:
    document.add_heading(label["sources"], level=2)
    if not index.entries:
        document.add_paragraph(label["none"])
    for entry in index.entries:
        page = f" {label['page'].format(page=entry.page)}" if entry.page else ""
        document.add_paragraph(f"[{entry.number}] {entry.source}{page}: “{entry.text}”")
