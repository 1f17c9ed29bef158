"""Levers (#16 point 6) and feature labels (#16 point 9)."""

from __future__ import annotations

import pytest

from ml.labels import feature_label
from ml.model import RiskModel


def project(new_projects, **changes):
    record = new_projects.iloc[0].to_dict()
    record.update(changes)
    return record


def test_levers_are_the_probability_after_a_realistic_change(
    trained: RiskModel, new_projects
) -> None:
    record = project(new_projects, open_high_risks=5, requirement_volatility=0.6)
    (result,) = trained.score_records([record])
    levers = result["levers"]
    assert levers, "a risky project has something to act on"
    assert [v["change"] for v in levers] == sorted(v["change"] for v in levers)
    for lever in levers:
        assert lever["change"] < 0
        moved = {**record, lever["feature"]: lever["to"]}
        (after,) = trained.score_records([moved])
        expected = pytest.approx(lever["probability"], abs=1e-4)
        assert after[lever["target"]]["probability"] == expected
        now = result[lever["target"]]["probability"]
        assert lever["change"] == pytest.approx(lever["probability"] - now, abs=2e-4)
    risks = [v for v in levers if v["feature"] == "open_high_risks"]
    assert risks and risks[0]["from"] == 5 and risks[0]["to"] == 3  # the spec's step: close 2


def test_a_project_at_its_best_has_no_levers(trained: RiskModel, new_projects) -> None:
    low = {f.min for f in trained.card.features if f.name == "open_high_risks"}.pop()
    record = project(
        new_projects,
        open_high_risks=low,
        change_requests=0,
        staff_turnover=None,
        requirement_volatility=None,
        team_size=None,
    )
    (result,) = trained.score_records([record])
    assert all(v["feature"] != "open_high_risks" for v in result["levers"])


def test_labels_come_from_the_spec_then_the_built_ins() -> None:
    spec = {"labels": {"risk_count": ["风险数", "risk count"]}}
    assert feature_label("risk_count", "zh", spec) == "风险数"
    assert feature_label("risk_count", "en", spec) == "risk count"
    assert feature_label("open_high_risks", "zh") == "未关闭高风险数"
    assert feature_label("open_high_risks", "en") == "open high risks"
    assert feature_label("unknown_col", "zh") == "unknown_col"
