"""DOCX rendering with python-docx: real Heading 1/2 styles, real tables for actions and
risks, and an East-Asian font on Normal and the heading styles so Chinese renders in Word and
LibreOffice alike. Model and document text is added as plain runs, never interpreted."""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt

from assistant.drafts.models import SECTIONS, Draft, DraftItem
from assistant.drafts.render_markdown import CitationIndex, labels

EAST_ASIAN_FONT = "Microsoft YaHei"
# Fallbacks a reader's machine is likely to have when the first is missing; LibreOffice
# substitutes by name, so the table in fontTable.xml is not needed.
LATIN_FONT = "Calibri"
TEXT_SHARE = 0.4
STYLES = ("Normal", "Heading 1", "Heading 2", "Title", "Table Grid")

TABLE_SECTIONS: dict[str, tuple[str, ...]] = {
    "actions": ("text", "owner", "due", "status"),
    "risks": ("text", "probability", "impact", "level", "owner", "status"),
}
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
    label = labels(draft.lang)
    index = CitationIndex(draft)
    document = Document()
    if draft.kind == "risk-list":
        _landscape(document.sections[0])  # eleven columns need the width
    for name in STYLES:
        set_east_asian_font(document.styles[name])
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(f"{draft.title} {label['title'][draft.kind]}", level=1)
    if draft.since or draft.until:
        document.add_paragraph(f"{label['period']}: {draft.since or '…'} ~ {draft.until or '…'}")
    note = label["generated_llm"] if draft.mode == "llm" else label["generated_extractive"]
    document.add_paragraph(note)
    for warning in draft.warnings:
        document.add_paragraph(f"{label['warnings']}: {warning}")
    for section in SECTIONS[draft.kind]:
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
            cell.text = "" if value is None else str(label["values"].get(value, value))
        cells[-1].text = index.refs(item)
    _set_widths(document, table, columns)


def _landscape(section: Any) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def _set_widths(document: Any, table: Any, columns: tuple[str, ...]) -> None:
    """The description column takes TEXT_SHARE of the line; the rest share what is left.
    (Word reads the widths of the cells, LibreOffice those of the grid; both are set.)"""
    section = document.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    text = int(usable * TEXT_SHARE)
    other = int((usable - text) / len(columns))
    widths = [text if c == "text" else other for c in columns] + [other]
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
