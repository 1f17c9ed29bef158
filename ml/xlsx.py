"""Read the first (or a named) sheet of an .xlsx workbook into a DataFrame, with the standard
library only (an .xlsx is a zip of XML parts; no extra dependency for one read-only table).

Cells keep their meaning: shared and inline strings are text, numbers are numbers, cells
formatted as dates become ISO dates (YYYY-MM-DD, from Excel's day serials), booleans 1/0,
error cells (#N/A) empty. The first row is the header. A workbook is untrusted input: parts
with a DOCTYPE (entity expansion) and archives that inflate beyond MAX_BYTES are refused.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd

from ml.errors import RiskInputError

MAX_BYTES = 500 * 1024 * 1024
NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57, 58}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def read_xlsx(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """The sheet as a frame (first sheet when `sheet` is None); RiskInputError if unreadable."""
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_BYTES:
                raise _error(path, f"it inflates to more than {MAX_BYTES // 2**20} MB")
            parts = _Parts(archive, path)
            rows = parts.rows(parts.sheet_path(sheet))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise _error(path, f"it is not a readable .xlsx workbook ({exc})") from None
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    header = [
        str(v) if v is not None else f"column_{i + 1}"
        for i, v in enumerate(rows[0] + [None] * (width - len(rows[0])))
    ]
    body = [r + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header)


def _error(path: Path, why: str) -> RiskInputError:
    return RiskInputError(None, None, f"{path}: {why}; save the sheet as CSV UTF-8 instead")


class _Parts:
    def __init__(self, archive: zipfile.ZipFile, path: Path) -> None:
        self.archive = archive
        self.path = path
        names = set(archive.namelist())
        self.strings = self._shared_strings() if "xl/sharedStrings.xml" in names else []
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else set()

    def xml(self, name: str) -> ElementTree.Element:
        data = self.archive.read(name)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise _error(self.path, f"its part {name} declares a DOCTYPE")
        return ElementTree.fromstring(data)

    def sheet_path(self, sheet: str | None) -> str:
        workbook = self.xml("xl/workbook.xml")
        sheets = [
            (s.get("name", ""), s.get(f"{{{NS['r']}}}id", ""))
            for s in workbook.iterfind("m:sheets/m:sheet", NS)
        ]
        if not sheets:
            raise _error(self.path, "it has no sheet")
        chosen = sheets[0] if sheet is None else next((s for s in sheets if s[0] == sheet), None)
        if chosen is None:
            names = ", ".join(name for name, _ in sheets)
            raise RiskInputError(
                None, None, f"{self.path} has no sheet {sheet!r}; its sheets: {names}"
            )
        rels = self.xml("xl/_rels/workbook.xml.rels")
        target = next(r.get("Target", "") for r in rels if r.get("Id") == chosen[1])
        target = target.lstrip("/")
        return target if target.startswith("xl/") else f"xl/{target}"

    def _shared_strings(self) -> list[str]:
        root = self.xml("xl/sharedStrings.xml")
        return ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]

    def _date_styles(self) -> set[int]:
        root = self.xml("xl/styles.xml")
        custom = {
            int(f.get("numFmtId", "0"))
            for f in root.iterfind("m:numFmts/m:numFmt", NS)
            if re.search(r"[yd]", re.sub(r"\[[^\]]*\]|\"[^\"]*\"", "", f.get("formatCode", "")))
        }
        dates = DATE_FORMAT_IDS | custom
        return {
            i
            for i, xf in enumerate(root.iterfind("m:cellXfs/m:xf", NS))
            if int(xf.get("numFmtId", "0")) in dates
        }

    def rows(self, sheet_path: str) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for row in self.xml(sheet_path).iterfind("m:sheetData/m:row", NS):
            values: list[Any] = []
            for cell in row.iterfind("m:c", NS):
                match = CELL_REF.match(cell.get("r", ""))
                column = _column_index(match.group(1)) if match else len(values)
                values += [None] * (column - len(values))
                values.append(self._value(cell))
            rows.append(values)
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return rows

    def _value(self, cell: ElementTree.Element) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
        raw = cell.findtext("m:v", default=None, namespaces=NS)
        if raw is None or kind == "e":
            return None
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "d"):
            return raw
        if kind == "b":
            return int(raw == "1")
        number = float(raw)
        if int(cell.get("s", "0")) in self.date_styles:
            return (EXCEL_EPOCH + dt.timedelta(days=number)).date().isoformat()
        return int(number) if number.is_integer() else number


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1
