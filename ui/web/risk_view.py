"""Risk scores as the Risk tab shows them: a summary, a driver table, batch and portfolio tables.

Framework-free so the tab stays a thin layout and these can be tested directly. Results are
ml's typed `ProjectRisk`; labels, categories and the reliability table come from the model
card through ml.card's types (`ModelCard.feature_label`, `TargetCard.validation`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.record.features import DECLARED, FeatureFill, FeatureSource
from assistant.workspace_risk import ProjectScore
from ml.card import ModelCard
from ml.labels import feature_label, value_label
from ml.results import Extra, Lever, ProjectRisk
from ml.service import result_chunks
from ui.risk_holder import LoadedModel
from ui.web.i18n import TEXT, t

TARGETS = ("delay", "overrun")


@dataclass(frozen=True)
class SampleProject:
    folder: str
    name: str
    features: dict[str, Any]


def result_markdown(
    result: ProjectRisk,
    lang: str,
    features: int | None = None,
    spec: dict[str, Any] | None = None,
) -> str:
    """The scores in the PM's words; `spec` (the card's) gives the feature labels."""
    lines = []
    explained = False
    for target, score in result.targets.items():
        level = t(f"level_{score.level}", lang)
        line = (
            f"- **{target_label(target, lang)}**: {t('probability', lang)} "
            f"{score.probability:.0%} · {t('level', lang)} **{level}**"
        )
        if score.p50 is not None and score.p80 is not None:
            p50, p80 = _extras(score.extra, lang)
            line += f" · P50 {score.p50:+.0%}{p50} · P80 {score.p80:+.0%}{p80}"
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
    target = target_label(lever.target, lang)
    joiner = "" if lang == "zh" else " "
    change = f"{lever.change:+.0%}" if abs(lever.change) >= 0.01 else f"{lever.change:+.1%}"
    return (
        f"{label} {lever.before:g} → {lever.after:g} ⇒ {target}{joiner}{t('probability', lang)} "
        f"{lever.probability:.0%} ({change})"
    )


def _extras(extra: Extra | None, lang: str) -> tuple[str, str]:
    """(" (+48 天)", " (+113 天)") / " (+48 days)" / " (+12.5 万元)"; empty without a planned
    value."""
    if extra is None:
        return "", ""
    if extra.unit == "days":
        days = "天" if lang == "zh" else "days"
        return f" ({extra.p50:+.0f} {days})", f" ({extra.p80:+.0f} {days})"
    return f" ({extra.p50:+.1f} 万元)", f" ({extra.p80:+.1f} 万元)"


def drivers_frame(
    result: ProjectRisk, top: int = 8, lang: str = "zh", spec: dict[str, Any] | None = None
) -> pd.DataFrame:
    drivers = sorted(result.drivers, key=lambda d: abs(d.effect), reverse=True)[:top]
    return pd.DataFrame(
        {
            "feature": [
                f"{feature_label(d.feature, lang, spec)} = {_shown(d.value, lang, spec)}"
                for d in drivers
            ],
            "effect": [float(d.effect) for d in drivers],
            "target": [target_label(d.target, lang) for d in drivers],
        }
    )


def reliability_frame(card: ModelCard, lang: str) -> pd.DataFrame:
    """The card's reliability tables as points for a plot: per target and probability bin,
    the mean predicted probability, the observed rate and the number of held-out projects;
    plus the diagonal a perfectly calibrated model would follow."""
    rows: list[dict[str, Any]] = []
    for name, target in card.targets.items():
        label = target_label(name, lang)
        method = calibration_label(target.calibration, lang)
        rows += [
            {
                "predicted": round(b.mean_predicted, 3),
                "observed": round(b.observed_rate, 3),
                "projects": b.count,
                "series": f"{label} ({method})" if method else label,
            }
            for b in target.validation.calibration
        ]
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


def results_frame(ids: list[str], results: list[ProjectRisk]) -> pd.DataFrame:
    rows = []
    for row_id, result in zip(ids, results, strict=True):
        row: dict[str, Any] = {"id": result.id or row_id}
        for target, score in result.targets.items():
            row[f"{target}_probability"] = round(score.probability, 3)
            row[f"{target}_level"] = score.level + (" (no_skill)" if score.no_skill else "")
            if score.p50 is not None and score.p80 is not None:
                row[f"{target}_p50"] = round(score.p50, 3)
                row[f"{target}_p80"] = round(score.p80, 3)
            if score.extra is not None:
                unit = "days" if score.extra.unit == "days" else "wan_yuan"
                row[f"{target}_p50_{unit}"] = score.extra.p50
                row[f"{target}_p80_{unit}"] = score.extra.p80
        top = sorted(result.drivers, key=lambda d: abs(d.effect), reverse=True)[:3]
        row["top_drivers"] = ", ".join(d.feature for d in top)
        if result.imputed is not None:
            row["missing_features"] = result.imputed
        rows.append(row)
    return pd.DataFrame(rows)


def score_csv(loaded: LoadedModel, csv_path: Path) -> pd.DataFrame:
    """Score every row of a CSV (UTF-8 or GBK, `,` or `;`) or .xlsx (its first sheet);
    RiskInputError names the row and column of a bad value. The file reader's frames go to
    the model as they are (ml.service.result_chunks)."""
    results = [r for chunk in result_chunks(loaded.model, csv_path) for r in chunk]
    return results_frame([str(i + 1) for i in range(len(results))], results)


@dataclass(frozen=True)
class FieldFill:
    """One form field filled from a project's record: its value (None: left empty) and the
    line under it saying where the value came from, or asking for it."""

    value: Any
    info: str


def source_text(source: FeatureSource, lang: str) -> str:
    """"来自 <document> (<date>)" / "from R-01, R-05, see <document> (<date>)" / "from
    [risk_features] in <project>/project.toml"."""
    where = " ".join(p for p in (source.document, f"({source.date})" if source.date else "") if p)
    if source.detail == DECLARED:
        where = t("risk_declared", lang, document=source.document or "project.toml")
    elif source.detail and where:
        where = t("risk_counted", lang, ids=source.detail, source=where)
    return t("risk_from", lang, source=where or source.detail or "")


def form_fill(
    card: ModelCard, project: str, fill: FeatureFill, lang: str
) -> tuple[list[FieldFill], str]:
    """The form's fields (in the card's feature order) from `project`'s record, and a summary
    naming the features its documents do not give."""
    fields = []
    for feature in card.features:
        span = feature.training_range
        limits = f" · {span[0]:g} – {span[1]:g}" if span is not None else ""
        if feature.name in fill.values:
            source = source_text(fill.sources[feature.name], lang)
            fields.append(FieldFill(fill.values[feature.name], source + limits))
        else:
            fields.append(FieldFill(None, t("risk_please_fill", lang) + limits))
    missing = [f.name for f in card.features if f.name not in fill.values]
    found = len(card.features) - len(missing)
    return fields, _fill_summary(card, project, missing, found, lang)


def _fill_summary(card: ModelCard, project: str, missing: list[str], found: int, lang: str) -> str:
    lines = [t("risk_filled", lang, project=project, filled=found)]
    if missing:
        joiner = "、" if lang == "zh" else ", "
        names = joiner.join(card.feature_label(name, lang) for name in missing)
        lines.append(t("risk_missing_list", lang, count=len(missing), names=names))
    else:
        lines.append(t("risk_nothing_missing", lang))
    return "\n\n".join(lines)


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


def portfolio_frame(scores: list[ProjectScore]) -> pd.DataFrame:
    """Every ingested project scored from its own record (Workspace.score_portfolio)."""
    if not scores:
        return pd.DataFrame()
    frame = results_frame([s.project for s in scores], [s.result for s in scores])
    frame["id"] = [s.project for s in scores]
    frame.insert(1, "name", [s.name for s in scores])
    return frame


def _shown(value: Any, lang: str = "zh", spec: dict[str, Any] | None = None) -> str:
    """A driver's value: categories by their label, numbers as they are."""
    if value is None:
        return ""
    return value_label(value, lang, spec) if isinstance(value, str) else str(value)


def target_label(name: str, lang: str) -> str:
    return t(f"target_{name}", lang) if name in TARGETS else name.replace("_", " ")


def calibration_label(method: str, lang: str) -> str:
    key = f"calibration_{method}"
    return t(key, lang) if key in TEXT else method


def level_label(level: str, lang: str) -> str:
    """ "high" / "high (no_skill)" from a results table as 高 / 高（无预测力）."""
    raw, _, flag = level.partition(" ")
    text = t(f"level_{raw}", lang) if f"level_{raw}" in TEXT else raw
    return f"{text} ({t('no_skill_mark', lang)})" if flag else text


# A results table's columns (results_frame) -> how to show them: i18n key or a target's column.
_FIXED_COLUMNS = {"id": "col_id", "name": "col_name", "top_drivers": "drivers",
                  "missing_features": "col_missing"}  # fmt: skip
_TARGET_COLUMNS = {"probability": "col_probability", "level": "col_level", "p50": "col_p50",
                   "p80": "col_p80", "p50_days": "col_p50_days", "p80_days": "col_p80_days",
                   "p50_wan_yuan": "col_p50_wan", "p80_wan_yuan": "col_p80_wan"}  # fmt: skip


def column_label(column: str, lang: str) -> str:
    if column in _FIXED_COLUMNS:
        return t(_FIXED_COLUMNS[column], lang)
    target, _, rest = column.partition("_")
    if target in TARGETS and rest in _TARGET_COLUMNS:
        return t(_TARGET_COLUMNS[rest], lang, target=t(f"target_{target}", lang))
    return column.replace("_", " ")


def shown_results(
    frame: pd.DataFrame | None,
    lang: str,
    spec: dict[str, Any] | None = None,
    targets: tuple[str, ...] = TARGETS,
    *,
    named: bool = False,
) -> pd.DataFrame:
    """A results table (results_frame, or None before scoring) in the reader's language:
    headers, levels and driver names; the raw table stays for the CSV download."""
    raw = empty_results(targets, named=named) if frame is None or frame.empty else frame
    shown = raw.copy()
    joiner = "、" if lang == "zh" else ", "
    for column in shown.columns:
        if column.endswith("_level"):
            shown[column] = [level_label(str(v), lang) for v in shown[column]]
        elif column == "top_drivers":
            shown[column] = [
                joiner.join(feature_label(f, lang, spec) for f in str(v).split(", ") if f)
                for v in shown[column]
            ]
    shown.columns = [column_label(c, lang) for c in shown.columns]
    return shown
