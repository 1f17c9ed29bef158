"""`pmassist risk train|score` through the real CLI: JSON documents and user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from assistant.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_train_then_score_as_json(tmp_path: Path, portfolio_csv: Path, new_projects) -> None:
    out = tmp_path / "model"
    trained = runner.invoke(
        app, ["risk", "train", "--data", str(portfolio_csv), "--out", str(out), "--json"]
    )
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["model_dir"] == str(out) and summary["rows"] == 400
    assert "actual_cost" not in summary["features"]
    for target in summary["targets"].values():
        assert {"positives", "rows", "validation"} <= set(target)
        assert {"scheme", "roc_auc", "brier", "baseline_roc_auc"} <= set(target["validation"])
    projects = tmp_path / "projects.json"
    projects.write_text(new_projects.head(4).to_json(orient="records"), encoding="utf-8")
    scored = runner.invoke(
        app, ["risk", "score", "--model", str(out), "--input", str(projects), "--json"]
    )
    assert scored.exit_code == 0, scored.output
    document = json.loads(scored.stdout)
    assert document["model"] == str(out)
    assert [r["id"] for r in document["results"]] == ["P0001", "P0002", "P0003", "P0004"]


def test_default_model_dir_is_in_the_workspace(
    tmp_path: Path, model_dir: Path, new_projects
) -> None:
    csv = tmp_path / "p.csv"
    new_projects.head(2).to_csv(csv, index=False)
    workspace = tmp_path / "ws"
    (workspace / "models").mkdir(parents=True)
    (workspace / "models" / "risk").symlink_to(model_dir)
    result = runner.invoke(
        app, ["risk", "score", "--input", str(csv), "--workspace", str(workspace)]
    )
    assert result.exit_code == 0, result.output
    assert "P0001" in result.stdout


def test_user_errors_exit_2_with_the_reason(tmp_path: Path, model_dir: Path, new_projects) -> None:
    bad = tmp_path / "bad.csv"
    new_projects.head(3).assign(team_size=["8", "many", "9"]).to_csv(bad, index=False)
    result = runner.invoke(app, ["risk", "score", "--model", str(model_dir), "--input", str(bad)])
    assert result.exit_code == 2
    assert "row 2, column team_size: expected a number, got 'many'" in result.output
    missing = runner.invoke(
        app, ["risk", "score", "--model", str(tmp_path / "none"), "--input", str(bad)]
    )
    assert missing.exit_code == 2 and "pmassist risk train" in missing.output
    tiny = tmp_path / "tiny.csv"
    pd.read_csv(bad).head(3).to_csv(tiny, index=False)
    refused = runner.invoke(
        app, ["risk", "train", "--data", str(tiny), "--out", str(tmp_path / "m")]
    )
    assert refused.exit_code == 2 and "no column 'actual_duration_months'" in refused.output


def test_a_large_batch_prints_the_first_rows_and_the_levels_of_all(
    tmp_path: Path, model_dir: Path
) -> None:
    from assistant.cli.risk_cmd import TABLE_ROWS
    from ml.synth import OUTCOME_COLUMNS, generate_portfolio

    many = generate_portfolio(TABLE_ROWS + 20, seed=5).drop(columns=list(OUTCOME_COLUMNS))
    csv = tmp_path / "many.csv"
    many.to_csv(csv, index=False)
    result = runner.invoke(app, ["risk", "score", "--model", str(model_dir), "--input", str(csv)])
    assert result.exit_code == 0, result.output
    shown = many["project_id"].tolist()
    assert shown[TABLE_ROWS - 1] in result.stdout and shown[TABLE_ROWS] not in result.stdout
    assert "20 more projects not shown (--json has all)." in result.stdout
    scored = runner.invoke(
        app, ["risk", "score", "--model", str(model_dir), "--input", str(csv), "--json"]
    )
    for target in ("delay", "overrun"):
        levels = [r[target]["level"] for r in json.loads(scored.stdout)["results"]]
        counts = ", ".join(f"{levels.count(lv)} {lv}" for lv in ("high", "medium", "low"))
        assert f"{target}: {counts} (all {TABLE_ROWS + 20} projects)" in result.stdout
