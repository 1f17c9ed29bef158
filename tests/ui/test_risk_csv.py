"""The Risk tab's scored CSV (uploaded CSV -> score_csv -> write_csv, as the tab does it)
cannot carry a formula from the upload into the reader's spreadsheet (#17 point 5)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ml.export import write_csv
from ui.risk_holder import RiskModelHolder
from ui.web.risk_view import score_csv

IDS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/")', "+1", "-1", "@SUM(A1)"]


def test_scored_csv_neutralises_uploaded_ids(model_dir: Path, tmp_path: Path) -> None:
    upload = tmp_path / "upload.csv"
    pd.DataFrame({"key": IDS, "team_size": 8, "project_type": "erp"}).to_csv(upload, index=False)
    frame = score_csv(RiskModelHolder(model_dir).current(), upload)
    assert frame["id"].tolist() == IDS  # the table shows the ids as they are
    out = write_csv(frame, tmp_path / "scored.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert [c for c in cells if c[:1] in "=+-@"] == []
    assert [c for c in cells if c.startswith("'")] == ["'" + i for i in IDS]


def test_gbk_semicolon_upload_is_read(model_dir: Path, tmp_path: Path) -> None:
    upload = tmp_path / "upload.csv"
    frame = pd.DataFrame({"key": ["项目甲", "项目乙"], "team_size": [8, 30], "project_type": "erp"})
    frame.to_csv(upload, index=False, sep=";", encoding="gbk")
    scored = score_csv(RiskModelHolder(model_dir).current(), upload)
    assert scored["id"].tolist() == ["项目甲", "项目乙"]
