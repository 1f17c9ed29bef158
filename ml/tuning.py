"""Gradient-boosting settings and recency weighting, chosen on the inner time-ordered split."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ml.features import Feature
from ml.pipelines import BOOSTING_GRID, make_boosting, tree_features
from ml.validation import TIME_TEST_SHARE

logger = logging.getLogger(__name__)

HALF_LIVES = (None, 0.25, 0.5, 1.0)  # recency weighting, as fractions of the time span
TUNE_MIN_ROWS = 2000  # below this the inner split is too small to rank 8 settings


def recency_weights(days: np.ndarray, half_life: float | None) -> np.ndarray | None:
    """Weight 1 for the latest row, halving every `half_life` x the rows' time span."""
    span = float(days.max() - days.min()) if len(days) else 0.0
    if half_life is None or span <= 0:
        return None
    return np.power(0.5, (days.max() - days) / (half_life * span))


def tune_boosting(
    features: list[Feature], x: pd.DataFrame, y: np.ndarray, days: np.ndarray, seed: int
) -> tuple[dict[str, int | float] | None, float | None]:
    """Gradient-boosting parameters from BOOSTING_GRID and a recency half-life from
    HALF_LIVES, chosen on the inner time-ordered split (earliest 64% fit, next 16% check)
    that ml.validation also uses to choose the model; the latest 20% (the reported test) is
    never seen. (None, None) -- defaults, no weighting -- on small data."""
    n = len(y)
    cut = round(n * (1 - TIME_TEST_SHARE))
    inner = round(cut * (1 - TIME_TEST_SHARE))
    fit, check = np.arange(inner), np.arange(inner, cut)
    if n < TUNE_MIN_ROWS or not (two_classes(y[fit]) and two_classes(y[check])):
        return None, None
    encoder = tree_features(features, seed)
    a = encoder.fit_transform(x.iloc[fit], y[fit])  # cross-fitted where target-encoded
    b = encoder.transform(x.iloc[check])
    scores: dict[tuple[int, float | None], float] = {}
    for i, params in enumerate(BOOSTING_GRID):
        for half_life in HALF_LIVES:
            w = recency_weights(days[fit], half_life)
            model = make_boosting(features, seed, params).fit(a, y[fit], sample_weight=w)
            scores[i, half_life] = roc_auc_score(y[check], model.predict_proba(b)[:, 1])
    best, half_life = max(scores, key=lambda k: scores[k])  # first of equals: no weighting
    inner_auc = scores[best, half_life]
    logger.info(
        "boosting %s, half-life %s (inner AUC %.3f)", BOOSTING_GRID[best], half_life, inner_auc
    )
    return dict(BOOSTING_GRID[best]), half_life


def two_classes(y: np.ndarray) -> bool:
    return bool(len(np.unique(y)) == 2 and np.bincount(y).min() >= 2)

