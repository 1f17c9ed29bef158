"""What a question points at: a document's date ("3月27日例会", "the May 2025 meeting",
"2024-03-27") or its meeting number ("第66次会议" finds "六十六次会议纪要").

Words alone do not find such a document: every set of minutes says 会议 and its date sits in
the metadata or the title, written in another form. Here the question's pointers are read in
both languages and compared with each chunk's date and title number, normalised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.retrieval.ranking import chunk_column
from ingest.model import Chunk

_MONTHS = {
    m: i
    for i, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")),
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH = r"(?P<month_name>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DATE_PATTERNS = [
    re.compile(rf"{_YEAR}\s*[-/.年]\s*(?P<month>\d{{1,2}})\s*[-/.月]\s*(?P<day>\d{{1,2}})"),
    re.compile(rf"{_YEAR}(?P<month>[01]\d)(?P<day>[0-3]\d)(?!\d)"),
    re.compile(rf"{_YEAR}\s*年\s*(?P<month>\d{{1,2}})\s*月(?!\s*\d)"),
    re.compile(r"(?<![\d年])(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]"),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
]
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER = "零〇一二两三四五六七八九十百"
_NUMBER = rf"([{_CN_NUMBER}]+|\d{{1,4}})"
# "第66次", "六十六次会议": a bare "一次" or "两次" counts nothing
_MEETING_NUMBER = re.compile(rf"第\s*{_NUMBER}\s*次|{_NUMBER}\s*次(?=会|例会|全体会)")


_STATUS = re.compile(
    r"进度|进展|状态|当前|目前|现在|最新|最近|\bSPI\b|\bCPI\b|\bstatus\b|\blatest\b|\bcurrent(?:ly)?\b"
    r"|\bnow\b|\bprogress\b",
    re.I,
)


# "有状态副本集" is a StatefulSet, "无状态服务" a stateless service: the 状态 in them asks for
# no status, so they are blanked before the search (a "状态" beside them still counts). The
# answer side's wrapper (answer_direct.is_status_question) does the same and can become this.
_NOT_STATUS = re.compile(r"有状态|无状态|\bstateful\b|\bstateless\b", re.I)


def is_status_question(question: str) -> bool:
    """进度, SPI, 当前, latest, now ...: the newest dated document answers it."""
    return _STATUS.search(_NOT_STATUS.sub(" ", question)) is not None


@dataclass(frozen=True, slots=True)
class Pointers:
    """Dates as ISO prefixes ("2024-03-27", "2025-05", or "-03-27" for a day without year)
    and meeting numbers found in a question."""

    dates: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.dates or self.numbers)


def chinese_number(text: str) -> int | None:
    """六十六 -> 66, 四十三 -> 43, 十四 -> 14, 一百零二 -> 102; digits as they are."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def meeting_number(text: str) -> int | None:
    match = _MEETING_NUMBER.search(text)
    return chinese_number(match.group(1) or match.group(2)) if match else None


def find_pointers(question: str) -> Pointers:
    dates: list[str] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(question):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue  # a longer form already read this text
            if (iso := _iso(match.groupdict())) is not None:
                dates.append(iso)
                taken.append(match.span())
    found = (chinese_number(m.group(1) or m.group(2)) for m in _MEETING_NUMBER.finditer(question))
    numbers = [n for n in found if n]
    return Pointers(tuple(dict.fromkeys(dates)), tuple(dict.fromkeys(numbers)))


def _iso(parts: dict[str, str | None]) -> str | None:
    month = int(parts["month"] or 0) if parts.get("month") else None
    if parts.get("month_name"):
        month = _MONTHS[str(parts["month_name"]).lower().rstrip(".")]
    if month is None or not 1 <= month <= 12:
        return None
    day = int(parts["day"] or 0) if parts.get("day") else None
    if day is not None and not 1 <= day <= 31:
        return None
    year = parts.get("year") or ""
    if not year and day is None:
        return None
    return f"{year}-{month:02d}" + (f"-{day:02d}" if day is not None else "")


class ChunkPointers:
    """Each chunk's date and the meeting number in its title, as arrays, built once per
    index; `matches` says which chunks a question's pointers point at."""

    def __init__(self, chunks: Sequence[Chunk]):
        dates = [d or "" for d in chunk_column(chunks, "date")]
        self.dates = np.array(dates, dtype=str)
        self.month_days = np.array([d[4:] for d in dates], dtype=str)
        # a document's chunks share its title: each distinct one is read once
        titles: dict[str, int] = {}
        self.numbers = np.array(
            [_title_number(h.split(">")[0], titles) for h in chunk_column(chunks, "heading")],
            dtype=np.int32,
        )
        # position in its document, so a document's opening chunks come first among equals
        self.order = np.array(chunk_column(chunks, "chunk_index"), dtype=np.float32)

    def newest_first(self, candidates: np.ndarray) -> np.ndarray:
        """`candidates` (chunk indices) ordered by their document's date, newest first,
        undated last; the order among equal dates is kept."""
        dates = self.dates[candidates]
        order = np.argsort(np.where(dates == "", "0000", dates), kind="stable")[::-1]
        return candidates[order]

    def matches(self, pointers: Pointers) -> np.ndarray:
        hit = np.zeros(len(self.dates), dtype=bool)
        for date in pointers.dates:
            if date.startswith("-"):  # a day without its year: "3月27日"
                hit |= self.month_days == date
            else:
                hit |= np.char.startswith(self.dates, date)
        for number in pointers.numbers:
            hit |= self.numbers == number
        return hit


def _title_number(title: str, seen: dict[str, int]) -> int:
    if title not in seen:
        seen[title] = meeting_number(title) or -1
    return seen[title]


def points_at(pointers: Pointers, chunk: Chunk) -> bool:
    """Does the chunk's document carry a date or meeting number the question names?"""
    date = chunk.date or ""
    for wanted in pointers.dates:
        if (date[4:] == wanted) if wanted.startswith("-") else date.startswith(wanted):
            return True
    number = meeting_number(chunk.heading.split(">")[0])
    return number is not None and number in pointers.numbers
