"""Split a document into passages that follow its headings, paragraphs and sentences.

Sizes are characters, which suits CJK and English alike at the default 600: one Chinese
character carries about as much as one English word's worth of characters in retrieval
terms. Chunk text is a faithful excerpt of the document (citations quote it); the heading
path travels beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.loaders import Page


@dataclass(frozen=True, slots=True)
class TextChunk:
    text: str
    page: int | None
    heading: str  # "Title > Section > Subsection"


@dataclass(slots=True)
class _Piece:
    text: str
    sep: str  # what separated it from the previous piece in the document
    page: int | None
    heading: str
    is_heading: bool = False


@dataclass(slots=True)
class _Section:
    heading: str
    pieces: list[_Piece]


_CN_NUM = "一二三四五六七八九十百零〇两"
_HEADING_RULES: list[tuple[re.Pattern[str], int | None]] = [
    (re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$"), None),  # Markdown: level = number of #
    (re.compile(rf"^第[{_CN_NUM}\d]+[章篇部]\s*\S.{{0,40}}$"), 1),
    (re.compile(rf"^第[{_CN_NUM}\d]+节\s*\S.{{0,40}}$"), 2),
    (re.compile(rf"^[{_CN_NUM}]+[、．]\s*\S.{{0,40}}$"), 2),
    (re.compile(rf"^[（(][{_CN_NUM}]+[)）]\s*\S.{{0,40}}$"), 3),
    # "1.2 标题" / "1.2.3. Title": two or more levels of numbering
    (re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+\S.{0,60}$"), None),
    # "3 Functional Requirements" (no dot after the number: "1. x" is a list item)
    (re.compile(r"^(\d{1,2})\s+[A-Z\u4e00-\u9fff].{0,50}$"), 1),
]
_NOT_HEADING_END = tuple("。.;；,，:：!?！？、")
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*\s*|\.(?:\s+|$)|\n")


def heading_level(line: str) -> tuple[int, str] | None:
    """(level, title) when `line` is a heading in any of the supported numbering styles."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80:
        return None
    for pattern, level in _HEADING_RULES:
        match = pattern.match(stripped)
        if not match:
            continue
        if stripped.startswith("#"):
            return len(match.group(1)), match.group(2).strip()
        # A numbered line with CJK clause punctuation is prose ("11.1 上会评审，发布公告").
        if stripped.endswith(_NOT_HEADING_END) or any(p in stripped for p in "，。；"):
            return None
        if level is None:  # multi-level numbering: 1.2.3 is level 3
            level = match.group(1).count(".") + 1
        return level, stripped
    return None


def split_document(
    pages: Sequence[Page], *, chunk_size: int, chunk_overlap: int
) -> list[TextChunk]:
    """Chunks no longer than `chunk_size` characters, each tagged with page and heading."""
    chunks: list[TextChunk] = []
    # A section's small last chunk (or a bare heading) joins the next section rather than
    # standing alone; a chunk is labelled with the heading that contributes most of its text.
    carry: list[_Piece] = []
    for section in _sections(pages):
        pieces = [p for piece in section.pieces for p in _fit(piece, chunk_size)]
        if carry and _length(carry + pieces[:1]) <= chunk_size:
            pieces = carry + pieces
        elif carry:
            chunks.append(_make_chunk(carry))
        section_chunks = _pack(pieces, chunk_size, chunk_overlap)
        carry = []
        # Only a whole small section joins the next one; the tail of a long section stays.
        if len(section_chunks) == 1 and _length(section_chunks[0]) < chunk_size // 4:
            carry = section_chunks.pop()
        chunks.extend(_make_chunk(c) for c in section_chunks)
    if carry:
        chunks.append(_make_chunk(carry))
    return [c for c in chunks if c.text.strip()]


def _sections(pages: Sequence[Page]) -> Iterable[_Section]:
    stack: list[tuple[int, str]] = []
    current = _Section("", [])
    heading_path = ""
    paragraph: list[str] = []
    paragraph_page: int | None = None
    sep = ""
    in_fence = False

    def flush_paragraph() -> None:
        nonlocal paragraph, sep
        if paragraph:
            text = "\n".join(paragraph)
            current.pieces.append(_Piece(text, sep, paragraph_page, heading_path))
            paragraph, sep = [], "\n\n"

    for page in pages:
        for line in page.text.split("\n"):
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            found = None if in_fence else heading_level(line)
            if found is None:
                if line.strip():
                    if not paragraph:
                        paragraph_page = page.number
                    paragraph.append(line)
                else:
                    flush_paragraph()
                continue
            flush_paragraph()
            if current.pieces:
                yield current
            level, title = found
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            heading_path = " > ".join(t for _, t in stack)
            current = _Section(
                heading_path, [_Piece(line.strip(), sep, page.number, heading_path, True)]
            )
            sep = "\n\n"
        flush_paragraph()
    if current.pieces:
        yield current


def _fit(piece: _Piece, size: int) -> list[_Piece]:
    """Break a piece longer than `size` at lines, then sentence ends, then hard."""
    if len(piece.text) <= size:
        return [piece]
    parts = [_Piece(t, "\n" if i else piece.sep, piece.page, piece.heading) for i, t in
             enumerate(piece.text.split("\n"))]  # fmt: skip
    if len(parts) == 1:
        parts = [_Piece(t, "" if i else piece.sep, piece.page, piece.heading) for i, t in
                 enumerate(_sentences(piece.text))]  # fmt: skip
        if len(parts) == 1:
            return _hard_split(piece, size)
    return [p for part in parts for p in _fit(part, size)]


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            out.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        out.append(text[start:])
    return out


def _hard_split(piece: _Piece, size: int) -> list[_Piece]:
    out: list[_Piece] = []
    text, sep = piece.text, piece.sep
    while text:
        cut = size
        if len(text) > size:
            space = text.rfind(" ", size // 2, size)  # prefer a word boundary
            cut = space + 1 if space > 0 else size
        out.append(_Piece(text[:cut], sep, piece.page, piece.heading))
        text, sep = text[cut:], ""
    return out


def _pack(pieces: list[_Piece], size: int, overlap: int) -> list[list[_Piece]]:
    chunks: list[list[_Piece]] = [[]]
    for piece in pieces:
        current = chunks[-1]
        if current and piece.page != current[-1].page and not piece.is_heading:
            chunks.append(current := [])  # a chunk stays on one page: citations name it
        elif current and _length([*current, piece]) > size:
            tail = _overlap_tail(current, overlap)
            current = tail if _length([*tail, piece]) <= size else []
            chunks.append(current)
        current.append(piece)
    return chunks


def _overlap_tail(pieces: list[_Piece], overlap: int) -> list[_Piece]:
    """The last sentences of a chunk, up to `overlap` characters, to repeat in the next."""
    if overlap <= 0 or pieces[-1].is_heading:
        return []
    last = pieces[-1]
    tail: list[str] = []
    for sentence in reversed(_sentences(last.text)):
        if sum(map(len, tail)) + len(sentence) > overlap:
            break
        tail.insert(0, sentence)
    if not tail:
        return []
    return [_Piece("".join(tail).lstrip(), "", last.page, last.heading)]


def _length(pieces: list[_Piece]) -> int:
    return sum(len(p.text) + (len(p.sep) if i else 0) for i, p in enumerate(pieces))


def _make_chunk(pieces: list[_Piece]) -> TextChunk:
    text = "".join((p.sep if i else "") + p.text for i, p in enumerate(pieces))
    weight: dict[str, int] = {}
    for piece in pieces:
        weight[piece.heading] = weight.get(piece.heading, 0) + len(piece.text)
    heading = max(reversed(weight), key=weight.__getitem__)  # ties: the later, deeper one
    page = next((p.page for p in pieces if not p.is_heading), pieces[0].page)
    return TextChunk(text.strip(), page, heading)


# -- what a chunk is found by -------------------------------------------------------------------

_CN_DIGIT = "零一二三四五六七八九"
_MEETING_NO = re.compile(rf"第?\s*([{_CN_NUM}]+|\d{{1,4}})\s*次")


def searchable_text(text: str, heading: str, date: str | None, title: str = "") -> str:
    """What the lexical index should read for a chunk: its document's title and heading path,
    its date in the forms people type (2024-03-27, 2024年3月27日, 3月27日, March 27 2024) and
    the meeting number in both numerals (第66次 / 六十六次), then the text. Citations still quote
    `text` alone; this only decides what finds the chunk ("3月27日例会", "第66次会议")."""
    head = heading if title and title in heading else " > ".join(p for p in (title, heading) if p)
    parts = [head, _date_forms(date), _meeting_forms(f"{title} {heading}"), text]
    return "\n".join(p for p in parts if p)


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip


def _date_forms(date: str | None) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date or "")
    if not match:
        return ""
    year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return (f"{date} {year}年{month}月{day}日 {month}月{day}日 "
            f"{_MONTH_NAMES[month - 1]} {day} {year}")  # fmt: skip


def _meeting_forms(title: str) -> str:
    match = _MEETING_NO.search(title)
    if not match:
        return ""
    number = _to_int(match.group(1))
    if number is None or number <= 0:
        return ""
    return f"第{number}次 {_to_chinese(number)}次"


def _to_int(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGIT:
            current = _CN_DIGIT.index(char)
        elif char == "两":
            current = 2
        elif char == "十":
            total, current = total + (current or 1) * 10, 0
        elif char == "百":
            total, current = total + (current or 1) * 100, 0
        else:
            return None
    return total + current


def _to_chinese(number: int) -> str:
    """66 -> 六十六, 14 -> 十四, 102 -> 一百零二 (up to 999)."""
    if number >= 1000:
        return str(number)
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    out = f"{_CN_DIGIT[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _CN_DIGIT[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (_CN_DIGIT[ones] if ones else "")
