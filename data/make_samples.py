"""Build the binary documents of the sample corpus (DOCX, PDF, GB18030 text) in data/samples/.

The Markdown files in data/samples/ are written by hand; the files here are generated because
they cannot be reviewed in a diff. Their text is kept in data/sample_texts/ (`DOCUMENTS`,
`GB18030_MINUTES`), so a rebuild gives the same content and, with the same library versions, the
same bytes: PDFs are built in reportlab's invariant mode and DOCX archives get fixed timestamps.

    uv run python data/make_samples.py              # rewrite the files in data/samples/
    uv run python data/make_samples.py --out DIR    # build them under DIR instead
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from sample_texts import DOCUMENTS, GB18030_MINUTES  # beside this script

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "samples"
CJK_FONT = "STSong-Light"  # reportlab's built-in CID font: no font file to ship


@dataclass(frozen=True)
class Doc:
    path: str  # relative to the samples folder
    title: str
    author: str
    date: str  # ISO date, also the fixed creation date written into the file
    lang: str  # "zh" or "en": picks the PDF font
    blocks: list[tuple]


def _fixed_time(date: str) -> datetime:
    return datetime.fromisoformat(date).replace(hour=9, tzinfo=UTC)


# ---------------------------------------------------------------------------- PDF


def write_pdf(doc: Doc, target: Path) -> None:
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    rl_config.invariant = 1  # fixed creation date and document id: reproducible bytes
    zh = doc.lang == "zh"
    if zh:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    font, bold = (CJK_FONT, CJK_FONT) if zh else ("Helvetica", "Helvetica-Bold")
    wrap = "CJK" if zh else None
    bullet = "• " if zh else "- "  # Helvetica's bullet glyph extracts as "\x7f" with pypdf
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap=wrap)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=12)
    heads = {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=16, leading=22, spaceAfter=8),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=18, spaceBefore=8),
    }
    story: list = []
    for kind, content in doc.blocks:
        if kind in heads:
            story.append(Paragraph(escape(content), heads[kind]))
        elif kind == "p":
            story.append(Paragraph(escape(content), body))
            story.append(Spacer(1, 4))
        elif kind == "bullets":
            story.extend(Paragraph(bullet + escape(item), body) for item in content)
            story.append(Spacer(1, 4))
        elif kind == "table":
            rows = [[Paragraph(escape(c), cell) for c in row] for row in content]
            table = Table(rows, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.extend([table, Spacer(1, 6)])
        elif kind == "pagebreak":
            story.append(PageBreak())
        else:
            raise ValueError(f"unknown block kind {kind!r} in {doc.path}")
    pdf = SimpleDocTemplate(
        str(target),
        pagesize=A4,
        title=doc.title,
        author=doc.author,
        subject=doc.date,
        creator="pmassist data/make_samples.py",
        producer="pmassist data/make_samples.py",
    )
    # reportlab reads the creation date from SOURCE_DATE_EPOCH; without it, invariant mode
    # stamps 2000-01-01, which a reader would take for the document's date.
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(_fixed_time(doc.date).timestamp()))
    try:
        pdf.build(story)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


# ---------------------------------------------------------------------------- DOCX


def write_docx(doc: Doc, target: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    normal = document.styles["Normal"]
    # East Asian glyphs need an East Asian font, or Word falls back to something ugly.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    for kind, content in doc.blocks:
        if kind == "h1":
            document.add_heading(content, level=1)
        elif kind == "h2":
            document.add_heading(content, level=2)
        elif kind == "p":
            document.add_paragraph(content)
        elif kind == "bullets":
            for item in content:
                document.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            table = document.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for r, row in enumerate(content):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif kind == "pagebreak":
            document.add_page_break()
        else:
            raise ValueError(f"unknown block kind {kind!r} in {doc.path}")
    props = document.core_properties
    props.title, props.author, props.last_modified_by = doc.title, doc.author, doc.author
    props.created = props.modified = _fixed_time(doc.date)
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    target.write_bytes(_with_fixed_zip_times(buffer.getvalue(), doc.date))


def _with_fixed_zip_times(archive: bytes, date: str) -> bytes:
    """python-docx stamps every zip member with the current time; rebuilds must not differ."""
    stamp = _fixed_time(date).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------- build


def write_gb18030_text(text: str, target: Path) -> None:
    # Encoded as GBK (a subset of GB18030) so that older GBK-only tools read it too;
    # CRLF line ends, as Windows editors in Chinese offices write them.
    target.write_bytes(text.replace("\n", "\r\n").encode("gbk"))


def build_samples(out: Path) -> list[Path]:
    """Write every generated sample file under `out`; returns the paths written."""
    written = []
    for spec in DOCUMENTS:
        doc = Doc(**spec)
        target = out / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".pdf":
            write_pdf(doc, target)
        elif target.suffix == ".docx":
            write_docx(doc, target)
        else:
            raise ValueError(f"no writer for {doc.path}")
        written.append(target)
    path, text = GB18030_MINUTES
    target = out / path
    target.parent.mkdir(parents=True, exist_ok=True)
    write_gb18030_text(text, target)
    written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the binary sample documents.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="samples folder to write")
    args = parser.parse_args(argv)
    for path in build_samples(args.out):
        sys.stdout.write(f"wrote {path} ({path.stat().st_size:,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
