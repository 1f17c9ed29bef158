"""Document type, date and project of a file, from front matter, its path or its text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath

from ingest.model import DocType

# Every document type's name in Chinese and English, for menus and tables (DocType, in
# ingest.model, is the list of types; this is the only place that names them for people).
DOC_TYPE_LABELS: dict[str, tuple[str, str]] = {
    DocType.REQUIREMENTS.value: ("需求文档", "Requirements"),
    DocType.MEETING_NOTES.value: ("会议纪要", "Meeting notes"),
    DocType.POSTMORTEM.value: ("复盘报告", "Post-mortem"),
    DocType.OTHER.value: ("其他", "Other"),
}

# Order matters only when one name matches several types: the earliest match in the name wins.
_TYPE_PATTERNS: dict[DocType, re.Pattern[str]] = {
    DocType.POSTMORTEM: re.compile(
        r"复盘|事后|事故报告|故障报告|post[-_ ]?mortem|retrospective|(?<![a-z])incident",
        re.IGNORECASE,
    ),
    DocType.MEETING_NOTES: re.compile(
        r"会议纪要|纪要|会议记录|例会|(?<![a-z])minutes|(?<![a-z])meeting", re.IGNORECASE
    ),
    DocType.REQUIREMENTS: re.compile(
        r"需求|规格|(?<![a-z])requirements?(?![a-z])|(?<![a-z])specs?(?![a-z])|specification"
        r"|(?<![a-z])srs(?![a-z])|(?<![a-z])prd(?![a-z])|(?<![a-z])frs(?![a-z])",
        re.IGNORECASE,
    ),
}
_TEXT_SCAN_CHARS = 400


def doc_type_of(source: str, front_matter: dict[str, str], text: str) -> str:
    """requirements / meeting_notes / postmortem / other.

    Front matter (`doc_type:` or `type:`) wins, then the file name, then its folders from
    the nearest up, then the title area of the text.
    """
    for key in ("doc_type", "type", "category"):
        value = front_matter.get(key, "").strip().lower()
        if value in {t.value for t in DocType}:
            return value
        if value and (found := _type_in(value)):
            return found
    path = PurePosixPath(source)
    for name in [path.stem, *reversed(path.parent.parts)]:
        if found := _type_in(name):
            return found
    return _type_in(text[:_TEXT_SCAN_CHARS]) or DocType.OTHER.value


def _type_in(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for doc_type, pattern in _TYPE_PATTERNS.items():
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), doc_type.value)
    return best[1] if best else None


_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DATE_PATTERNS = [
    # 2024-03-05, 2024/3/5, 2024.03.05, 2024_03_05
    (re.compile(r"(?<!\d)(\d{4})[-/._](\d{1,2})[-/._](\d{1,2})(?!\d)"), (1, 2, 3)),
    # 2024年3月5日
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), (1, 2, 3)),
    # 20240305 (only in names and when it is a plausible date)
    (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"), (1, 2, 3)),
    # March 5, 2024
    (
        re.compile(r"\b([A-Z][a-z]{2})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"),
        (3, 1, 2),
    ),
    # 5 March 2024
    (re.compile(r"\b(\d{1,2})\s+([A-Z][a-z]{2})[a-z]*\.?,?\s+(\d{4})\b"), (3, 2, 1)),
]
_TEXT_DATE_LINES = 15


def date_of(source: str, front_matter: dict[str, str], text: str) -> str | None:
    """ISO date: front matter `date:`, else a date in the file name, else in the first lines."""
    if found := find_date(front_matter.get("date", "")):
        return found
    if found := find_date(PurePosixPath(source).name):
        return found
    head = "\n".join(text.lstrip().split("\n")[:_TEXT_DATE_LINES])
    return find_date(head)


def find_date(text: str) -> str | None:
    """The first valid date in `text` as YYYY-MM-DD (years 1990-2100)."""
    candidates: list[tuple[int, str]] = []
    for pattern, (yi, mi, di) in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            month_text = match.group(mi)
            month = _MONTHS.get(month_text.lower()[:3]) if month_text.isalpha() else int(month_text)
            if month is None:
                continue
            try:
                day = dt.date(int(match.group(yi)), month, int(match.group(di)))
            except ValueError:
                continue
            if 1990 <= day.year <= 2100:
                candidates.append((match.start(), day.isoformat()))
                break
    return min(candidates)[1] if candidates else None


def project_of(source: str, front_matter: dict[str, str], explicit: str | None) -> str:
    """--project, else the first folder under the ingested root, else front matter, else
    "default" (CONTRACT.md)."""
    if explicit:
        return explicit
    parts = PurePosixPath(source).parts
    if len(parts) > 1:
        return parts[0]
    return front_matter.get("project", "").strip() or "default"


def date_as_int(date: str | None) -> int | None:
    """YYYYMMDD as an int, so stores can filter date ranges with $gte/$lte."""
    return int(date.replace("-", "")) if date else None
