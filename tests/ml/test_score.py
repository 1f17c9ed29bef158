"""Scoring: results shaped as the contract, levels, quantiles, and every bad-input case."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml.errors import RiskInputError
from ml.model import RiskModel
from ml.tables import read_projects


def test_results_follow_the_contract_in_input_order(loaded: RiskModel, new_projects) -> None:
    results = loaded.score_frame(new_projects)
    assert [r["id"] for r in results] == new_projects["project_id"].tolist()
    for result in results:
        assert set(result) == {"id", "delay", "overrun", "drivers", "levers", "imputed", "stage"}
        for name in ("delay", "overrun"):
            target = result[name]
            levels = loaded.card.targets[name].levels
            p = target["probability"]
            assert 0.0 <= p <= 1.0
            expected = "high" if p >= levels.high else "medium" if p >= levels.medium else "low"
            assert target["level"] == expected
            assert target["p50"] <= target["p80"]
        assert 1 <= len(result["drivers"]) <= 5
    json.dumps(results)  # plain JSON: no numpy scalars, no NaN


def test_levels_and_quantiles_follow_risk(loaded: RiskModel, new_projects) -> None:
    calm = new_projects.head(1).assign(spi=1.1, cpi=1.1, requirement_volatility=0.02,
                                       open_high_risks=0, staff_turnover=0.0)  # fmt: skip
    troubled = new_projects.head(1).assign(spi=0.6, cpi=0.55, requirement_volatility=0.6,
                                           open_high_risks=8, staff_turnover=0.4)  # fmt: skip
    low, high = loaded.score_frame(pd.concat([calm, troubled], ignore_index=True))
    for name in ("delay", "overrun"):
        assert high[name]["probability"] > low[name]["probability"] + 0.3
        assert high[name]["p80"] > low[name]["p80"]
    assert high["overrun"]["level"] == "high"


def test_score_records_matches_score_frame(loaded: RiskModel, new_projects) -> None:
    records = json.loads(new_projects.head(5).to_json(orient="records"))
    assert loaded.score_records(records) == loaded.score_frame(new_projects.head(5))


def test_unknown_columns_are_ignored_and_missing_features_are_missing(
    loaded: RiskModel, new_projects
) -> None:
    base = loaded.score_frame(new_projects.head(3))
    extra = loaded.score_frame(new_projects.head(3).assign(favourite_colour="blue"))
    assert extra == base
    partial = loaded.score_frame(new_projects.head(3).drop(columns=["spi", "industry"]))
    assert [r["id"] for r in partial] == [r["id"] for r in base]
    assert partial[0]["delay"]["probability"] != base[0]["delay"]["probability"]
    only_one = loaded.score_records([{"team_size": 12}])[0]
    assert only_one["id"] is None and 0 <= only_one["delay"]["probability"] <= 1


def test_unknown_category_and_nan_are_treated_as_missing(loaded: RiskModel, new_projects) -> None:
    row = new_projects.head(1)
    as_missing = loaded.score_frame(row.assign(industry=None, spi=np.nan))
    unknown = loaded.score_frame(row.assign(industry="space_mining", spi="NaN"))
    assert unknown[0]["delay"] == as_missing[0]["delay"]
    assert unknown[0]["overrun"] == as_missing[0]["overrun"]


def test_json_numbers_and_words_are_accepted(loaded: RiskModel, new_projects) -> None:
    record = json.loads(new_projects.head(1).to_json(orient="records"))[0]
    texts = {k: str(v) for k, v in record.items()}
    texts["new_technology"] = "yes" if record["new_technology"] else "no"
    assert loaded.score_records([texts]) == loaded.score_records([record])
    record["new_technology"] = bool(record["new_technology"])
    assert loaded.score_records([record])[0]["delay"]["probability"] >= 0


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("team_size", "abc", "row 3, column team_size: expected a number, got 'abc'"),
        ("spi", float("inf"), "row 3, column spi: infinite value"),
        ("cpi", "-inf", "row 3, column cpi: infinite value"),
        ("new_technology", "maybe", "row 3, column new_technology: expected true/false"),
        ("new_technology", 2, "row 3, column new_technology: expected true/false"),
        ("planned_cost", [1, 2], "row 3, column planned_cost: expected a number"),
    ],
)
def test_bad_values_name_row_and_column(
    loaded: RiskModel, new_projects, column: str, value: object, message: str
) -> None:
    records = json.loads(new_projects.head(4).to_json(orient="records"))
    records[2][column] = value
    with pytest.raises(RiskInputError, match=message.replace("(", r"\(")) as caught:
        loaded.score_records(records)
    assert caught.value.row == 3 and caught.value.column == column


def test_input_files_csv_and_both_json_shapes(tmp_path: Path, new_projects) -> None:
    csv = tmp_path / "p.csv"
    new_projects.head(3).to_csv(csv, index=False)
    records = json.loads(new_projects.head(3).to_json(orient="records"))
    listed, wrapped = tmp_path / "list.json", tmp_path / "wrapped.json"
    listed.write_text(json.dumps(records), encoding="utf-8")
    wrapped.write_text(json.dumps({"projects": records}), encoding="utf-8")
    for path in (csv, listed, wrapped):
        assert read_projects(path)["project_id"].tolist() == ["P0001", "P0002", "P0003"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"project": {}}', "expected a list of project objects"),
        ("[1, 2]", "row 1: expected an object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_json_documents_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RiskInputError, match=message):
        read_projects(path)
    with pytest.raises(RiskInputError, match="does not exist"):
        read_projects(tmp_path / "missing.csv")


def test_empty_input_gives_no_results(loaded: RiskModel) -> None:
    assert loaded.score_records([]) == []


def test_scoring_never_modifies_the_callers_frame(loaded: RiskModel, new_projects) -> None:
    frame = new_projects.head(5).copy()
    frame.loc[1, "industry"] = None
    before = frame.copy()
    loaded.score_frame(frame)
    loaded.score_frame(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_p50_p80_are_the_cards_table_at_the_calibrated_probability(
    loaded: RiskModel, new_projects
) -> None:
    table = loaded.card.targets["overrun"].quantiles
    assert table is not None and len(table.p50) == len(table.edges) + 1 >= 2
    for result in loaded.score_frame(new_projects):
        p = result["overrun"]["probability"]
        bucket = sum(p >= edge for edge in table.edges)  # edges are sorted upper bounds
        assert result["overrun"]["p50"] == round(table.p50[bucket], 4)
        assert result["overrun"]["p80"] == round(table.p80[bucket], 4)


def test_quantiles_can_be_left_out(loaded: RiskModel, new_projects) -> None:
    result = loaded.score_frame(new_projects.head(2), quantiles=False)[0]
    assert set(result["overrun"]) == {"probability", "level"}


def test_the_p50_p80_table_is_validated_on_held_out_projects(loaded: RiskModel) -> None:
    for name in ("delay", "overrun"):
        q = loaded.card.targets[name].quantiles
        assert q is not None and q.validation_rows == 80  # the latest 20% of 400
        assert q.p50_coverage is not None and q.p80_coverage is not None
        assert 0.25 <= q.p50_coverage <= 0.75 and q.p80_coverage > q.p50_coverage
        assert q.p50_pinball is not None and q.unconditional_p50_pinball is not None
        # Conditioning on the risk must help the upper quantile (where overruns live).
        assert q.p80_pinball is not None and q.unconditional_p80_pinball is not None
        assert q.p80_pinball < q.unconditional_p80_pinball
        assert all(a <= b for a, b in zip(q.p50, q.p80, strict=True))
