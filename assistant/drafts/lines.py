"""Reading chunks back as lines: headings followed, wrapped bullets joined, overlap skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assistant.drafts.models import Citation
from assistant.table_rows import tables_in_words
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
        """The line as its quote; a table row in words, not pipes ("M1：需求确认，2026-01-30")."""
        text = tables_in_words(self.text)
        return Citation(source=self.chunk.source, page=self.chunk.page, text=text[:SNIPPET_CHARS])


# "1." is a list number, "22.03" is a version: a number's dot must not be followed by a digit.
BULLET = re.compile(
    r"^\s*(?:[-*+•·]|\d+(?:[、)）]|\.(?!\d))|[（(]\d+[)）]|[一二三四五六七八九十]+[、.])\s*"
)

SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+(?=[A-Z])")

LONG_LINE = 300

LEAD_IN = re.compile(r"^[^:：|]{1,30}[:：]$")

LETTER_ITEM = re.compile(r"^[a-z][.)、]\s*\S")

CONTINUATION = re.compile(r"^\s+(?![-*+•·|#]|\d+[.、)）])\S")


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


def _joined_lines(text: str) -> list[str]:
    """Lines, with a hard-wrapped continuation joined to the line it continues.

    Only wrapped prose is joined ("...discuss in meeting next" + "  week"): the continuation
    is indented, starts in lower case or follows a comma. Indented lines in Chinese minutes are
    structure ("     结论：..."), not wrapping, and stay apart.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        previous = lines[-1].rstrip() if lines else ""
        stripped = raw.strip()
        indented = CONTINUATION.match(raw) and _continues(previous, stripped)
        indented = indented and not LETTER_ITEM.match(stripped)  # "  a.建议…" is an item
        if previous and not previous.lstrip().startswith("#") and (  # never onto a heading
            indented or (stripped and _wrapped(previous.strip(), stripped))
        ):
            lines[-1] = previous + " " + stripped
        else:
            lines.append(raw)
    return lines


def _continues(previous: str, line: str) -> bool:
    return line[:1].isascii() and (line[:1].islower() or previous.endswith((",", "-", "/")))


def _wrapped(previous: str, line: str) -> bool:
    """A PDF's wrapped English line: no indent, but it starts in lower case mid-sentence."""
    starts_mid_sentence = (line[:1].isascii() and line[:1].islower()) or line[:1] == "("
    # "a.建议…", "b) …" start list items of their own.
    return (
        starts_mid_sentence
        and not LETTER_ITEM.match(line)
        and not previous.endswith((".", ":", ";"))
    )


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
