"""The two things callers do with the risk model, as plain functions (CLI, demo, REST).

`train_to_dir(data, spec_path, out)` trains on a CSV and saves the model; it returns the
summary CONTRACT.md specifies for `risk train --json`. `score_file(model, path)` scores a CSV
or JSON file of projects; `score_chunks` streams the contract's dicts and `result_chunks` the
typed results (ml.results.ProjectRisk) of a file of any size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from ml.card import ModelCard
from ml.errors import RiskInputError
from ml.model import RiskModel
from ml.persist import save_model
from ml.results import ProjectRisk
from ml.spec import load_spec
from ml.tables import CHUNK_ROWS, project_chunks
from ml.train import read_training_csv, train_risk_model

R = TypeVar("R")  # a result shape: the contract's dict or ProjectRisk


def train_to_dir(
    data: Path, spec_path: Path | None, out: Path, seed: int = 0, sheet: str | None = None
) -> dict[str, Any]:
    """Train on `data` (CSV or .xlsx `sheet`) with the spec (None = built-in portfolio spec),
    save to `out`."""
    frame, sha256 = read_training_csv(data, sheet)
    model = train_risk_model(frame, load_spec(spec_path), data_sha256=sha256, seed=seed)
    save_model(model, out)
    return training_summary(model, out)


def training_summary(model: RiskModel, model_dir: Path) -> dict[str, Any]:
    """{"model_dir", "rows", "features", "targets": {name: {positives, rows, validation}}};
    a staged model (spec `checkpoint`) adds "kickoff": the kick-off model's features and
    targets, validated the same way (None when not staged)."""
    card = model.card
    kickoff = None
    if card.kickoff is not None:
        kickoff = {
            "features": [f.name for f in card.kickoff.features],
            "targets": _target_summaries(card.kickoff),
        }
    return {
        "model_dir": str(model_dir),
        "rows": card.rows,
        "features": [f.name for f in card.features],
        "columns": card.columns.model_dump(mode="json"),
        "warnings": [w.model_dump(mode="json") for w in card.warnings],
        "targets": _target_summaries(card),
        "kickoff": kickoff,
    }


def _target_summaries(card: ModelCard) -> dict[str, Any]:
    targets = {}
    for name, target in card.targets.items():
        validation = target.validation.model_dump(mode="json", exclude={"calibration"})
        targets[name] = {
            "positives": target.positives,
            "rows": target.rows,
            "model": target.model,
            "no_skill": target.no_skill,
            "validation": validation,
        }
    return targets


def score_file(model: RiskModel, path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """Results for every project in a CSV, .xlsx or JSON file, in file order (all in memory:
    for files of any size use `score_chunks`)."""
    return [result for chunk in score_chunks(model, path, sheet=sheet) for result in chunk]


def score_chunks(
    model: RiskModel, path: Path, chunk_rows: int = CHUNK_ROWS, sheet: str | None = None
) -> Iterator[list[dict[str, Any]]]:
    """The results of a CSV or JSON file, `chunk_rows` projects at a time, in file order:
    memory stays bounded whatever the file's size. Errors name the row in the whole file."""
    return _file_chunks(model.score_frame, model, path, chunk_rows, sheet)


def result_chunks(
    model: RiskModel, path: Path, chunk_rows: int = CHUNK_ROWS, sheet: str | None = None
) -> Iterator[list[ProjectRisk]]:
    """`score_chunks` as typed results (ml.results.ProjectRisk): the Risk tab's upload and
    the terminal table read these; `--json` streams `score_chunks`' dicts."""
    return _file_chunks(model.score_frame_results, model, path, chunk_rows, sheet)


def _file_chunks(
    score: Callable[[pd.DataFrame], list[R]], model: RiskModel, path: Path, chunk_rows: int,
    sheet: str | None,
) -> Iterator[list[R]]:  # fmt: skip
    wanted = {f.name for f in model.features} | {model.card.id_column or ""}
    for first, frame in project_chunks(path, wanted, chunk_rows, sheet):
        try:
            yield score(frame)
        except RiskInputError as exc:
            row = exc.row + first - 1 if exc.row is not None else None
            raise RiskInputError(row, exc.column, exc.message) from None
