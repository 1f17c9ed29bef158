"""Real test documents written on the fly: PDFs with reportlab, DOCX with python-docx."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path


def write_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    password: str | None = None,
    owner_password: str | None = None,
) -> Path:
    """One PDF page per item; each line drawn as its own visual line (as PDFs wrap text)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for lines in pages:
        pdf.setFont("STSong-Light", 11)
        y = 800
        for line in lines:
            pdf.drawString(40, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if password is not None:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=password, owner_password=owner_password or password)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_docx(path: Path, blocks: Sequence[object]) -> Path:
    """Blocks: ("h1", text) / ("h2", text) headings, str paragraphs, list[list[str]] tables."""
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, tuple):
            document.add_heading(block[1], level=int(block[0][1]))
        elif isinstance(block, str):
            document.add_paragraph(block)
        else:
            rows = list(block)  # type: ignore[call-overload]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_zip_bomb_docx(path: Path, inflated_mb: int = 20) -> Path:
    """A zip named .docx whose document.xml inflates far beyond its compressed size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (inflated_mb * 1024 * 1024))
    return path
