"""Risk scores as the Risk tab shows them: a summary, a driver table, batch and portfolio tables.

Framework-free so the tab stays a thin layout and these can be tested directly.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ui.api import score_with
from ui.api_models import RiskResult
from ui.i18n import t
from ui.risk_holder import LoadedModel

TARGETS = ("delay", "overrun")


@dataclass(frozen=True)
class SampleProject:
    folder: str
    name: str
    features: dict[str, Any]


def result_markdown(result: RiskResult, lang: str) -> str:
    lines = []
    for target in TARGETS:
        score = getattr(result, target)
        if score is None:
            continue
        level = t(f"level_{score.level}", lang)
        line = (
            f"- **{t(f'target_{target}', lang)}**: {t('probability', lang)} "
            f"{score.probability:.0%} · {t('level', lang)} **{level}** ({score.level})"
        )
        if score.p50 is not None and score.p80 is not None:
            line += f" · P50 {score.p50:+.0%} · P80 {score.p80:+.0%}"
        if score.no_skill:
            line += f"  \n  ⚠ {t('risk_no_skill', lang)}"
        lines.append(line)
    return "\n".join(lines)


def drivers_frame(result: RiskResult, top: int = 8) -> pd.DataFrame:
    drivers = sorted(result.drivers, key=lambda d: abs(d.effect), reverse=True)[:top]
    return pd.DataFrame(
        {
            "feature": [f"{d.feature} = {_shown(d.value)}" for d in drivers],
            "effect": [float(d.effect) for d in drivers],
            "target": [d.target or "" for d in drivers],
        }
    )


def empty_results(targets: tuple[str, ...], *, named: bool = False) -> pd.DataFrame:
    """The shape of a results table before anything is scored (so headers show)."""
    columns = ["id", *(["name"] if named else [])]
    for target in targets:
        columns += [f"{target}_probability", f"{target}_level"]
    return pd.DataFrame(columns=[*columns, "top_drivers"])


def results_frame(ids: list[str], results: list[RiskResult]) -> pd.DataFrame:
    rows = []
    for row_id, result in zip(ids, results, strict=True):
        row: dict[str, Any] = {"id": result.id or row_id}
        for target in TARGETS:
            score = getattr(result, target)
            if score is not None:
                row[f"{target}_probability"] = round(score.probability, 3)
                row[f"{target}_level"] = score.level + (" (no_skill)" if score.no_skill else "")
        top = sorted(result.drivers, key=lambda d: abs(d.effect), reverse=True)[:3]
        row["top_drivers"] = ", ".join(d.feature for d in top)
        rows.append(row)
    return pd.DataFrame(rows)


def score_csv(loaded: LoadedModel, csv_path: Path) -> pd.DataFrame:
    """Score every row of a CSV (RiskInputError names the row and column of a bad value)."""
    frame = pd.read_csv(csv_path)
    records = [
        {key: _missing_as_none(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    results = score_with(loaded, records)
    return results_frame([str(i + 1) for i in range(len(records))], results)


def sample_projects(samples_dir: Path) -> list[SampleProject]:
    """The sample projects' current features from data/samples/<project>/project.toml."""
    projects = []
    for toml_path in sorted(samples_dir.glob("*/project.toml")):
        with toml_path.open("rb") as handle:
            meta = tomllib.load(handle)
        features = meta.get("risk_features")
        if isinstance(features, dict):
            name = str(meta.get("name") or toml_path.parent.name)
            projects.append(SampleProject(toml_path.parent.name, name, features))
    return projects


def portfolio_frame(loaded: LoadedModel, projects: list[SampleProject]) -> pd.DataFrame:
    if not projects:
        return pd.DataFrame()
    results = score_with(loaded, [dict(p.features) for p in projects])
    frame = results_frame([p.folder for p in projects], results)
    frame["id"] = [p.folder for p in projects]
    frame.insert(1, "name", [p.name for p in projects])
    return frame


def _missing_as_none(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _shown(value: Any) -> str:
    return "" if value is None else str(value)
