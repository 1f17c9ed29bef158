"""A trained risk model and how it scores projects (probability, level, drivers, P50/P80).

P50/P80 are looked up from the calibrated probability (ml.quantiles): no model runs for them.

Drivers are an honest local attribution: for one project and one feature, the effect is
p(project as given) - p(project with that feature set to its reference value), where the
reference is the training median (numbers) or mode (categories). Because every feature owns known
encoded columns (ml.pipelines.encoded_columns), the replacement is done after encoding: the
projects are encoded once and only the final calibrated estimator is evaluated again, in one
vectorised, chunked predict_proba over all (project, feature) pairs whose value differs from
the reference (an equal value has effect 0 by definition, so it is not evaluated). For a
calibrated logistic regression the effects are exact from its weights, without re-running it.
Each project lists its `top_drivers` (default 5) largest effects over all targets.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from ml.card import ModelCard
from ml.features import Feature, coerce_frame, records_frame
from ml.pipelines import encoded_columns

logger = logging.getLogger(__name__)

CHUNK_ROWS = 200_000
SMALL_BATCH = 5_000
TOP_DRIVERS = 5
LEVEL_NAMES = np.array(["low", "medium", "high"], dtype=object)


@dataclass
class TargetEstimators:
    """The fitted pipeline of one target: the calibrated classifier."""

    classifier: Pipeline


class RiskModel:
    """Delay/overrun risk model. Build with `ml.train.train_risk_model` or `ml.persist.load_model`.

    `score_records(records)` and `score_frame(frame)` return one dict per project, in input
    order, shaped as CONTRACT.md `risk score` results:
    {"id": str|None, "<target>": {"probability", "level", ["p50", "p80"]},
     "drivers": [{"feature", "value", "effect", "target"}]}.
    Invalid values raise `ml.errors.RiskInputError(row, column, message)` (row is 1-based).
    """

    def __init__(
        self,
        card: ModelCard,
        estimators: dict[str, TargetEstimators],
        max_driver_features: int | None = None,
        *,
        top_drivers: int = TOP_DRIVERS,
    ) -> None:
        self.card = card
        self.estimators = estimators
        self.features: list[Feature] = card.model_features()
        self.max_driver_features = max_driver_features
        self.top_drivers = top_drivers  # drivers listed per project
        reference = {f.name: [f.reference] for f in card.features}
        self._reference = coerce_frame(pd.DataFrame(reference), self.features)

    @property
    def target_names(self) -> list[str]:
        return list(self.card.targets)

    def score_records(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Score a list of {feature: value} objects (unknown keys ignored)."""
        return self.score_frame(records_frame(list(records)))

    def score_frame(
        self, frame: pd.DataFrame, *, drivers: bool = True, quantiles: bool = True
    ) -> list[dict[str, Any]]:
        """Score every row of `frame` (a CSV read by pandas, or any DataFrame).

        `drivers=False` leaves every "drivers" list empty; `quantiles=False` leaves out the
        optional "p50"/"p80" keys (for callers that only need the contract's fields).
        """
        if len(frame) == 0:
            return []
        # A few projects (an API request) are scored faster on one thread than by waking
        # OpenMP workers for every tree; large batches keep the library's default. BLAS only
        # sees skinny products (rows x a few dozen columns): one thread measured about twice
        # as fast as two on a loaded 2-core machine (bench/risk_eval.py).
        openmp = 1 if len(frame) < SMALL_BATCH else None
        with (
            threadpool_limits(limits=openmp, user_api="openmp"),
            threadpool_limits(limits=1, user_api="blas"),
        ):
            return self._score(frame, drivers, quantiles)

    def _score(self, frame: pd.DataFrame, drivers: bool, quantiles: bool) -> list[dict[str, Any]]:
        x = coerce_frame(frame, self.features)
        ids = self._ids(frame)
        per_target: dict[str, dict[str, np.ndarray]] = {}
        effects = []
        encodings: dict[str, np.ndarray] = {}
        for name, estimators in self.estimators.items():
            # Targets whose fitted encodings are identical (ml.train checks) encode once.
            shared = self.card.targets[name].encoding_of or name
            if shared not in encodings:
                encodings[shared] = estimators.classifier[0].transform(x)
            encoded = encodings[shared]
            model = estimators.classifier[-1]
            probability = model.predict_proba(encoded)[:, 1]
            per_target[name] = self._target_values(name, probability, quantiles)
            if drivers and self.top_drivers > 0:
                effects.append(self.effects(estimators.classifier, encoded, probability))
        # Millions of small dicts: the cyclic GC would rescan them over and over while they
        # are built, and none of them can form a cycle.
        with _gc_paused():
            driver_lists = self._driver_lists(x, effects) if effects else [[] for _ in ids]
            return self._results(ids, per_target, driver_lists)

    def _ids(self, frame: pd.DataFrame) -> list[str | None]:
        column = self.card.id_column
        if column and column in frame.columns:
            values = frame[column]
            if pd.api.types.is_string_dtype(values.dtype) and not values.isna().any():
                return values.astype(str).tolist()
            return [None if pd.isna(v) else str(v) for v in values.tolist()]
        return [None] * len(frame)

    def _target_values(
        self, name: str, p: np.ndarray, quantiles: bool = True
    ) -> dict[str, np.ndarray]:
        target = self.card.targets[name]
        levels = target.levels
        code = (p >= levels.medium).astype(np.intp) + (p >= levels.high)
        level = LEVEL_NAMES[code]  # object array: three shared str objects, not one per row
        values = {"probability": p, "level": level}
        if quantiles and target.quantiles is not None and target.quantiles.p50:
            values["p50"], values["p80"] = target.quantiles.predict(p)
        return values

    def driver_candidates(self) -> list[int]:
        """Indices of the features drivers are computed for (all, unless capped)."""
        names = self.card.driver_features
        if self.max_driver_features is not None:
            names = names[: self.max_driver_features]
        index = {f.name: i for i, f in enumerate(self.features)}
        return [index[n] for n in names if n in index]

    def effects(self, pipeline: Pipeline, encoded: np.ndarray, p: np.ndarray) -> np.ndarray:
        """(rows, features) matrix of p(row) - p(row with the feature at its reference)."""
        encoded = np.asarray(encoded, dtype=float)
        reference = np.asarray(pipeline[0].transform(self._reference), dtype=float)[0]
        slices = encoded_columns(pipeline[0], self.features)
        candidates = [(f, slices[self.features[f].name]) for f in self.driver_candidates()]
        linear = _linear_parts(pipeline[-1])
        if linear is not None and len(p) <= CHUNK_ROWS:
            return _linear_effects(linear, encoded, reference, candidates, len(self.features))
        effects = np.zeros((len(p), len(self.features)))
        if linear is not None:
            for start in range(0, len(p), CHUNK_ROWS):
                part = slice(start, start + CHUNK_ROWS)
                effects[part] = _linear_effects(
                    linear, encoded[part], reference, candidates, effects.shape[1]
                )
            return effects
        pairs = []
        for f, cols in candidates:
            block, ref = encoded[:, cols], reference[cols]
            same = ((block == ref) | (np.isnan(block) & np.isnan(ref))).all(axis=1)
            pairs.append((f, np.flatnonzero(~same), cols))
        logger.debug("drivers: %d perturbed rows", sum(len(rows) for _, rows, _ in pairs))
        for chunk in _chunks(pairs, CHUNK_ROWS):
            perturbed = np.concatenate([encoded[rows] for _, rows, _ in chunk])
            start = 0
            for _, rows, cols in chunk:
                perturbed[start : start + len(rows), cols] = reference[cols]
                start += len(rows)
            p_ref = pipeline[-1].predict_proba(perturbed)[:, 1]
            start = 0
            for f, rows, _ in chunk:
                effects[rows, f] = p[rows] - p_ref[start : start + len(rows)]
                start += len(rows)
        return effects

    def _driver_lists(self, x: pd.DataFrame, effects: list[np.ndarray]) -> list[list[dict]]:
        """Top drivers per row: each feature once, with its largest effect over the targets."""
        strongest, which = effects[0], np.zeros(effects[0].shape, dtype=np.intp)
        for t, effect in enumerate(effects[1:], start=1):
            larger = np.abs(effect) > np.abs(strongest)  # ties keep the earlier target
            strongest = np.where(larger, effect, strongest)
            which[larger] = t
        order = _top_columns(np.abs(strongest), min(self.top_drivers, strongest.shape[1]))
        top_effects = np.round(np.take_along_axis(strongest, order, axis=1), 4)
        keep = top_effects != 0.0
        chosen = order[keep]  # feature index of every listed driver, row-major
        # Values are gathered only for the listed drivers, feature by feature (vectorised),
        # instead of converting every cell of the frame to a Python object.
        values = np.empty(len(chosen), dtype=object)
        rows = np.nonzero(keep)[0]
        for j, feature in enumerate(self.features):
            at = np.flatnonzero(chosen == j)
            if at.size:
                values[at] = _object_values(x[feature.name].to_numpy()[rows[at]])
        names = np.array([f.name for f in self.features], dtype=object)
        targets = np.array(self.target_names, dtype=object)
        flat = [
            {"feature": f, "value": v, "effect": e, "target": t}
            for f, v, e, t in zip(
                names[chosen].tolist(),
                values.tolist(),
                top_effects[keep].tolist(),
                targets[np.take_along_axis(which, order, 1)[keep]].tolist(),
                strict=True,
            )
        ]
        ends = np.cumsum(keep.sum(axis=1)).tolist()
        return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]

    def _results(
        self,
        ids: list[str | None],
        per_target: dict[str, dict[str, np.ndarray]],
        drivers: list[list[dict]],
    ) -> list[dict[str, Any]]:
        """One dict per row, keys in contract order: id, each target, drivers."""
        names = list(per_target)
        parts = [_target_dicts(per_target[name]) for name in names]
        # Dict displays in one pass: the cheapest way CPython builds many small dicts.
        if len(names) == 1:
            (a,) = names
            return [
                {"id": i, a: x, "drivers": d}
                for i, x, d in zip(ids, parts[0], drivers, strict=True)
            ]
        if len(names) == 2:
            a, b = names
            return [
                {"id": i, a: x, b: y, "drivers": d}
                for i, x, y, d in zip(ids, parts[0], parts[1], drivers, strict=True)
            ]
        return [
            {"id": i, **dict(zip(names, row, strict=True)), "drivers": d}
            for i, d, *row in zip(ids, drivers, *parts, strict=True)
        ]


def _target_dicts(target: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    probability = _json_values(target["probability"])
    level = target["level"].tolist()
    if "p50" not in target:
        return [{"probability": p, "level": lv} for p, lv in zip(probability, level, strict=True)]
    p50, p80 = _json_values(target["p50"]), _json_values(target["p80"])
    return [
        {"probability": p, "level": lv, "p50": q50, "p80": q80}
        for p, lv, q50, q80 in zip(probability, level, p50, p80, strict=True)
    ]


@dataclass(frozen=True)
class _LinearParts:
    """A calibrated logistic regression: decision = encoded @ weights + intercept."""

    weights: np.ndarray
    intercept: float
    calibrator: Any


def _linear_parts(calibrated: Any) -> _LinearParts | None:
    """The weights and calibration map of a single-model calibrated logistic regression.

    With them, setting one feature to its reference changes the decision value by exactly
    that feature's share of encoded @ weights, so every driver is exact without re-running
    the model. Anything else (trees, an ensemble of calibrated models) returns None.
    """
    fitted = getattr(calibrated, "calibrated_classifiers_", None)
    if not fitted or len(fitted) != 1:
        return None
    inner = fitted[0]
    base = inner.estimator
    if not isinstance(base, LogisticRegression) or base.coef_.shape[0] != 1:
        return None
    if getattr(inner, "method", None) not in ("sigmoid", "isotonic"):
        return None
    return _LinearParts(base.coef_[0], float(base.intercept_[0]), inner.calibrators[0])


def _linear_effects(
    linear: _LinearParts,
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
    effect = _calibrated(linear.calibrator, moved.ravel()).reshape(moved.shape)
    np.subtract(_calibrated(linear.calibrator, decision)[:, None], effect, out=effect)
    effect[unmoved] = 0.0
    columns = [f for f, _ in candidates]
    if columns == list(range(n_features)):
        return effect
    effects = np.zeros((len(encoded), n_features))
    effects[:, columns] = effect
    return effects


def _calibrated(calibrator: Any, decision: np.ndarray) -> np.ndarray:
    p = np.asarray(calibrator.predict(decision), dtype=float)
    p[(p > 1.0) & (p <= 1.0 + 1e-5)] = 1.0  # as CalibratedClassifierCV.predict_proba does
    return p


def _top_columns(size: np.ndarray, k: int) -> np.ndarray:
    """Per row, the columns of the k largest values, largest first; ties by column order.

    A partition then a sort of k columns: a full row sort costs several times more.
    """
    if k < size.shape[1]:
        part = np.sort(np.argpartition(-size, k - 1, axis=1)[:, :k], axis=1)
    else:
        part = np.broadcast_to(np.arange(size.shape[1]), size.shape)
    within = np.argsort(-np.take_along_axis(size, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, within, axis=1)


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(pairs: list, size: int):
    """Group (feature, rows, cols) pairs so each predict_proba sees about `size` rows."""
    chunk: list = []
    count = 0
    for f, rows, cols in pairs:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            if count + len(part) > size and chunk:
                yield chunk
                chunk, count = [], 0
            chunk.append((f, part, cols))
            count += len(part)
    if chunk:
        yield chunk


def _object_values(values: np.ndarray) -> np.ndarray:
    """Feature values as JSON-ready objects: numbers rounded, NaN -> None."""
    if values.dtype.kind == "f":
        rounded = np.round(values, 4)
        out = rounded.astype(object)
        out[np.isnan(rounded)] = None
        return out
    return values


def _json_values(values: np.ndarray) -> list[Any]:
    """Plain Python values; NaN -> None; probabilities rounded for readable JSON."""
    if values.dtype.kind == "f":
        rounded = np.round(values, 4)
        if not np.isnan(rounded).any():
            return rounded.tolist()
        return [None if v != v else v for v in rounded.tolist()]
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()]
