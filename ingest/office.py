"""PDF and DOCX readers, with the checks that keep hostile or broken files harmless."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

from ingest.errors import UnreadableFileError
from ingest.pages import Deadline, LoadedDocument, LoadLimits, Page
from ingest.textclean import join_pdf_lines

log = logging.getLogger(__name__)


def load_pdf(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    """Text per page: PDFium (C, ~12x faster than pypdf on the same text), pypdf when PDFium
    refuses the file or finds no text at all, so pypdf's verdict names what is wrong."""
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFileError("not a PDF file (no %PDF header); check the file extension")
    if b"%%EOF" not in data[-4096:]:
        raise UnreadableFileError(
            "truncated PDF (no %%EOF end marker); the file was probably not completely "
            "downloaded or copied"
        )
    document = _load_pdf_pdfium(data, limits, deadline)
    if document is not None and any(page.text.strip() for page in document.pages):
        return document
    return _load_pdf_pypdf(data, limits, deadline)


def _load_pdf_pdfium(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument | None:
    """None when PDFium cannot open the file (encrypted, damaged): pypdf then says why."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        log.info("PDFium cannot open the PDF (%s); trying pypdf", exc)
        return None
    try:
        page_count = len(pdf)
        if page_count > limits.max_pages:
            log.warning(
                "PDF has %d pages; only the first %d are read", page_count, limits.max_pages
            )
        pages: list[Page] = []
        for number in range(min(page_count, limits.max_pages)):
            deadline.check()
            try:
                text = _pdfium_page_text(pdf, number)
            except pdfium.PdfiumError as exc:
                log.info("PDFium cannot read page %d (%s); trying pypdf", number + 1, exc)
                return None
            # PDFium ends lines with \r\n; the line joiner expects \n.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            pages.append(Page(number + 1, join_pdf_lines(text)))
        return LoadedDocument(pages)
    finally:
        pdf.close()


def _pdfium_page_text(pdf: Any, number: int) -> str:
    page = pdf[number]
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_range())
        finally:
            textpage.close()
    finally:
        page.close()


def _load_pdf_pypdf(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    from pypdf import PdfReader  # imported late: it is slow to import

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(
                "encrypted PDF: it needs a password; save an unprotected copy and ingest that"
            )
        page_count = len(reader.pages)
    except UnreadableFileError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise UnreadableFileError(f"corrupt PDF that cannot be parsed ({_short(exc)})") from exc
    if page_count > limits.max_pages:
        log.warning("PDF has %d pages; only the first %d are read", page_count, limits.max_pages)
    pages: list[Page] = []
    for number in range(min(page_count, limits.max_pages)):
        deadline.check()
        try:
            text = reader.pages[number].extract_text() or ""
        except Exception as exc:
            raise UnreadableFileError(
                f"corrupt PDF: page {number + 1} cannot be read ({_short(exc)})"
            ) from exc
        pages.append(Page(number + 1, join_pdf_lines(text)))
    return LoadedDocument(pages)


def load_docx(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    import docx

    _check_zip(data, limits, "DOCX", "word/document.xml")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise UnreadableFileError(f"damaged DOCX that cannot be opened ({_short(exc)})") from exc
    blocks: list[str] = []
    for block in _docx_blocks(document):
        deadline.check()
        blocks.append(block)
    return LoadedDocument([Page(None, "\n\n".join(b for b in blocks if b.strip()))])


def _check_zip(data: bytes, limits: LoadLimits, kind: str, member: str) -> None:
    """Refuse non-zips and zip bombs using the sizes declared in the zip directory only."""
    old = {"DOCX": ".doc", "XLSX": ".xls"}.get(kind, "")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFileError(
            f"not a {kind} file (not a zip archive); an old {old} must be saved as "
            f".{kind.lower()} first"
        ) from None
    with archive:
        infos = archive.infolist()
        if member not in {info.filename for info in infos}:
            raise UnreadableFileError(f"not a {kind} file (no {member} inside the zip)")
        total = sum(info.file_size for info in infos)
        if total > limits.max_unzipped_mb * 1024 * 1024:
            raise UnreadableFileError(
                f"{kind} would unpack to {total / 2**20:.0f} MB, over the "
                f"{limits.max_unzipped_mb:g} MB limit (possible zip bomb); not opened"
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio:
                raise UnreadableFileError(
                    f"{kind} member {info.filename} is compressed {ratio:.0f}:1 (limit "
                    f"{limits.max_zip_ratio:g}:1; possible zip bomb); not opened"
                )


def load_xlsx(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    """Each sheet as a heading and a table whose first non-empty row is its header. Cached
    values only: formulas are never evaluated and links never followed."""
    import openpyxl

    _check_zip(data, limits, "XLSX", "xl/workbook.xml")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFileError(f"damaged XLSX that cannot be opened ({_short(exc)})") from exc
    blocks: list[str] = []
    budget = limits.max_chars
    try:
        for sheet in book.worksheets:
            rows: list[str] = []
            for values in sheet.iter_rows(values_only=True):
                deadline.check()
                cells = [_cell_text(v) for v in values]
                if not any(cells):
                    continue
                row = "| " + " | ".join(cells) + " |"
                rows.append(row)
                budget -= len(row)
                if budget <= 0:
                    break
            if rows:
                blocks.append(f"## {sheet.title}\n\n" + "\n".join(rows))
            if budget <= 0:
                break
    finally:
        book.close()
    return LoadedDocument([Page(None, "\n\n".join(blocks))])


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split()).replace("|", "/")


def _docx_blocks(document: Any) -> Iterator[str]:
    """Paragraphs and tables in document order; headings as Markdown, tables as | rows |."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield _paragraph_text(Paragraph(child, document))
        elif tag == "tbl":
            yield _table_text(Table(child, document))


def _paragraph_text(paragraph: Any) -> str:
    text = _visible_text(paragraph).strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    level = _heading_level(style)
    return f"{'#' * level} {text}" if level and text else text


def _visible_text(paragraph: Any) -> str:
    """The text Word shows: runs hidden with <w:vanish/> (directly or by their character or
    paragraph style) are left out, since nobody reading the document sees them."""
    from docx.text.hyperlink import Hyperlink

    paragraph_hidden = _style_hidden(paragraph.style)
    parts: list[str] = []
    for item in paragraph.iter_inner_content():
        for run in item.runs if isinstance(item, Hyperlink) else [item]:
            hidden = run.font.hidden
            if hidden is None:
                hidden = _style_hidden(run.style) or paragraph_hidden
            if not hidden:
                parts.append(run.text)
    return "".join(parts)


def _style_hidden(style: Any) -> bool:
    while style is not None:
        hidden = getattr(getattr(style, "font", None), "hidden", None)
        if hidden is not None:
            return bool(hidden)
        style = style.base_style
    return False


def _heading_level(style: str) -> int:
    name = style.lower()
    if name == "title":
        return 1
    for prefix in ("heading ", "标题 ", "标题"):
        if name.startswith(prefix) and name[len(prefix) :].strip().isdigit():
            return min(int(name[len(prefix) :]), 6)
    return 0


def _table_text(table: Any) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[Any] = []
        for cell in row.cells:
            # Merged cells come back once per grid column; keep one copy.
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            text = " ".join(_visible_text(p) for p in cell.paragraphs)
            cells.append(" ".join(text.split()).replace("|", "/"))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."
