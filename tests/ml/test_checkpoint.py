"""Plan-time and checkpoint models (issue #16.5): a spec's `checkpoint` columns are left out
of a kick-off model, which scores projects that have none of their values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from ml.model import RiskModel
from ml.persist import load_model
from ml.spec import PORTFOLIO_SPEC, load_spec
from ml.train import train_risk_model

CHECKPOINT = PORTFOLIO_SPEC.checkpoint


def _plan_only(projects: pd.DataFrame) -> pd.DataFrame:
    return projects.drop(columns=CHECKPOINT)


def test_the_portfolio_spec_trains_a_kickoff_model_without_checkpoint_columns(
    trained: RiskModel,
) -> None:
    assert trained.kickoff is not None
    kickoff_features = {f.name for f in trained.kickoff.features}
    assert kickoff_features.isdisjoint(CHECKPOINT)
    assert {"planned_duration_months", "planned_cost", "team_size", "project_type"} <= (
        kickoff_features
    )
    assert set(CHECKPOINT) <= {f.name for f in trained.features}
    card = trained.card
    assert card.stage == "checkpoint" and card.kickoff is not None
    for name in card.targets:  # both validations are in the card
        assert card.kickoff.targets[name].validation.roc_auc > 0
        assert card.targets[name].validation.roc_auc > 0
    # the checkpoint columns carry information the plan does not (generated data)
    kickoff_auc = card.kickoff.targets["delay"].validation.roc_auc
    assert card.targets["delay"].validation.roc_auc > kickoff_auc


def test_plan_only_projects_get_the_kickoff_models_probability(
    loaded: RiskModel, new_projects: pd.DataFrame
) -> None:
    plan = _plan_only(new_projects)
    results = loaded.score_frame(plan)
    assert loaded.kickoff is not None
    expected = loaded.kickoff.score_frame(plan)
    assert [r["delay"]["probability"] for r in results] == [
        r["delay"]["probability"] for r in expected
    ]
    assert {r["stage"] for r in results} == {"kickoff"}
    assert all(d["feature"] not in CHECKPOINT for r in results for d in r["drivers"])
    # the same through records, and with the checkpoint keys present but empty
    records = [{**row, **dict.fromkeys(CHECKPOINT)} for row in plan.to_dict("records")]
    assert [r["delay"]["probability"] for r in loaded.score_records(records)] == [
        r["delay"]["probability"] for r in expected
    ]


def test_projects_with_checkpoint_values_get_the_checkpoint_models_probability(
    loaded: RiskModel, new_projects: pd.DataFrame
) -> None:
    results = loaded.score_frame(new_projects)
    assert {r["stage"] for r in results} == {"checkpoint"}
    kickoff = loaded.kickoff.score_frame(new_projects)  # type: ignore[union-attr]
    differs = [
        a["delay"]["probability"] != b["delay"]["probability"]
        for a, b in zip(results, kickoff, strict=True)
    ]
    assert sum(differs) > len(results) // 2
    assert any(d["feature"] in CHECKPOINT for r in results for d in r["drivers"])


def test_a_mixed_batch_keeps_input_order_and_each_rows_model(
    loaded: RiskModel, new_projects: pd.DataFrame
) -> None:
    mixed = new_projects.copy()
    early = np.arange(len(mixed)) % 3 == 0
    mixed.loc[early, CHECKPOINT] = np.nan
    results = loaded.score_frame(mixed)
    assert [r["stage"] for r in results] == ["kickoff" if e else "checkpoint" for e in early]
    one_by_one = [loaded.score_records([row])[0] for row in mixed.to_dict("records")]
    assert [r["delay"]["probability"] for r in results] == [
        r["delay"]["probability"] for r in one_by_one
    ]
    assert [r["id"] for r in results] == mixed["project_id"].tolist()
    # a single checkpoint value is enough to be scored at the checkpoint
    row = _plan_only(new_projects).iloc[0].to_dict() | {"spi": 0.8}
    assert loaded.score_records([row])[0]["stage"] == "checkpoint"


@pytest.mark.slow  # a whole training (three candidates)
def test_a_spec_without_checkpoint_columns_trains_one_model(portfolio: pd.DataFrame) -> None:
    spec = load_spec(None).model_copy(update={"checkpoint": []})
    model = train_risk_model(portfolio.iloc[:200], spec, data_sha256="x", cv_repeats=1)
    assert model.kickoff is None and model.card.kickoff is None
    result = model.score_frame(portfolio.iloc[:3])[0]
    assert "stage" not in result
    assert {c.stage for c in model.card.columns.used} == {"plan"}


def test_the_saved_card_has_both_models_and_loads_back(model_dir: Path) -> None:
    card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    assert card["format_version"] == 3 and card["stage"] == "checkpoint"
    assert set(card["kickoff"]["targets"]) == set(card["targets"])
    assert "validation" in card["kickoff"]["targets"]["delay"]
    again = load_model(model_dir)
    assert again.kickoff is not None and again.kickoff.is_kickoff


@pytest.mark.slow  # a whole training (three candidates)
def test_a_version_2_card_without_kickoff_still_loads(tmp_path: Path, portfolio) -> None:
    from ml.persist import save_model

    spec = load_spec(None).model_copy(update={"checkpoint": []})
    model = train_risk_model(portfolio.iloc[:200], spec, cv_repeats=1)
    out = save_model(model, tmp_path / "m")
    card_path = out / "model_card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["format_version"] = 2
    del card["stage"], card["kickoff"]
    card_path.write_text(json.dumps(card), encoding="utf-8")
    assert load_model(out).kickoff is None


@pytest.mark.slow  # trains models end to end: seconds on 2 cores
def test_risk_train_json_shows_each_columns_stage_and_both_validations(
    tmp_path: Path, portfolio_csv: Path
) -> None:
    out = tmp_path / "model"
    run = CliRunner().invoke(
        app, ["risk", "train", "--data", str(portfolio_csv), "--out", str(out), "--json"]
    )
    assert run.exit_code == 0, run.output
    summary = json.loads(run.stdout)
    stages = {c["name"]: c["stage"] for c in summary["columns"]["used"]}
    for name in CHECKPOINT:
        assert stages[name] == "checkpoint"
    for name in ("planned_duration_months", "planned_cost", "team_size", "project_type"):
        assert stages[name] == "plan"
    assert set(summary["kickoff"]["targets"]) == set(summary["targets"])
    assert not set(summary["kickoff"]["features"]) & set(CHECKPOINT)
    text = CliRunner().invoke(
        app, ["risk", "train", "--data", str(portfolio_csv), "--out", str(out)]
    )
    assert text.exit_code == 0 and "kick-off model" in text.stdout
