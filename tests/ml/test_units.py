"""P50/P80 in the PM's units and the count of empty features (#16 point 7)."""

from __future__ import annotations

import pytest

from ml.model import RiskModel


def test_p50_p80_are_also_extra_days_and_wan_yuan(trained: RiskModel, new_projects) -> None:
    frame = new_projects.head(5)
    for row, result in zip(frame.itertuples(), trained.score_frame(frame), strict=True):
        delay, overrun = result["delay"], result["overrun"]
        assert delay["extra_unit"] == "days" and overrun["extra_unit"] == "万元"
        months = row.planned_duration_months
        assert delay["p50_extra"] == pytest.approx(delay["p50"] * months * 30.44, abs=0.2)
        assert delay["p80_extra"] == pytest.approx(delay["p80"] * months * 30.44, abs=0.2)
        assert overrun["p80_extra"] == pytest.approx(overrun["p80"] * row.planned_cost, abs=0.2)


def test_without_a_planned_value_there_is_no_extra(trained: RiskModel) -> None:
    (result,) = trained.score_records([{"team_size": 8}])
    assert "p50" in result["delay"] and "p50_extra" not in result["delay"]


def test_imputed_counts_the_empty_features(trained: RiskModel) -> None:
    features = len(trained.features)
    empty, some = trained.score_records([{}, {"team_size": 8, "spi": 0.9, "industry": "finance"}])
    # nothing known at the checkpoint: the kick-off model scores it, over its own features
    assert trained.kickoff is not None
    assert empty["stage"] == "kickoff" and empty["imputed"] == len(trained.kickoff.features)
    assert some["stage"] == "checkpoint" and some["imputed"] == features - 3
