"""Training guards itself (#16 points 1-3): every column is reported used or excluded with a
reason, leaked columns are flagged and excluded, a model without skill says so everywhere,
small data and duplicate ids warn, and `--strict` makes warnings fatal."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from ml.model import RiskModel
from ml.spec import load_spec
from ml.synth import generate_portfolio
from ml.train import train_risk_model


def leaky_portfolio() -> pd.DataFrame:
    frame = generate_portfolio(240, seed=5)
    ratio = frame["actual_cost"] / frame["planned_cost"] - 1
    frame["cost_variance_pct"] = (ratio * 100).round(2)  # restates the overrun outcome
    late = frame["actual_duration_months"] > frame["planned_duration_months"] * 1.1
    frame["closing_status"] = np.where(late, "completed late", "completed")  # spells it out
    frame["notes"] = [f"weekly note {i}" for i in range(len(frame))]
    frame["region"] = "east"
    frame["sponsor"] = None
    frame.loc[[10, 11], "project_id"] = "P-DUP"
    return frame


@pytest.fixture(scope="module")
def leaky_model() -> RiskModel:
    return train_risk_model(leaky_portfolio(), load_spec(None))


def warnings_of(model: RiskModel, code: str):
    return [w for w in model.card.warnings if w.code == code]


def test_every_column_is_used_or_excluded_with_a_reason(leaky_model: RiskModel) -> None:
    report = leaky_model.card.columns
    used = {c.name: c.type for c in report.used}
    excluded = {c.name: c.reason for c in report.excluded}
    assert set(used) | set(excluded) == set(leaky_portfolio().columns)
    assert not set(used) & set(excluded)
    assert excluded["project_id"] == "id" and excluded["start_date"] == "time"
    assert excluded["actual_cost"] == "outcome" and excluded["actual_duration_months"] == "outcome"
    assert excluded["notes"] == "unique per row"
    assert excluded["region"] == "constant" and excluded["sponsor"] == "no values"
    assert used["planned_cost"] == "numeric" and used["project_type"] == "categorical"
    assert sorted(used) == sorted(f.name for f in leaky_model.card.features)


def test_leaked_columns_are_named_and_excluded(leaky_model: RiskModel) -> None:
    excluded = {c.name: c for c in leaky_model.card.columns.excluded}
    assert excluded["cost_variance_pct"].reason == "leakage"
    assert excluded["closing_status"].reason == "leakage"
    (warning,) = [w for w in warnings_of(leaky_model, "leakage") if "excluded" in w.message]
    assert set(warning.columns) == {"cost_variance_pct", "closing_status"}
    assert "keep = [" in warning.message  # says how to keep them
    assert max(t.validation.roc_auc for t in leaky_model.card.targets.values()) < 0.99


@pytest.mark.slow  # trains models end to end: seconds on 2 cores
def test_spec_keep_keeps_a_flagged_column(tmp_path: Path) -> None:
    spec = load_spec(None).model_copy(update={"keep": ["cost_variance_pct"]})
    model = train_risk_model(leaky_portfolio().drop(columns=["closing_status"]), spec)
    assert "cost_variance_pct" in [f.name for f in model.card.features]


def test_duplicate_ids_warn_naming_the_id(leaky_model: RiskModel) -> None:
    (warning,) = warnings_of(leaky_model, "duplicate_ids")
    assert "P-DUP" in warning.message and warning.columns == ["project_id"]


@pytest.mark.slow  # trains models end to end: seconds on 2 cores
def test_a_target_without_signal_is_no_skill_everywhere() -> None:
    frame = generate_portfolio(240, seed=6)
    rng = np.random.default_rng(0)
    # The outcome is a coin toss: nothing in the columns can predict it.
    frame["actual_duration_months"] = frame["planned_duration_months"] * rng.choice(
        [1.0, 1.5], len(frame)
    )
    model = train_risk_model(frame, load_spec(None))
    assert model.card.targets["delay"].no_skill
    # the checkpoint model's own warning; the kick-off model (plan columns only, 240 rows)
    # warns for itself, its message says so
    early = "kick-off model:"
    (warning,) = [w for w in warnings_of(model, "no_skill") if not w.message.startswith(early)]
    assert warning.target == "delay" and "no information" in warning.message
    kickoff = [w.target for w in warnings_of(model, "no_skill") if w.message.startswith(early)]
    assert "delay" in kickoff
    result = model.score_frame(frame.head(2))[0]
    assert result["delay"]["no_skill"] is True
    assert "no_skill" not in result["overrun"]  # the other target has skill
    assert not model.card.targets["overrun"].no_skill


@pytest.mark.slow  # trains models end to end: seconds on 2 cores
def test_small_data_warns() -> None:
    model = train_risk_model(generate_portfolio(60, seed=7), load_spec(None))
    assert {w.target for w in warnings_of(model, "small_data")} == {"delay", "overrun"}


@pytest.mark.slow
def test_cli_reports_columns_and_strict_exits_2(tmp_path: Path) -> None:
    data = tmp_path / "past.csv"
    leaky_portfolio().to_csv(data, index=False)
    out = tmp_path / "model"
    args = ["risk", "train", "--data", str(data), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    excluded = {c["name"]: c["reason"] for c in summary["columns"]["excluded"]}
    assert excluded["cost_variance_pct"] == "leakage"
    assert {"leakage", "duplicate_ids"} <= {w["code"] for w in summary["warnings"]}
    shown = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "cost_variance_pct" in shown.stdout and "excluded: leakage" in shown.stdout
    assert "warning [leakage]" in shown.stdout
    strict = CliRunner().invoke(app, [*args, "--strict"])
    assert strict.exit_code == 2
    assert "--strict" in strict.output
