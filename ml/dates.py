"""Dates as PMs write them: 2024-03-05, 2024/3/5, 2024.03.05, 2024年3月5日 (year first: never
ambiguous), and 05/03/2024 or 3.5.2024 (year last: day and month order is decided per column).

A year-last column is read day-first when some row has a first part above 12, month-first
when some row has a second part above 12. When no row decides it (every part <= 12), or rows
decide it both ways, the column is refused naming an example row: a silent guess would shift
those dates by months.
"""

from __future__ import annotations

import re

import pandas as pd

from ml.errors import RiskInputError

YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
YEAR_LAST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:[ T].*)?$")


def parse_dates(values: pd.Series, column: str) -> pd.Series:
    """Timestamps (NaT where empty); RiskInputError naming row and column otherwise."""
    text = values.astype(object).where(values.notna(), None)
    parts: list[tuple[int, int, int] | None] = []
    year_last: list[tuple[int, int, int]] = []  # (row, first, second)
    for row, value in enumerate(text.tolist()):
        if value is None or (isinstance(value, str) and not value.strip()):
            parts.append(None)
            continue
        if isinstance(value, pd.Timestamp):
            parts.append((value.year, value.month, value.day))
            continue
        cell = str(value).strip()
        if match := YEAR_FIRST.match(cell):
            y, m, d = (int(g) for g in match.groups())
            parts.append((y, m, d))
        elif match := YEAR_LAST.match(cell):
            a, b, y = (int(g) for g in match.groups())
            parts.append((y, a, b))  # placeholder order, fixed below
            year_last.append((row, a, b))
        else:
            raise RiskInputError(
                row + 1, column, f"{cell!r} is not a date; write it as YYYY-MM-DD (2024-03-05)"
            )
    if year_last:
        day_first = _day_first(year_last, column, text)
        for row, a, b in year_last:
            y = parts[row][0]  # type: ignore[index]
            parts[row] = (y, b, a) if day_first else (y, a, b)
    return _timestamps(parts, column, text)


def _day_first(rows: list[tuple[int, int, int]], column: str, text: pd.Series) -> bool:
    day_first = [r for r, a, _ in rows if a > 12]
    month_first = [r for r, _, b in rows if b > 12]
    if day_first and month_first:
        raise RiskInputError(
            month_first[0] + 1,
            column,
            f"{text.iloc[month_first[0]]!r} is month/day but row {day_first[0] + 1} "
            f"({text.iloc[day_first[0]]!r}) is day/month: the column mixes both orders; "
            "write every date as YYYY-MM-DD",
        )
    if not day_first and not month_first:
        row = rows[0][0]
        raise RiskInputError(
            row + 1,
            column,
            f"{text.iloc[row]!r} could be day/month or month/day and no row of the column "
            "tells which; write the dates as YYYY-MM-DD",
        )
    return bool(day_first)


def _timestamps(parts: list[tuple[int, int, int] | None], column: str, text: pd.Series):
    stamps = []
    for row, part in enumerate(parts):
        if part is None:
            stamps.append(pd.NaT)
            continue
        try:
            stamps.append(pd.Timestamp(year=part[0], month=part[1], day=part[2]))
        except ValueError:
            raise RiskInputError(
                row + 1, column, f"{text.iloc[row]!r} is not a valid date (YYYY-MM-DD)"
            ) from None
    return pd.Series(pd.to_datetime(stamps), index=text.index)
