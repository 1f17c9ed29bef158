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

from ml.labels import feature_label
from ml.tables import project_chunks
from ui.api.models import Lever, RiskResult
from ui.api.routes import score_with
from ui.risk_holder import LoadedModel
from ui.web.i18n import t

TARGETS = ("delay", "overrun")


@dataclass(frozen=True)
class SampleProject:
    folder: str
    name: str
    features: dict[str, Any]


def result_markdown(
    result: RiskResult,
    lang: str,
    features: int | None = None,
    spec: dict[str, Any] | None = None,
) -> str:
    """The scores in the PM's words; `spec` (the card's) gives the feature labels."""
    lines = []
    explained = False
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
            line += f" · P50 {score.p50:+.0%}{_extra(score.p50_extra, score.extra_unit, lang)}"
            line += f" · P80 {score.p80:+.0%}{_extra(score.p80_extra, score.extra_unit, lang)}"
            explained = True
        if score.no_skill:
            line += f"  \n  ⚠ {t('risk_no_skill', lang)}"
        lines.append(line)
    if explained:
        lines.append(f"\n{t('risk_quantiles_explained', lang)}")
    if result.levers:
        lines.append(f"\n**{t('risk_levers', lang)}**")
        lines += [f"- {lever_text(lever, lang, spec)}" for lever in result.levers]
    if features and result.imputed is not None and result.imputed * 2 > features:
        warning = t("risk_mostly_missing", lang, missing=result.imputed, total=features)
        lines.append(f"\n⚠ {warning}")
    return "\n".join(lines)


def lever_text(lever: Lever, lang: str, spec: dict[str, Any] | None = None) -> str:
    """"未关闭高风险数 4 → 2 ⇒ 延期概率 62%" / "open high risks 4 → 2 ⇒ Delay probability 62%"."""
    label = feature_label(lever.feature, lang, spec)
    target = t(f"target_{lever.target}", lang) if lever.target in TARGETS else lever.target
    joiner = "" if lang == "zh" else " "
    change = f"{lever.change:+.0%}" if abs(lever.change) >= 0.01 else f"{lever.change:+.1%}"
    return (
        f"{label} {lever.from_:g} → {lever.to:g} ⇒ {target}{joiner}{t('probability', lang)} "
        f"{lever.probability:.0%} ({change})"
    )


def _extra(value: float | None, unit: str | None, lang: str) -> str:
    """" (+48 天)" / " (+48 days)" / " (+12.5 万元)"; empty without a planned value."""
    if value is None or unit is None:
        return ""
    if unit == "days":
        return f" ({value:+.0f} {'天' if lang == 'zh' else 'days'})"
    return f" ({value:+.1f} 万元)"


def drivers_frame(
    result: RiskResult, top: int = 8, lang: str = "zh", spec: dict[str, Any] | None = None
) -> pd.DataFrame:
    drivers = sorted(result.drivers, key=lambda d: abs(d.effect), reverse=True)[:top]
    return pd.DataFrame(
        {
            "feature": [
                f"{feature_label(d.feature, lang, spec)} = {_shown(d.value)}" for d in drivers
            ],
            "effect": [float(d.effect) for d in drivers],
            "target": [d.target or "" for d in drivers],
        }
    )


def reliability_frame(card: dict[str, Any], lang: str) -> pd.DataFrame:
    """The card's reliability tables as points for a plot: per target and probability bin,
    the mean predicted probability, the observed rate and the number of held-out projects;
    plus the diagonal a perfectly calibrated model would follow."""
    rows: list[dict[str, Any]] = []
    targets = card.get("targets") or {}
    for name, target in targets.items() if isinstance(targets, dict) else ():
        label = t(f"target_{name}", lang) if name in TARGETS else name
        method = target.get("calibration", "")
        for b in (target.get("validation") or {}).get("calibration") or []:
            rows.append(
                {
                    "predicted": round(float(b["mean_predicted"]), 3),
                    "observed": round(float(b["observed_rate"]), 3),
                    "projects": int(b["count"]),
                    "series": f"{label} ({method})" if method else label,
                }
            )
    ideal = t("risk_reliability_ideal", lang)
    rows += [
        {"predicted": v, "observed": v, "projects": 0, "series": ideal} for v in (0.0, 1.0)
    ]
    return pd.DataFrame(rows)


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
                if score.p50 is not None and score.p80 is not None:
                    row[f"{target}_p50"] = round(score.p50, 3)
                    row[f"{target}_p80"] = round(score.p80, 3)
                if score.extra_unit is not None:
                    unit = "days" if score.extra_unit == "days" else "wan_yuan"
                    row[f"{target}_p50_{unit}"] = score.p50_extra
                    row[f"{target}_p80_{unit}"] = score.p80_extra
        top = sorted(result.drivers, key=lambda d: abs(d.effect), reverse=True)[:3]
        row["top_drivers"] = ", ".join(d.feature for d in top)
        if result.imputed is not None:
            row["missing_features"] = result.imputed
        rows.append(row)
    return pd.DataFrame(rows)


def score_csv(loaded: LoadedModel, csv_path: Path) -> pd.DataFrame:
    """Score every row of a CSV (UTF-8 or GBK, `,` or `;`) or .xlsx (its first sheet);
    RiskInputError names the row and column of a bad value."""
    wanted = {f.name for f in loaded.card.features} | {loaded.card.id_column or ""}
    chunks = [frame for _, frame in project_chunks(csv_path, wanted)]
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
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
