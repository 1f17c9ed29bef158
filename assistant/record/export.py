"""A register as an .xlsx workbook: one sheet per kind, headers the extractor reads back.

Spreadsheet cells are data: a value starting with = + - @ (or a tab / carriage return) is
stored as text behind an apostrophe, so no formula, DDE call or link comes from a document."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.record.models import KINDS, RecordItem, Register

# (header, field) per kind; the headers are the ones register tables use, so an exported
# register ingested again reads back as the same items.
SHEETS: dict[str, tuple[tuple[str, str], ...]] = {
    "action": (("ID", "id"), ("Action", "text"), ("Owner", "owner"), ("Due", "due"),
               ("Status", "status")),
    "decision": (("ID", "id"), ("Decision", "text"), ("Owner", "owner")),
    "risk": (("ID", "id"), ("Risk", "text"), ("Probability", "probability"),
             ("Impact", "impact"), ("Response", "response"), ("Owner", "owner"),
             ("Status", "status")),
    "issue": (("ID", "id"), ("Issue", "text"), ("Owner", "owner"), ("Due", "due"),
              ("Status", "status")),
    "change": (("ID", "id"), ("Change", "text"), ("Status", "status")),
    "milestone": (("ID", "id"), ("Milestone", "text"), ("Planned", "planned"),
                  ("Forecast", "forecast"), ("Actual", "actual"), ("Slip (days)", "slip_days"),
                  ("Status", "status")),
}  # fmt: skip
TRAILER = (("First seen", "first_seen"), ("Last seen", "last_seen"), ("Source", "source"))
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would run is kept as plain text."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(DANGEROUS_START) else text


def _value(item: RecordItem, field: str) -> Any:
    if field == "id":
        return item.id if item.own_id else ""
    if field == "source":
        return item.citations[-1].source if item.citations else ""
    return getattr(item, field)


def write_register_xlsx(register: Register, path: Path) -> Path:
    """Write the register to `path` (.xlsx) atomically; one sheet per kind present."""
    import openpyxl  # deferred: only an export needs it

    if path.suffix.lower() != ".xlsx":
        raise AssistantError(f"{path}: the register export is an .xlsx file; name it *.xlsx.")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for kind in KINDS:
        items = register.of_kind(kind)
        if not items:
            continue
        sheet = book.create_sheet(kind)
        columns = SHEETS[kind] + TRAILER
        sheet.append([header for header, _ in columns])
        for item in items:
            sheet.append([safe_cell(_value(item, field)) for _, field in columns])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
    if not book.worksheets:
        book.create_sheet("empty")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".xlsx.tmp")
    os.close(handle)
    try:
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
