"""Scores as columns (ml.results.ScoreTable) and the contract objects built from them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.model import RiskModel
from ml.results import TopDrivers, round4


def test_the_records_are_the_table_row_by_row(loaded: RiskModel, new_projects) -> None:
    frame = new_projects.head(20).assign(project_id=[f"P{i}" for i in range(20)])
    table = loaded.score_table(frame)
    records = table.records()
    assert len(table) == len(records) == 20
    assert records == loaded.score_frame(frame)
    names = [f.name for f in loaded.features]
    assert table.drivers is not None
    for i, record in enumerate(records):
        assert record["id"] == table.ids[i]
        for target, scores in table.targets.items():
            assert record[target]["probability"] == round4(scores.probability[i])
            assert record[target]["level"] == scores.level[i]
        listed = table.drivers.listed[i]
        assert [d["feature"] for d in record["drivers"]] == [
            names[j] for j in table.drivers.feature[i][listed]
        ]
        assert [d["effect"] for d in record["drivers"]] == table.drivers.effect[i][listed].tolist()
        assert [d["target"] for d in record["drivers"]] == [
            loaded.target_names[t] for t in table.drivers.target[i][listed]
        ]


def test_an_empty_frame_scores_to_an_empty_table(loaded: RiskModel, new_projects) -> None:
    table = loaded.score_table(new_projects.head(0))
    assert len(table) == 0
    assert table.records() == []


def test_each_feature_is_listed_once_with_its_strongest_target() -> None:
    delay = np.array([[0.30, -0.02, 0.10, 0.0], [0.0, 0.0, 0.0, 0.0]])
    overrun = np.array([[-0.05, -0.40, 0.10, 0.0], [0.0, 0.00002, 0.0, -0.2]])
    top = TopDrivers.of([delay, overrun], k=3)
    # row 0: feature 1 from overrun (-0.40), 0 from delay (0.30), then the tie at 0.10 on
    # feature 2 keeps the earlier target (delay)
    assert top.feature[0].tolist() == [1, 0, 2]
    assert top.effect[0].tolist() == [-0.4, 0.3, 0.1]
    assert top.target[0].tolist() == [1, 0, 0]
    # row 1: 0.00002 rounds to 0 and is not listed; the zero effects are not listed either
    assert top.feature[1][top.listed[1]].tolist() == [3]
    assert top.listed[1].tolist() == [True, False, False]


def test_the_table_keeps_the_input_values_of_listed_drivers(loaded: RiskModel) -> None:
    reference = {f.name: f.reference for f in loaded.card.features}
    unusual = pd.DataFrame([{**reference, "team_size": 400.123456, "spi": np.nan}])
    (record,) = loaded.score_table(unusual).records()
    values = {d["feature"]: d["value"] for d in record["drivers"]}
    assert values.get("team_size") == 400.1235  # rounded like every number in the output
    assert "spi" not in values or values["spi"] is None  # NaN is JSON null, never NaN
