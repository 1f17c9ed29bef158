"""`risk score` streams a CSV in chunks (#17 point 14): the same results as scoring it whole,
errors naming the row in the whole file, bounded JSON input, one valid JSON document."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ml.tables
from assistant.cli import app
from ml.errors import RiskInputError
from ml.model import RiskModel
from ml.service import score_chunks


@pytest.fixture()
def big_csv(tmp_path: Path, new_projects: pd.DataFrame) -> Path:
    frame = pd.concat([new_projects] * 5, ignore_index=True)  # 150 rows
    frame["project_id"] = [f"Q{i:04d}" for i in range(len(frame))]
    frame["notes"] = "x" * 200  # a column the model does not use is not read
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    return path


def test_chunks_give_the_results_of_the_whole_file(loaded: RiskModel, big_csv: Path) -> None:
    chunks = list(score_chunks(loaded, big_csv, chunk_rows=40))
    assert [len(c) for c in chunks] == [40, 40, 40, 30]
    whole = loaded.score_frame(pd.read_csv(big_csv))
    assert [r for c in chunks for r in c] == whole


def test_an_error_in_a_later_chunk_names_its_row_in_the_file(
    loaded: RiskModel, big_csv: Path
) -> None:
    frame = pd.read_csv(big_csv)
    frame["team_size"] = frame["team_size"].astype(object)
    frame.loc[96, "team_size"] = "many"  # file row 97 (1-based, header not counted)
    frame.to_csv(big_csv, index=False)
    with pytest.raises(RiskInputError) as caught:
        for _ in score_chunks(loaded, big_csv, chunk_rows=40):
            pass
    assert (caught.value.row, caught.value.column) == (97, "team_size")


def test_json_input_above_the_limit_is_refused(
    loaded: RiskModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"team_size": 5}] * 100), encoding="utf-8")
    monkeypatch.setattr(ml.tables, "MAX_JSON_BYTES", 100)
    with pytest.raises(RiskInputError, match="give the projects as CSV"):
        list(score_chunks(loaded, path))


def test_cli_json_is_one_document_with_every_project(model_dir: Path, big_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["risk", "score", "--model", str(model_dir), "--input", str(big_csv), "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["model"] == str(model_dir)
    assert [r["id"] for r in document["results"]] == [f"Q{i:04d}" for i in range(150)]


def test_cli_table_counts_levels_over_every_chunk(model_dir: Path, big_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["risk", "score", "--model", str(model_dir), "--input", str(big_csv)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "50 more projects not shown" in result.stdout
    assert "(all 150 projects)" in result.stdout
