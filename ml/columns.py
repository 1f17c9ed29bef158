"""Which columns of the training data become features, and why the others do not.

Every column of the training file gets one line in the model card and in `risk train`'s JSON:
used (with its inferred type and stage) or excluded with a reason:

- `id`, `time`, `drop`, `outcome`: the spec says so (CONTRACT.md "Risk spec");
- `no values`: not one cell filled; `constant`: one value in every filled cell;
- `unique per row`: a text column whose every value differs (an identifier or free text);
- `leakage`: the column gives a target's outcome away (below).

Leakage. A column recorded after the fact (a status "completed late", the actual cost in another
currency, a delay in weeks) makes a model that is perfect in validation and useless on a new
project. A column is *near-certain* leakage, excluded unless the spec lists it in `keep`, when
on the training rows
- it restates an outcome column: |Spearman correlation| >= RESTATES with a target's outcome
  value or one of its outcome columns (the `planned` columns are exempt: they are known early);
- or alone it separates a target's classes almost perfectly: cross-validated single-column
  ROC AUC >= SEPARATES (numbers ranked as they are; categories by their out-of-fold rate).
A column whose name says it is recorded after the fact (status, actual, result, delta, ...)
or whose single-column AUC is >= SUSPECT is *suspected*: named in a warning, but kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ml.features import is_numeric_column, numbers_of
from ml.spec import RiskSpec

RESTATES = 0.98
SEPARATES = 0.97
SUSPECT = 0.90
UNIQUE_SHARE = 0.95
UNIQUE_MIN_ROWS = 20
AFTER_THE_FACT = re.compile(
    r"(^|[_\W])(status|state|actual|actuals|result|results|outcome|delta|variance|final|"
    r"closed|closure|overrun|slippage|late)([_\W]|$)|状态|实际|结果|偏差|超支|延期|结项",
    re.IGNORECASE,
)


class UsedColumn(BaseModel):
    name: str
    type: str
    stage: str = Field(
        "plan",
        description="`plan`: known at kick-off; `checkpoint`: known only after the project "
        "starts (the spec's `checkpoint`), used by the checkpoint model only.",
    )


class ExcludedColumn(BaseModel):
    name: str
    reason: str
    detail: str | None = None


class ColumnReport(BaseModel):
    used: list[UsedColumn] = Field(default_factory=list)
    excluded: list[ExcludedColumn] = Field(default_factory=list)


class TrainingWarning(BaseModel):
    code: str
    message: str
    columns: list[str] = Field(default_factory=list)
    target: str | None = None


@dataclass
class Screened:
    """The columns left as candidate features, and what was excluded and warned about."""

    candidates: list[str]
    excluded: list[ExcludedColumn] = field(default_factory=list)
    warnings: list[TrainingWarning] = field(default_factory=list)


def spec_exclusions(spec: RiskSpec, columns: list[str]) -> list[ExcludedColumn]:
    reasons: dict[str, str] = {}
    for target in spec.targets.values():
        for column in target.outcome_columns:
            reasons.setdefault(column, "outcome")
    for column in spec.drop:
        reasons.setdefault(column, "drop")
    if spec.time:
        reasons.setdefault(spec.time, "time")
    if spec.id:
        reasons.setdefault(spec.id, "id")
    return [ExcludedColumn(name=c, reason=reasons[c]) for c in columns if c in reasons]


def screen_columns(frame: pd.DataFrame, spec: RiskSpec, seed: int = 0) -> Screened:
    """Apply the spec, then drop empty, constant and unique-per-row columns and leakage."""
    columns = [str(c) for c in frame.columns]
    screened = Screened(candidates=[], excluded=spec_exclusions(spec, columns))
    named = {e.name for e in screened.excluded}
    for name in columns:
        if name in named:
            continue
        reason = _unusable(frame[name], name in spec.categorical)
        if reason:
            screened.excluded.append(ExcludedColumn(name=name, reason=reason))
        else:
            screened.candidates.append(name)
    _screen_leakage(frame, spec, screened, seed)
    return screened


def _unusable(column: pd.Series, categorical: bool) -> str | None:
    present = column.dropna()
    if not pd.api.types.is_numeric_dtype(column):
        present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        return "no values"
    unique = present.astype(str).nunique()
    if unique == 1:
        return "constant"
    numeric = is_numeric_column(present)
    many = len(present) >= UNIQUE_MIN_ROWS and unique >= UNIQUE_SHARE * len(present)
    if many and (categorical or not numeric):
        return "unique per row"
    return None


def _screen_leakage(frame: pd.DataFrame, spec: RiskSpec, screened: Screened, seed: int) -> None:
    exempt = {str(t.planned) for t in spec.targets.values() if t.planned}
    certain: dict[str, str] = {}
    suspected: dict[str, str] = {}
    for target_name, target in spec.targets.items():
        outcome = target.outcome(frame)
        known = outcome.notna().to_numpy()
        y_all, _ = target.labels(frame)
        y = y_all[known]
        if known.sum() < UNIQUE_MIN_ROWS or len(np.unique(y)) < 2:
            continue
        restated = [outcome[known]] + [
            pd.to_numeric(frame[c], errors="coerce")[known] for c in target.outcome_columns
        ]
        for name in screened.candidates:
            if name in exempt or name in spec.keep:
                continue
            column = frame[name][known].reset_index(drop=True)
            rho = _restates(column, [r.reset_index(drop=True) for r in restated])
            if rho is not None and rho >= RESTATES:
                certain.setdefault(name, f"restates the outcome of {target_name} (|rho| {rho:.3f})")
                continue
            auc = _single_column_auc(column, y, name in spec.categorical, seed)
            if auc >= SEPARATES:
                certain.setdefault(name, f"alone separates {target_name} (AUC {auc:.3f})")
            elif auc >= SUSPECT:
                suspected.setdefault(name, f"alone reaches AUC {auc:.3f} for {target_name}")
    for name in screened.candidates:
        if name not in certain and name not in suspected and AFTER_THE_FACT.search(name):
            suspected[name] = "its name says it is recorded after the fact"
    _apply_leakage(screened, certain, suspected, spec)


def _apply_leakage(
    screened: Screened, certain: dict[str, str], suspected: dict[str, str], spec: RiskSpec
) -> None:
    screened.candidates = [c for c in screened.candidates if c not in certain]
    for name, detail in certain.items():
        screened.excluded.append(ExcludedColumn(name=name, reason="leakage", detail=detail))
    if certain:
        names = ", ".join(certain)
        screened.warnings.append(
            TrainingWarning(
                code="leakage",
                message=(
                    f"excluded {names}: each gives the outcome away on the training data "
                    f"({'; '.join(f'{n} {d}' for n, d in certain.items())}). If it is known "
                    f"when a project is scored, keep it with `keep = [{_quoted(certain)}]` in "
                    "the spec."
                ),
                columns=list(certain),
            )
        )
    kept = [n for n in suspected if n not in spec.keep]
    if kept:
        screened.warnings.append(
            TrainingWarning(
                code="leakage",
                message=(
                    "used but suspect (may be recorded after the outcome): "
                    + "; ".join(f"{n}: {suspected[n]}" for n in kept)
                    + f". If so, list it in the spec's `drop = [{_quoted(kept)}]`."
                ),
                columns=kept,
            )
        )


def _quoted(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def finite_numbers(column: pd.Series) -> pd.Series:
    """The column as numbers, with text and +-inf as missing (coercion reports them later)."""
    numbers = numbers_of(column)
    return numbers.where(np.isfinite(numbers))


def _restates(column: pd.Series, outcomes: list[pd.Series]) -> float | None:
    numbers = finite_numbers(column)
    if numbers.notna().sum() < UNIQUE_MIN_ROWS:
        return None
    best = 0.0
    for outcome in outcomes:
        both = numbers.notna() & outcome.notna()
        if both.sum() < UNIQUE_MIN_ROWS or numbers[both].nunique() < 3:
            continue
        rho = numbers[both].rank().corr(outcome[both].rank())
        if np.isfinite(rho):
            best = max(best, abs(float(rho)))
    return best


def _single_column_auc(column: pd.Series, y: np.ndarray, categorical: bool, seed: int) -> float:
    """max(AUC, 1 - AUC) of the column alone on held-out folds (missing as its own value)."""
    numbers = finite_numbers(column)
    if not categorical and numbers.notna().sum() == column.notna().sum():
        filled = numbers.fillna(numbers.min() - 1 if numbers.notna().any() else 0).to_numpy()
        auc = float(roc_auc_score(y, filled))
        return max(auc, 1 - auc)
    smallest = int(np.bincount(y).min())
    if smallest < 2:
        return 0.5
    text = column.astype(str).where(column.notna(), "\0missing").to_numpy()
    score = np.empty(len(y))
    folds = StratifiedKFold(n_splits=min(5, smallest), shuffle=True, random_state=seed)
    prior = float(y.mean())
    for fit, held in folds.split(text, y):
        rates = pd.Series(y[fit]).groupby(text[fit]).mean()
        score[held] = pd.Series(text[held]).map(rates).fillna(prior).to_numpy()
    auc = float(roc_auc_score(y, score))
    return max(auc, 1 - auc)
