"""A trained risk model and how it scores projects (probability, level, drivers, P50/P80).

Drivers are an honest local attribution: for one project and one feature, the effect is
p(project as given) - p(project with that feature set to its reference value), where the
reference is the training median (numbers) or mode (categories). Because every feature owns known
encoded columns (ml.pipelines.encoded_columns), the replacement is done after encoding: the
projects are encoded once and only the final calibrated estimator is evaluated again, in one
vectorised, chunked predict_proba over all (project, feature) pairs whose value differs from
the reference (an equal value has effect 0 by definition, so it is not evaluated).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ml.card import ModelCard
from ml.features import Feature, coerce_frame, records_frame
from ml.pipelines import encoded_columns

logger = logging.getLogger(__name__)

CHUNK_ROWS = 200_000
TOP_DRIVERS = 5


@dataclass
class TargetEstimators:
    """The fitted pipelines of one target: the calibrated classifier and optional quantiles."""

    classifier: Pipeline
    p50: Pipeline | None = None
    p80: Pipeline | None = None


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
    ) -> None:
        self.card = card
        self.estimators = estimators
        self.features: list[Feature] = card.model_features()
        self.max_driver_features = max_driver_features
        reference = {f.name: [f.reference] for f in card.features}
        self._reference = coerce_frame(pd.DataFrame(reference), self.features)

    @property
    def target_names(self) -> list[str]:
        return list(self.card.targets)

    def score_records(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Score a list of {feature: value} objects (unknown keys ignored)."""
        return self.score_frame(records_frame(list(records)))

    def score_frame(self, frame: pd.DataFrame, *, drivers: bool = True) -> list[dict[str, Any]]:
        """Score every row of `frame` (a CSV read by pandas, or any DataFrame)."""
        if len(frame) == 0:
            return []
        x = coerce_frame(frame, self.features)
        ids = self._ids(frame)
        per_target: dict[str, dict[str, np.ndarray]] = {}
        effects = []
        for name, estimators in self.estimators.items():
            encoded = estimators.classifier[0].transform(x)
            model = estimators.classifier[-1]
            probability = model.predict_proba(encoded)[:, 1]
            per_target[name] = self._target_values(name, estimators, x, probability)
            if drivers:
                effects.append(self.effects(estimators.classifier, encoded, probability))
        driver_lists = self._driver_lists(x, effects) if drivers else [[] for _ in ids]
        return self._results(ids, per_target, driver_lists)

    def _ids(self, frame: pd.DataFrame) -> list[str | None]:
        column = self.card.id_column
        if column and column in frame.columns:
            return [None if pd.isna(v) else str(v) for v in frame[column].tolist()]
        return [None] * len(frame)

    def _target_values(
        self, name: str, estimators: TargetEstimators, x: pd.DataFrame, p: np.ndarray
    ) -> dict[str, np.ndarray]:
        levels = self.card.targets[name].levels
        level = np.where(p >= levels.high, "high", np.where(p >= levels.medium, "medium", "low"))
        values = {"probability": p, "level": level}
        if estimators.p50 is not None and estimators.p80 is not None:
            p50 = estimators.p50.predict(x)
            values["p50"] = p50
            values["p80"] = np.maximum(estimators.p80.predict(x), p50)  # quantiles never cross
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
        effects = np.zeros((len(p), len(self.features)))
        pairs = []
        for f in self.driver_candidates():
            cols = slices[self.features[f].name]
            block, ref = encoded[:, cols], reference[cols]
            same = ((block == ref) | (np.isnan(block) & np.isnan(ref))).all(axis=1)
            rows = np.flatnonzero(~same)
            pairs.append((f, rows, cols))
        total = sum(len(rows) for _, rows, _ in pairs)
        logger.debug("drivers: %d perturbed rows for %d projects", total, len(p))
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
        stacked = np.stack(effects)  # (targets, rows, features)
        which = np.abs(stacked).argmax(axis=0)
        strongest = np.take_along_axis(stacked, which[None], axis=0)[0]
        k = min(TOP_DRIVERS, strongest.shape[1])
        order = np.argsort(-np.abs(strongest), axis=1, kind="stable")[:, :k]
        names = [f.name for f in self.features]
        targets = self.target_names
        columns = [_json_values(x[name].to_numpy()) for name in names]
        lists = []
        for i, row_order in enumerate(order.tolist()):
            lists.append(
                [
                    {
                        "feature": names[f],
                        "value": columns[f][i],
                        "effect": round(float(strongest[i, f]), 4),
                        "target": targets[which[i, f]],
                    }
                    for f in row_order
                    if strongest[i, f] != 0.0
                ]
            )
        return lists

    def _results(
        self,
        ids: list[str | None],
        per_target: dict[str, dict[str, np.ndarray]],
        drivers: list[list[dict]],
    ) -> list[dict[str, Any]]:
        columns = {
            name: {key: _json_values(values) for key, values in target.items()}
            for name, target in per_target.items()
        }
        results = []
        for i, row_id in enumerate(ids):
            result: dict[str, Any] = {"id": row_id}
            for name, target in columns.items():
                result[name] = {key: values[i] for key, values in target.items()}
            result["drivers"] = drivers[i]
            results.append(result)
        return results


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


def _json_values(values: np.ndarray) -> list[Any]:
    """Plain Python values; NaN -> None; probabilities rounded for readable JSON."""
    if values.dtype.kind == "f":
        rounded = np.round(values, 4)
        return [None if v != v else v for v in rounded.tolist()]
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()]
