"""Files as PMs have them (#16 point 8): GBK and BOM CSVs, `;` separators, .xlsx sheets,
dates in several forms, numbers with thousands commas, currency signs and percents; every
refusal names its row and column."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from ml.errors import RiskInputError, RiskSpecError
from ml.spec import RiskSpec, TargetSpec
from ml.train import read_training_csv, train_risk_model
from ml.xlsx import read_xlsx
from tests.ml.xlsx_writer import write_xlsx

SPEC = RiskSpec(
    id="编号", time="开始日期", targets={"delay": TargetSpec(column="延期天数", threshold=0)}
)


def past_projects(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    budget = rng.integers(200, 5000, rows)
    volatility = rng.uniform(0, 0.5, rows)
    kind = rng.choice(["系统集成", "软件开发", "运维"], rows)
    latent = volatility * 4 + budget / 3000 + (kind == "系统集成") + rng.normal(0, 0.8, rows)
    start = [
        dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in np.sort(rng.integers(0, 900, rows))
    ]
    return pd.DataFrame(
        {
            "编号": [f"XM-{i:03d}" for i in range(rows)],
            "开始日期": start,
            "类型": kind,
            "预算": budget,
            "需求变更率": volatility.round(3),
            "延期天数": np.where(latent > np.median(latent), rng.integers(5, 60, rows), 0),
        }
    )


def as_pm_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The same values written the way a PM's spreadsheet export writes them."""
    text = frame.copy()
    text["开始日期"] = [f"{d.year}年{d.month}月{d.day}日" for d in frame["开始日期"]]
    text["预算"] = [f"￥{v:,}" for v in frame["预算"]]  # the full-width sign GBK can encode
    text["需求变更率"] = [f"{v * 100:.1f}%" for v in frame["需求变更率"]]
    return text


@pytest.mark.parametrize(
    ("encoding", "sep"), [("gbk", ","), ("gb18030", ";"), ("utf-8-sig", ";"), ("utf-8", ",")]
)
def test_csv_encodings_and_separators_read_the_same_table(
    tmp_path: Path, encoding: str, sep: str
) -> None:
    frame = as_pm_text(past_projects(40))
    path = tmp_path / "past.csv"
    frame.to_csv(path, index=False, encoding=encoding, sep=sep)
    read, _ = read_training_csv(path)
    assert list(read.columns) == list(frame.columns)
    assert read["类型"].tolist() == frame["类型"].tolist()


def test_pm_written_numbers_and_dates_train_like_plain_ones(tmp_path: Path) -> None:
    plain = past_projects()
    path = tmp_path / "past.csv"
    as_pm_text(plain).to_csv(path, index=False, encoding="gbk")
    frame, _ = read_training_csv(path)
    model = train_risk_model(frame, SPEC)
    kinds = {f.name: f.kind for f in model.features}
    assert kinds["预算"] == "numeric" and kinds["需求变更率"] == "numeric"
    budget = next(f for f in model.card.features if f.name == "预算")
    assert (budget.min, budget.max) == (plain["预算"].min(), plain["预算"].max())
    rate = next(f for f in model.card.features if f.name == "需求变更率")
    assert rate.max == pytest.approx(plain["需求变更率"].max(), abs=1e-3)  # 12.5% -> 0.125
    assert model.card.targets["delay"].validation.scheme.startswith("time-ordered")


@pytest.mark.parametrize(
    ("dates", "row", "says"),
    [
        (["05/03/2024", "06/04/2024"], 1, "could be day/month or month/day"),
        (["13/03/2024", "03/14/2024"], 2, "mixes both orders"),
        (["2024-03-05", "next week"], 2, "is not a date"),
    ],
)
def test_unclear_dates_are_refused_naming_row_and_column(
    dates: list[str], row: int, says: str
) -> None:
    frame = past_projects(60)
    frame["开始日期"] = frame["开始日期"].astype(str)
    frame.loc[: len(dates) - 1, "开始日期"] = dates
    if "-" not in dates[0]:  # the whole column in the same form, the unclear rows first
        frame.loc[len(dates) :, "开始日期"] = "01/01/2024"
    with pytest.raises(RiskSpecError, match=f"row {row}, column 开始日期: .*{says}"):
        train_risk_model(frame, SPEC)


def test_day_first_column_is_read_day_first() -> None:
    from ml.dates import parse_dates

    stamps = parse_dates(pd.Series(["25/12/2023", "05/01/2024", None]), "d")
    assert stamps.dt.strftime("%Y-%m-%d").tolist()[:2] == ["2023-12-25", "2024-01-05"]


def test_a_bad_number_names_row_column_and_the_fix(tmp_path: Path) -> None:
    frame = as_pm_text(past_projects(60))
    frame.loc[7, "预算"] = "about 300"
    model = train_risk_model(as_pm_text(past_projects(60)), SPEC)
    says = r"row 8, column 预算: expected a number, got 'about 300'; write it as .*¥1,250"
    with pytest.raises(RiskInputError, match=says):
        model.score_frame(frame)


def test_xlsx_first_sheet_or_named_sheet(tmp_path: Path) -> None:
    frame = past_projects(80)
    rows = [list(frame.columns), *frame.astype(object).values.tolist()]
    path = write_xlsx(tmp_path / "past.xlsx", {"说明": [["readme"]], "项目": rows})
    with pytest.raises(RiskInputError, match="has no sheet '项目表'; its sheets: 说明, 项目"):
        read_xlsx(path, "项目表")
    read = read_xlsx(path, "项目")
    assert read["开始日期"].tolist() == [d.isoformat() for d in frame["开始日期"]]
    assert read["预算"].tolist() == frame["预算"].tolist()
    assert read_xlsx(path).columns.tolist() == ["readme"]


@pytest.mark.slow
def test_cli_trains_and_scores_from_xlsx(tmp_path: Path) -> None:
    frame = past_projects(120)
    rows = [list(frame.columns), *frame.astype(object).values.tolist()]
    data = write_xlsx(tmp_path / "past.xlsx", {"项目": rows})
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'id = "编号"\ntime = "开始日期"\n[targets.delay]\ncolumn = "延期天数"\nthreshold = 0\n',
        encoding="utf-8",
    )
    out = tmp_path / "model"
    runner = CliRunner()
    trained = runner.invoke(
        app, ["risk", "train", "--data", str(data), "--spec", str(spec), "--out", str(out)]
    )
    assert trained.exit_code == 0, trained.output
    scored = runner.invoke(
        app,
        ["risk", "score", "--model", str(out), "--input", str(data), "--sheet", "项目", "--json"],
    )
    assert scored.exit_code == 0, scored.output
    assert len(json.loads(scored.stdout)["results"]) == 120
