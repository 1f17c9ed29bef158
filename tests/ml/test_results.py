"""Scores as columns (ml.results.ScoreTable) and the contract objects built from them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml.model import RiskModel
from ml.results import ProjectRisk, TopDrivers, round4


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


def json_text(results: list) -> str:
    return json.dumps(results, ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("quantiles", [True, False])
def test_typed_results_serialise_to_the_records(
    loaded: RiskModel, new_projects, quantiles: bool
) -> None:
    """One result, two shapes: ProjectRisk.to_json() is byte for byte the contract's dict."""
    frame = new_projects.head(25).assign(project_id=[f"P{i}" for i in range(25)])
    frame.loc[3, ["spi", "cpi", "percent_complete"]] = np.nan  # NaN values among drivers
    frame.loc[4, "team_size"] = 3e17  # a value too large to round
    table = loaded.score_table(frame, quantiles=quantiles)
    typed = table.results()
    assert all(isinstance(r, ProjectRisk) for r in typed)
    assert json_text([r.to_json() for r in typed]) == json_text(table.records())


def test_a_staged_model_types_both_stages_in_input_order(loaded: RiskModel, new_projects) -> None:
    """Kick-off rows (no checkpoint value) and checkpoint rows mixed: the typed results say
    their stage and serialise to score_records' dicts, row by row."""
    assert loaded.kickoff is not None, "the portfolio spec trains a staged model"
    records = new_projects.head(6).to_dict("records")
    for record in records[::2]:
        for name in loaded.card.spec["checkpoint"]:
            record.pop(name, None)
    typed = loaded.score_results(records)
    assert [r.stage for r in typed] == ["kickoff", "checkpoint"] * 3
    assert json_text([r.to_json() for r in typed]) == json_text(loaded.score_records(records))
    frame_typed = loaded.score_frame_results(pd.DataFrame(records))
    assert [r.to_json() for r in frame_typed] == loaded.score_frame(pd.DataFrame(records))


def test_typed_results_carry_every_field_the_contract_names(
    loaded: RiskModel, new_projects
) -> None:
    (result,) = loaded.score_results([new_projects.iloc[0].to_dict() | {"project_id": "X-1"}])
    assert result.id == "X-1" and set(result.targets) == {"delay", "overrun"}
    overrun = result.targets["overrun"]
    assert 0 <= overrun.probability <= 1 and overrun.level in ("low", "medium", "high")
    assert overrun.p50 is not None and overrun.p80 is not None and overrun.p80 >= overrun.p50
    assert overrun.extra is not None and overrun.extra.unit == "万元"
    assert result.targets["delay"].extra is not None
    assert result.targets["delay"].extra.unit == "days"
    assert result.drivers and all(d.target in result.targets for d in result.drivers)
    assert result.levers is not None and all(lv.change < 0 for lv in result.levers)
    assert result.imputed == 0 and result.stage == "checkpoint"
    (empty,) = loaded.score_results([{}])
    assert loaded.kickoff is not None and empty.stage == "kickoff"
    assert empty.imputed == len(loaded.kickoff.features)  # the kick-off model scored it


def _top_drivers_straightforward(effects: list[np.ndarray], k: int) -> TopDrivers:
    """TopDrivers.of written out plainly: the strongest target of every cell at full width
    (strict >, so ties keep the earlier target), then a full stable sort by size."""
    strongest = effects[0].copy()
    which = np.zeros(strongest.shape, dtype=np.int8)
    for t, effect in enumerate(effects[1:], start=1):
        larger = np.abs(effect) > np.abs(strongest)
        strongest[larger], which[larger] = effect[larger], t
    order = np.argsort(-np.abs(strongest), axis=1, kind="stable")[:, :k]
    return TopDrivers(
        order,
        round4(np.take_along_axis(strongest, order, axis=1)),
        np.take_along_axis(which, order, axis=1),
    )


@pytest.mark.parametrize("targets", [1, 2, 3])
def test_top_drivers_equal_the_straightforward_computation(targets: int) -> None:
    """Same features, effects and targets in the same order, ties included: equal sizes in
    one row (zeros of unmoved features, isotonic steps), equal magnitudes of opposite sign
    across targets, k below, at and above the number of features."""
    rng = np.random.default_rng(targets)
    for _ in range(60):
        rows, features = int(rng.integers(1, 50)), int(rng.integers(1, 12))
        steps = rng.choice([-0.2, -0.05, 0.05, 0.1, 0.2], size=(targets, rows, features))
        effects = [
            np.where(rng.random((rows, features)) < 0.3, 0.0, rng.normal(0, 0.1, (rows, features)))
            for _ in range(targets)
        ]
        for t in range(targets):  # some cells on a few shared step values: ties everywhere
            tied = rng.random((rows, features)) < 0.4
            effects[t][tied] = steps[t][tied]
        for k in {1, 3, 5, features - 1, features, features + 2} - {0}:
            got = TopDrivers.of(effects, k)
            expected = _top_drivers_straightforward(effects, k)
            np.testing.assert_array_equal(got.feature, expected.feature)
            np.testing.assert_array_equal(got.effect, expected.effect)
            np.testing.assert_array_equal(got.target, expected.target)
            assert got.target.dtype == np.int8
