"""Which calibration a target's model gets: none, sigmoid or isotonic, chosen by Brier score.

The base model's out-of-fold decision values on the rows used to choose models (3 folds, the
way CalibratedClassifierCV learns its map) are calibrated three ways, each map judged on
folds of those values it was not fitted on: the model's own probability (`none`), a sigmoid,
an isotonic step map (from ISOTONIC_MIN_ROWS rows). The lowest mean Brier wins; within
BRIER_TIE of the best, the earlier of ml.pipelines.CALIBRATIONS (sigmoid keeps the model's
ranking exactly; isotonic ties projects, which cost 0.003-0.013 ROC AUC on the JIRA projects).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import clone
from sklearn.calibration import _SigmoidCalibration
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from ml.pipelines import CALIBRATIONS

BRIER_TIE = 0.0005
# Isotonic maps overfit small samples (scikit-learn's guide: under about 1,000 rows): on
# Kitchenham (141 rows) choosing it cost 0.03 ROC AUC and 0.007 Brier on the held-out folds.
ISOTONIC_MIN_ROWS = 1000


def choose_calibration(
    uncalibrated: Pipeline, x: pd.DataFrame, y: np.ndarray, seed: int, weights=None
) -> tuple[str, dict[str, float]]:
    """(method, mean held-out Brier per method) for `uncalibrated` (a `none` pipeline)."""
    decision = _out_of_fold_decision(uncalibrated, x, y, seed, weights)
    methods = [m for m in CALIBRATIONS if m != "isotonic" or len(y) >= ISOTONIC_MIN_ROWS]
    briers: dict[str, list[float]] = {method: [] for method in methods}
    splitter = StratifiedKFold(n_splits=_splits(y), shuffle=True, random_state=seed + 1)
    for fit, held in splitter.split(decision.reshape(-1, 1), y):
        for method in methods:
            p = _calibrated(method, decision[fit], y[fit], decision[held])
            briers[method].append(float(np.mean((p - y[held]) ** 2)))
    mean = {m: float(np.mean(b)) for m, b in briers.items()}
    best = min(mean.values())
    chosen = next(m for m in methods if mean[m] <= best + BRIER_TIE)
    return chosen, mean


def _splits(y: np.ndarray) -> int:
    return int(max(2, min(3, np.bincount(y).min())))


def _out_of_fold_decision(
    pipeline: Pipeline, x: pd.DataFrame, y: np.ndarray, seed: int, weights
) -> np.ndarray:
    decision = np.empty(len(y))
    splitter = StratifiedKFold(n_splits=_splits(y), shuffle=True, random_state=seed)
    for fit, held in splitter.split(np.zeros(len(y)), y):
        w = weights(fit) if weights is not None else None
        params = {"model__sample_weight": w} if w is not None else {}
        model = clone(pipeline).fit(x.iloc[fit], y[fit], **params)
        decision[held] = model.decision_function(x.iloc[held])
    return decision


def _calibrated(method: str, d_fit: np.ndarray, y_fit: np.ndarray, d: np.ndarray) -> np.ndarray:
    if method == "none":
        return expit(d)
    if method == "sigmoid":
        return _SigmoidCalibration().fit(d_fit, y_fit).predict(d)
    return IsotonicRegression(out_of_bounds="clip").fit(d_fit, y_fit).predict(d)
