"""What training checks and warns about: enough rows, small data, duplicate ids, no skill, and
the report of every column (used or excluded, and why)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.card import TargetCard
from ml.columns import ColumnReport, ExcludedColumn, TrainingWarning, UsedColumn
from ml.errors import RiskSpecError
from ml.features import Feature
from ml.spec import RiskSpec

MIN_ROWS = 30
MIN_PER_CLASS = 5
SMALL_DATA_ROWS = 100
SMALL_DATA_POSITIVES = 20


def column_report(
    columns: list[str],
    features: list[Feature],
    excluded: list[ExcludedColumn],
    checkpoint: list[str] | None = None,
) -> ColumnReport:
    """Every column of the file in its order: used (type, stage: "checkpoint" for the
    spec's checkpoint columns, else "plan") or excluded (reason)."""
    late = set(checkpoint or ())
    kinds = {f.name: f.kind for f in features}
    reasons = {e.name: e for e in excluded}
    report = ColumnReport()
    for name in columns:
        if name in kinds:
            stage = "checkpoint" if name in late else "plan"
            report.used.append(UsedColumn(name=name, type=kinds[name], stage=stage))
        else:
            report.excluded.append(
                reasons.get(name) or ExcludedColumn(name=name, reason="no values")
            )
    return report


def data_warnings(frame: pd.DataFrame, spec: RiskSpec) -> list[TrainingWarning]:
    """`duplicate_ids` (the same id on several rows) and `small_data` per target."""
    warnings = []
    if spec.id:
        ids = frame[spec.id].dropna().astype(str)
        repeated = ids[ids.duplicated(keep=False)]
        if len(repeated):
            examples = ", ".join(repeated.unique()[:5])
            warnings.append(
                TrainingWarning(
                    code="duplicate_ids",
                    message=f"{repeated.nunique()} ids appear on more than one row "
                    f"(e.g. {examples}): the same project counted twice makes validation "
                    "optimistic; remove the duplicates.",
                    columns=[spec.id],
                )
            )
    for name, target in spec.targets.items():
        y, known = target.labels(frame)
        rows, positives = int(known.sum()), int(y[known].sum())
        fewer = min(positives, rows - positives)
        if rows < SMALL_DATA_ROWS or fewer < SMALL_DATA_POSITIVES:
            warnings.append(
                TrainingWarning(
                    code="small_data",
                    message=f"target {name}: {rows} rows with a known outcome, {fewer} in the "
                    f"smaller class; below {SMALL_DATA_ROWS} rows or {SMALL_DATA_POSITIVES} per "
                    "class the validation is too uncertain to trust.",
                    target=name,
                )
            )
    return warnings


def skill_warning(name: str, target: TargetCard) -> TrainingWarning:
    v = target.validation
    auc = f"{v.roc_auc_interval[0]:.3f}-{v.roc_auc_interval[1]:.3f}" if v.roc_auc_interval else "?"
    gain = v.brier_gain_interval
    gained = f"{gain[0]:+.4f} to {gain[1]:+.4f}" if gain else "?"
    return TrainingWarning(
        code="no_skill",
        message=f"target {name}: held-out ROC AUC {v.roc_auc:.3f} (95% interval {auc}), Brier "
        f"gain over the class prior {gained}: not clearly better than the prior, so its "
        "probabilities carry no information about a project; do not use them to rank projects.",
        target=name,
    )


def check_enough(name: str, y: np.ndarray) -> None:
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if len(y) < MIN_ROWS:
        raise RiskSpecError(
            f"target {name}: only {len(y)} rows have a known outcome; at least {MIN_ROWS} "
            "past projects are needed to train and validate a model"
        )
    if min(positives, negatives) < MIN_PER_CLASS:
        which = "positive" if positives < negatives else "negative"
        raise RiskSpecError(
            f"target {name}: {positives} positive and {negatives} negative rows; at least "
            f"{MIN_PER_CLASS} {which} rows are needed (check the threshold in the spec)"
        )

