"""A target's fitted pipeline made ready to score, and the exact drivers of a linear model.

`PreparedPipeline` holds what `RiskModel` needs from one fitted pipeline, worked out once: the
numpy replay of it (ml.compiled) when there is one, the encoded reference project, the encoded
columns each feature owns, and, for a calibrated logistic regression, its weights
(`LinearParts`), with which `linear_effects` gives every driver exactly from one matrix
product instead of re-running the model once per feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ml.compiled import Columns, CompiledPipeline, compile_pipeline
from ml.features import Feature
from ml.pipelines import encoded_columns


@dataclass(frozen=True)
class LinearParts:
    """A calibrated logistic regression: decision = encoded @ weights + intercept."""

    weights: np.ndarray
    intercept: float
    calibrate: Callable[[np.ndarray], np.ndarray]  # decision value -> probability


def linear_parts(model: Any, compiled: CompiledPipeline | None) -> LinearParts | None:
    """The weights and probability map of a logistic regression, uncalibrated or calibrated
    as a single model.

    With them, setting one feature to its reference changes the decision value by exactly
    that feature's share of encoded @ weights, so every driver is exact without re-running
    the model. Anything else (trees, an ensemble of calibrated models) returns None.
    """
    if isinstance(model, LogisticRegression):
        if model.coef_.shape[0] != 1:
            return None
        calibrate = compiled.model.calibrate if compiled else expit
        return LinearParts(model.coef_[0], float(model.intercept_[0]), calibrate)
    fitted = getattr(model, "calibrated_classifiers_", None)
    if not fitted or len(fitted) != 1:
        return None
    inner = fitted[0]
    base = inner.estimator
    if not isinstance(base, LogisticRegression) or base.coef_.shape[0] != 1:
        return None
    if getattr(inner, "method", None) not in ("sigmoid", "isotonic"):
        return None
    calibrator = inner.calibrators[0]
    if compiled:
        calibrate = compiled.model.calibrate
    else:
        calibrate = partial(calibrated_probability, calibrator)
    return LinearParts(base.coef_[0], float(base.intercept_[0]), calibrate)


@dataclass(frozen=True)
class PreparedPipeline:
    """One target's fitted pipeline, ready to score: compiled to numpy when it can be
    (ml.compiled), with the encoded reference row and each feature's encoded columns."""

    pipeline: Pipeline
    compiled: CompiledPipeline | None
    reference: np.ndarray
    slices: dict[str, slice]
    linear: LinearParts | None

    @classmethod
    def of(
        cls, pipeline: Pipeline, features: list[Feature], reference: Columns, replay: bool
    ) -> PreparedPipeline:
        compiled = compile_pipeline(pipeline, features) if replay else None
        return cls(
            pipeline,
            compiled,
            _encode(pipeline, compiled, reference, 1)[0],
            encoded_columns(pipeline[0], features),
            linear_parts(pipeline[-1], compiled),
        )

    def encode(self, columns: Columns, rows: int) -> np.ndarray:
        return _encode(self.pipeline, self.compiled, columns, rows)

    def probability(self, encoded: np.ndarray) -> np.ndarray:
        if self.compiled is not None:
            return self.compiled.model.probability(encoded)
        return self.pipeline[-1].predict_proba(encoded)[:, 1]


def _encode(
    pipeline: Pipeline, compiled: CompiledPipeline | None, columns: Columns, rows: int
) -> np.ndarray:
    if compiled is not None:
        return compiled.features.transform(columns, rows)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows))
    return np.asarray(pipeline[0].transform(frame), dtype=float)


def linear_effects(
    linear: LinearParts,
    encoded: np.ndarray,
    reference: np.ndarray,
    candidates: list[tuple[int, slice]],
    n_features: int,
) -> np.ndarray:
    if not candidates:
        return np.zeros((len(encoded), n_features))
    decision = encoded @ linear.weights + linear.intercept
    # Column j of `owned` holds the weights of candidate j's encoded columns (zeros elsewhere),
    # so one matrix product gives every feature's share of the decision value.
    owned = np.zeros((len(linear.weights), len(candidates)))
    for j, (_, cols) in enumerate(candidates):
        owned[cols, j] = linear.weights[cols]
    moved = encoded @ owned
    moved -= reference @ owned
    unmoved = moved == 0.0
    # In place on the (rows, candidates) matrices: they are the largest arrays scoring makes.
    np.subtract(decision[:, None], moved, out=moved)
    effect = linear.calibrate(moved.ravel()).reshape(moved.shape)
    np.subtract(linear.calibrate(decision)[:, None], effect, out=effect)
    # A feature at its reference value has effect 0 by definition, not a rounding residue;
    # multiplying by the mask is several times faster than assigning through it.
    effect *= ~unmoved
    columns = [f for f, _ in candidates]
    if columns == list(range(n_features)):
        return effect
    effects = np.zeros((len(encoded), n_features))
    effects[:, columns] = effect
    return effects


def calibrated_probability(calibrator: Any, decision: np.ndarray) -> np.ndarray:
    p = np.asarray(calibrator.predict(decision), dtype=float)
    p[(p > 1.0) & (p <= 1.0 + 1e-5)] = 1.0  # as CalibratedClassifierCV.predict_proba does
    return p
