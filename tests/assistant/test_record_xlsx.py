"""Excel out and back in: a register exported to .xlsx, ingested again, reads back as the same
items; spreadsheet-active text is stored as plain text (issue #15 point 5)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from assistant.drafts.models import Citation
from assistant.errors import AssistantError
from assistant.factory import open_index
from assistant.record import build_register, documents_of
from assistant.record.export import write_register_xlsx
from assistant.record.models import HistoryEntry, RecordItem, Register
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace

CITE = Citation(source="w.md", page=None, text="x")


def item(kind: str, own: str, text: str, **fields: object) -> RecordItem:
    return RecordItem(kind=kind, id=own, own_id=True, text=text, citations=[CITE],  # type: ignore[arg-type]
                      history=[HistoryEntry(date="2026-04-10", status=None, source="w.md")],
                      **fields)  # fmt: skip


REGISTER = Register(project="p", as_of="2026-04-20", items=[
    item("action", "A-14", "确认割接当晚业务验证清单", owner="周敏", due="2026-04-15",
         status="未开始"),
    item("action", "A-15", "=cmd|' /C calc'!A0", owner="@evil", due="2026-04-16",
         status="In progress"),
    item("risk", "R-05", "割接窗口不足", probability="低", impact="高", owner="刘洋"),
    item("milestone", "M2", "开发完成", planned="2026-03-20", forecast="2026-03-31",
         slip_days=11),
])  # fmt: skip


def test_dangerous_cells_are_text(tmp_path: Path) -> None:
    path = write_register_xlsx(REGISTER, tmp_path / "register.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["action"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["ID", "Action", "Owner", "Due", "Status"]
    assert values[2][1] == "'=cmd|' /C calc'!A0" and values[2][2] == "'@evil"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert book["milestone"]["F2"].value == 11  # numbers stay numbers


def test_export_refuses_another_suffix(tmp_path: Path) -> None:
    with pytest.raises(AssistantError, match=r"\.xlsx"):
        write_register_xlsx(REGISTER, tmp_path / "register.csv")


def test_round_trip_through_ingest(tmp_path: Path) -> None:
    folder = tmp_path / "docs" / "p"
    write_register_xlsx(REGISTER, folder / "2026-04-20-register.xlsx")
    settings = Settings(workspace=tmp_path / "ws")
    assert not ingest_into_workspace(settings, [tmp_path / "docs"]).failed
    index = open_index(settings)
    try:
        docs = documents_of(index.manifest.records().values())
        again = build_register(docs[0].project, docs, index.store, as_of="2026-12-31")
    finally:
        index.close()
    found = {(i.kind, i.id): i for i in again.items if i.own_id}
    a14 = found[("action", "A-14")]
    assert (a14.text, a14.owner, a14.due, a14.status) == (
        "确认割接当晚业务验证清单", "周敏", "2026-04-15", "未开始",
    )  # fmt: skip
    assert found[("risk", "R-05")].probability == "低"
    m2 = found[("milestone", "M2")]
    assert (m2.planned, m2.forecast, m2.slip_days) == ("2026-03-20", "2026-03-31", 11)
