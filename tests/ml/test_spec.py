"""The risk spec: parsing, the built-in default, and which columns may be features."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.errors import RiskSpecError
from ml.spec import PORTFOLIO_SPEC, load_spec

SPEC = """
id = "issuekey"
time = "openeddate"
drop = ["notes"]
categorical = ["type"]

[targets.delay]
column = "delaydays"
threshold = 0

[targets.overrun]
actual = "actual_cost"
planned = "planned_cost"
threshold = 0.10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_parses_and_excludes_outcomes(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, SPEC))
    columns = ["issuekey", "openeddate", "notes", "type", "delaydays", "actual_cost",
               "planned_cost", "workload"]  # fmt: skip
    assert spec.feature_columns(columns) == ["type", "planned_cost", "workload"]
    assert spec.targets["delay"].definition() == "delaydays > 0"
    assert spec.targets["overrun"].kind == "ratio"


def test_default_spec_is_the_portfolio_spec() -> None:
    spec = load_spec(None)
    assert spec == PORTFOLIO_SPEC and spec is not PORTFOLIO_SPEC
    assert spec.id == "project_id" and spec.time == "start_date"
    assert spec.targets["delay"].actual == "actual_duration_months"
    assert spec.targets["overrun"].threshold == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id = 'x'\n", "targets"),
        ("[targets.delay]\nthreshold = 1\n", "either `column`"),
        ("[targets.delay]\ncolumn = 'a'\nactual = 'b'\nplanned = 'c'\n", "either `column`"),
        ("[targets.delay]\nactual = 'b'\n", "either `column`"),
        ("[targets.delay]\ncolumn = 'a'\nlimit = 3\n", "limit"),
        ("[targets.delay\n", "not valid TOML"),
    ],
)
def test_invalid_specs_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RiskSpecError, match=message):
        load_spec(write(tmp_path, text))


def test_missing_spec_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RiskSpecError, match=r"nope\.toml"):
        load_spec(tmp_path / "nope.toml")


def test_spec_columns_missing_from_the_data_are_named() -> None:
    with pytest.raises(RiskSpecError, match="'actual_cost'"):
        PORTFOLIO_SPEC.check_columns(["project_id", "start_date", "actual_duration_months",
                                      "planned_duration_months", "planned_cost"])  # fmt: skip
