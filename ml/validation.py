"""Validation schemes and the metrics that go into the model card.

- time-ordered (the spec names a time column): train on the earliest 80% of rows, test on the
  latest 20%; the candidate model is chosen on an inner split of the training part (earliest
  80% of it vs its latest 20%), so the reported test score is not the one used to choose.
- otherwise repeated stratified k-fold (5 x 5, fewer repeats on large data); every candidate
  sees the same folds and the higher mean held-out ROC AUC is chosen (the card says so).
ROC AUC chooses; each candidate's calibration is chosen before by Brier (ml.calibration).
Choosing by Brier instead was measured (bench/results/risk_h12_notes.md): on the JIRA moodle
project the inner split's Brier chose the logistic model, whose test AUC and Brier (0.990 /
0.0216) were both worse than the boosting's (0.997 / 0.0099); log-loss chose Kitchenham's
overrun boosting model (AUC 0.638, Brier 0.174) over the logistic one (0.674 / 0.171).
Metrics: ROC AUC, Brier score, a 10-bin calibration table; against the class prior (AUC 0.5,
Brier p(1-p)) and the logistic regression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline

TIME_TEST_SHARE = 0.2

MakeModel = Callable[[str, int], Pipeline]  # (candidate name, training rows) -> unfitted
# (candidate name, training row indices) -> sample weights for the model step, or None
Weights = Callable[[str, np.ndarray], np.ndarray | None]


class CalibrationBin(BaseModel):
    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


class Scores(BaseModel):
    roc_auc: float
    brier: float


class Validation(BaseModel):
    """What the card records for one target (CONTRACT.md keys first)."""

    scheme: str
    roc_auc: float
    brier: float
    baseline_roc_auc: float
    baseline_brier: float
    logistic_roc_auc: float
    logistic_brier: float
    test_rows: int
    folds: int
    candidates: dict[str, Scores]
    calibration: list[CalibrationBin]
    roc_auc_interval: list[float] | None = Field(
        None, description="95% bootstrap interval of the chosen model's held-out ROC AUC."
    )
    brier_gain_interval: list[float] | None = Field(
        None,
        description="95% bootstrap interval of the class prior's Brier minus the model's "
        "(above 0: the probabilities are better than the base rate).",
    )

    def no_skill(self) -> bool:
        """Not clearly better than the class prior: either interval reaches 0.5 / 0."""
        auc, gain = self.roc_auc_interval, self.brier_gain_interval
        return auc is None or gain is None or auc[0] <= 0.5 or gain[0] <= 0.0


@dataclass
class Pooled:
    """Out-of-sample predictions per candidate, pooled over folds."""

    y: list[np.ndarray] = field(default_factory=list)
    prior: list[np.ndarray] = field(default_factory=list)
    scores: dict[str, list[float]] = field(default_factory=dict)
    predictions: dict[str, list[np.ndarray]] = field(default_factory=dict)
    first_pass: int = 1  # how many of the folds make one pass over the rows


INTERVAL_ROUNDS = 200
INTERVAL_ROWS = 20_000


def skill_intervals(
    ys: list[np.ndarray], ps: list[np.ndarray], priors: list[np.ndarray], seed: int = 0
) -> tuple[list[float] | None, list[float] | None]:
    """95% bootstrap intervals of the pooled ROC AUC and of the Brier gain over the class
    prior (prior Brier - model Brier, paired on the same resampled rows; at most
    INTERVAL_ROWS rows per resample)."""
    y, p, prior = np.concatenate(ys), np.concatenate(ps), np.concatenate(priors)
    if len(np.unique(y)) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    size = min(len(y), INTERVAL_ROWS)
    aucs, gains = [], []
    for _ in range(INTERVAL_ROUNDS):
        rows = rng.integers(0, len(y), size)
        if 0 < y[rows].sum() < size:
            aucs.append(roc_auc_score(y[rows], p[rows]))
            gains.append(np.mean((prior[rows] - y[rows]) ** 2 - (p[rows] - y[rows]) ** 2))
    if not aucs:
        return None, None

    def interval(values: list[float]) -> list[float]:
        low, high = np.percentile(values, [2.5, 97.5])
        return [round(float(low), 4), round(float(high), 4)]

    return interval(aucs), interval(gains)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[CalibrationBin]:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            table.append(
                CalibrationBin(
                    lower=float(edges[b]),
                    upper=float(edges[b + 1]),
                    count=int(mask.sum()),
                    mean_predicted=float(p[mask].mean()),
                    observed_rate=float(y[mask].mean()),
                )
            )
    return table


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def _fit_predict(
    make: MakeModel, name: str, x: pd.DataFrame, y: np.ndarray, train, test, weights=None
):
    w = weights(name, train) if weights is not None else None
    params = {"model__sample_weight": w} if w is not None else {}
    model = make(name, len(train)).fit(x.iloc[train], y[train], **params)
    return model.predict_proba(x.iloc[test])[:, 1]


def _two_classes(y: np.ndarray, *parts: np.ndarray) -> bool:
    return all(len(np.unique(y[part])) == 2 for part in parts)


def time_ordered(
    make: MakeModel,
    candidates: tuple[str, ...],
    x: pd.DataFrame,
    y: np.ndarray,
    weights: Weights | None = None,
) -> tuple[str, Validation]:
    """x and y are sorted by time; earliest 80% train, latest 20% test. `weights` gives
    each fit's sample weights from the rows it is fitted on (recency weighting)."""
    n = len(y)
    cut = round(n * (1 - TIME_TEST_SHARE))
    inner = round(cut * (1 - TIME_TEST_SHARE))
    train, test = np.arange(cut), np.arange(cut, n)
    fit, check = np.arange(inner), np.arange(inner, cut)
    if _two_classes(y, fit, check):
        inner_auc = {
            c: _auc(y[check], _fit_predict(make, c, x, y, fit, check, weights)) for c in candidates
        }
        chosen = max(candidates, key=lambda c: inner_auc[c])
    else:
        chosen = candidates[0]
    pooled = Pooled()
    pooled.y.append(y[test])
    pooled.prior.append(np.full(len(test), y[train].mean()))
    for c in candidates:
        pooled.predictions[c] = [_fit_predict(make, c, x, y, train, test, weights)]
    return chosen, _summarise("time-ordered 80/20", chosen, pooled, folds=1, test_rows=len(test))


def kfold_splits(y: np.ndarray) -> int:
    return 5 if np.bincount(y).min() >= 5 else 3


def repeated_kfold_splits(
    y: np.ndarray, seed: int, repeats: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """5-fold x 5 repeats; fewer repeats on large data (or when the caller asks)."""
    n_splits = kfold_splits(y)
    if repeats is None:
        repeats = 5 if len(y) <= 5000 else 2 if len(y) <= 50000 else 1
    splitter = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=repeats, random_state=seed)
    yield from splitter.split(np.zeros(len(y)), y)


def repeated_kfold(
    make: MakeModel,
    candidates: tuple[str, ...],
    x: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    repeats: int | None = None,
) -> tuple[str, Validation]:
    pooled = Pooled(first_pass=kfold_splits(y))
    folds = 0
    for train, test in repeated_kfold_splits(y, seed, repeats):
        folds += 1
        pooled.y.append(y[test])
        pooled.prior.append(np.full(len(test), y[train].mean()))
        for c in candidates:
            p = _fit_predict(make, c, x, y, train, test)
            pooled.predictions.setdefault(c, []).append(p)
            pooled.scores.setdefault(c, []).append(_auc(y[test], p))
    chosen = max(candidates, key=lambda c: float(np.nanmean(pooled.scores[c])))
    scheme = f"repeated stratified k-fold ({folds} folds)"
    return chosen, _summarise(scheme, chosen, pooled, folds=folds, test_rows=len(y))


def _summarise(scheme: str, chosen: str, pooled: Pooled, folds: int, test_rows: int) -> Validation:
    """Metrics per fold, averaged (k-fold) or of the single split (time-ordered)."""

    def per_fold(predictions: list[np.ndarray]) -> Scores:
        aucs = [_auc(y, p) for y, p in zip(pooled.y, predictions, strict=True)]
        briers = [brier_score_loss(y, p) for y, p in zip(pooled.y, predictions, strict=True)]
        return Scores(roc_auc=float(np.nanmean(aucs)), brier=float(np.mean(briers)))

    candidates = {c: per_fold(p) for c, p in pooled.predictions.items()}
    baseline = per_fold(pooled.prior)
    logistic = candidates.get("logistic_regression", candidates[chosen])
    y_all = np.concatenate(pooled.y)
    first = pooled.first_pass  # the folds of one pass hold every row once
    auc_ci, gain_ci = skill_intervals(
        pooled.y[:first], pooled.predictions[chosen][:first], pooled.prior[:first]
    )
    return Validation(
        scheme=scheme,
        roc_auc=candidates[chosen].roc_auc,
        brier=candidates[chosen].brier,
        baseline_roc_auc=0.5,
        baseline_brier=baseline.brier,
        logistic_roc_auc=logistic.roc_auc,
        logistic_brier=logistic.brier,
        test_rows=test_rows,
        folds=folds,
        candidates=candidates,
        calibration=calibration_table(y_all, np.concatenate(pooled.predictions[chosen])),
        roc_auc_interval=auc_ci,
        brier_gain_interval=gain_ci,
    )
