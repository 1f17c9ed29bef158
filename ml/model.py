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

For gradient boosting that re-evaluation costs about one prediction per feature that differs
from its reference: on 100,000 JIRA issues (18 features, 167 trees) scoring with drivers took
7-17x the time of sklearn's predict_proba, and 0.6-1.3x without (two runs on a loaded
machine). The logistic model's drivers are exact from its weights and cost about as much as
one prediction.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import ThreadpoolController

from ml.card import ModelCard
from ml.compiled import Columns
from ml.errors import RiskInputError
from ml.features import Feature, coerce_columns, record_columns, records_frame
from ml.levers import card_levers, lever_table
from ml.prepared import PreparedPipeline, linear_effects
from ml.results import LEVEL_NAMES, ProjectRisk, ScoreTable, TargetScores, TopDrivers
from ml.spec import TargetSpec

logger = logging.getLogger(__name__)

CHUNK_ROWS = 200_000
SMALL_BATCH = 5_000
RECORD_ROWS = 1_000  # up to this many records are checked without building a DataFrame
TOP_DRIVERS = 5
R = TypeVar("R")  # a result shape: the contract's dict or ml.results.ProjectRisk


def missing_counts(columns: Columns, rows: int) -> np.ndarray:
    """Per row, how many features are missing (the model imputes or routes them)."""
    counts = np.zeros(rows, dtype=np.int64)
    for values in columns.values():
        counts += _missing(values, rows)
    return counts


def _missing(values: np.ndarray, rows: int) -> np.ndarray:
    """NaN in a numeric column, None in a coerced category column (str or None). np.equal
    compares the objects in C: about 3x faster than a Python `is None` loop."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return np.asarray(np.equal(values, np.array(None, dtype=object)), dtype=bool)
    return np.zeros(rows, dtype=bool)


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
    `score_results(records)` / `score_frame_results(frame)` return the same results as typed
    objects (ml.results.ProjectRisk), for the doors; `to_json()` is the dict above.
    `score_table(frame)` returns the same numbers as columns (ml.results.ScoreTable), for
    batches whose caller does not need a dict per project. A staged model (spec
    `checkpoint`) scores a project with none of the checkpoint columns filled with its
    `kickoff` model; each result then says which scored it ("stage": kickoff|checkpoint).
    Invalid values raise `ml.errors.RiskInputError(row, column, message)` (row is 1-based).
    """

    def __init__(
        self,
        card: ModelCard,
        estimators: dict[str, TargetEstimators],
        max_driver_features: int | None = None,
        *,
        top_drivers: int = TOP_DRIVERS,
        compiled: bool = True,
        kickoff: RiskModel | None = None,
    ) -> None:
        self.card = card
        # Staged (ml.train, spec `checkpoint`): a project with none of the checkpoint columns
        # filled is scored by the kick-off model, trained without them.
        self.kickoff = kickoff
        self.is_kickoff = False  # set on the kick-off model of a staged one
        if kickoff is not None:
            kickoff.is_kickoff = True
        checkpoint = set(card.spec.get("checkpoint") or []) if kickoff is not None else set()
        self._checkpoint = [f.name for f in card.features if f.name in checkpoint]
        self.estimators = estimators
        self.features: list[Feature] = card.model_features()
        self.max_driver_features = max_driver_features
        self.top_drivers = top_drivers  # drivers listed per project
        self.compiled = compiled  # score with the numpy replay (ml.compiled) where it applies
        reference = {f.name: [f.reference] for f in card.features}
        self._reference = coerce_columns(pd.DataFrame(reference), self.features)
        self._parts: dict[int, PreparedPipeline] = {}
        self._feature_names = np.array([f.name for f in self.features], dtype=object)
        self._levers = card_levers(card)

    @property
    def target_names(self) -> list[str]:
        return list(self.card.targets)

    def score_records(
        self, records: Sequence[dict[str, Any]], *, drivers: bool = True, quantiles: bool = True
    ) -> list[dict[str, Any]]:
        """Score a list of {feature: value} objects (unknown keys ignored)."""
        return self._records_as(ScoreTable.records, records, drivers, quantiles)

    def score_results(
        self, records: Sequence[dict[str, Any]], *, drivers: bool = True, quantiles: bool = True
    ) -> list[ProjectRisk]:
        """`score_records` as typed results (ml.results.ProjectRisk): what the doors show."""
        return self._records_as(ScoreTable.results, records, drivers, quantiles)

    def score_frame(
        self, frame: pd.DataFrame, *, drivers: bool = True, quantiles: bool = True
    ) -> list[dict[str, Any]]:
        """Score every row of `frame` (a CSV read by pandas, or any DataFrame) into the
        contract's result dicts: `score_table(frame).records()`; rows with no checkpoint value
        go to the kick-off model when the model is staged."""
        return self._frame_as(ScoreTable.records, frame, drivers, quantiles)

    def score_frame_results(
        self, frame: pd.DataFrame, *, drivers: bool = True, quantiles: bool = True
    ) -> list[ProjectRisk]:
        """`score_frame` as typed results (ml.results.ProjectRisk)."""
        return self._frame_as(ScoreTable.results, frame, drivers, quantiles)

    def _records_as(
        self, shape: Callable[[ScoreTable], list[R]], records: Sequence[dict[str, Any]],
        drivers: bool, quantiles: bool,
    ) -> list[R]:  # fmt: skip
        records = list(records)
        if len(records) > RECORD_ROWS:
            return self._frame_as(shape, records_frame(records), drivers, quantiles)
        for row, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                raise RiskInputError(
                    row, None, f"expected an object of feature values, got {record!r}"
                )
        if not records:
            return []
        columns = record_columns(records, self.features)
        at_checkpoint = self._at_checkpoint(columns, len(records))
        if self.kickoff is not None and not at_checkpoint.all():
            early = [records[i] for i in np.flatnonzero(~at_checkpoint)]
            return _merged(
                at_checkpoint,
                self.kickoff._records_as(shape, early, drivers, quantiles),
                lambda: self._records_as(
                    shape, [records[i] for i in np.flatnonzero(at_checkpoint)], drivers, quantiles
                ),
            )
        ids = self._record_ids(records)
        return shape(self._scored(columns, len(records), ids, drivers, quantiles))

    def _frame_as(
        self, shape: Callable[[ScoreTable], list[R]], frame: pd.DataFrame, drivers: bool,
        quantiles: bool,
    ) -> list[R]:  # fmt: skip
        columns = coerce_columns(frame, self.features)
        at_checkpoint = self._at_checkpoint(columns, len(frame))
        if self.kickoff is not None and not at_checkpoint.all():
            early = frame.iloc[np.flatnonzero(~at_checkpoint)]
            return _merged(
                at_checkpoint,
                self.kickoff._frame_as(shape, early, drivers, quantiles),
                lambda: self._frame_as(
                    shape, frame.iloc[np.flatnonzero(at_checkpoint)], drivers, quantiles
                ),
            )
        ids = self._ids(frame)
        return shape(self._scored(columns, len(frame), ids, drivers, quantiles))

    def score_table(
        self, frame: pd.DataFrame, *, drivers: bool = True, quantiles: bool = True
    ) -> ScoreTable:
        """Every number `risk score` reports for each row of `frame`, as columns.

        `drivers=False` leaves every "drivers" list empty; `quantiles=False` leaves out the
        optional "p50"/"p80" keys (for callers that only need the contract's fields).
        A staged model scores a frame with no checkpoint value in any row with its kick-off
        model; a frame mixing both kinds of rows goes through `score_frame`, which splits it.
        """
        columns = coerce_columns(frame, self.features)
        if self.kickoff is not None and not self._at_checkpoint(columns, len(frame)).any():
            return self.kickoff.score_table(frame, drivers=drivers, quantiles=quantiles)
        return self._scored(columns, len(frame), self._ids(frame), drivers, quantiles)

    def _at_checkpoint(self, columns: Columns, rows: int) -> np.ndarray:
        """Per row: does it have a value in any checkpoint column? (all True unless staged)"""
        if self.kickoff is None:
            return np.ones(rows, dtype=bool)
        filled = np.zeros(rows, dtype=bool)
        for name in self._checkpoint:
            filled |= ~_missing(columns[name], rows)
        return filled

    def _scored(
        self, columns: Columns, rows: int, ids: list[str | None], drivers: bool, quantiles: bool
    ) -> ScoreTable:
        parts = [self._parts_of(e.classifier) for e in self.estimators.values()]
        if rows < SMALL_BATCH and all(p.compiled and p.linear for p in parts):
            # numpy only, on arrays too small for BLAS to start threads: nothing to limit.
            return self._score(columns, rows, ids, drivers, quantiles)
        # A few projects are scored faster on one thread than by waking OpenMP workers for
        # every tree; large batches keep the library's default. BLAS only sees skinny
        # products (rows x a few dozen columns): one thread measured about twice as fast as
        # two on a loaded 2-core machine (bench/risk_eval.py).
        controller = _thread_pools()
        openmp = 1 if rows < SMALL_BATCH else None
        with (
            controller.limit(limits=openmp, user_api="openmp"),
            controller.limit(limits=1, user_api="blas"),
        ):
            return self._score(columns, rows, ids, drivers, quantiles)

    def _score(
        self, columns: Columns, rows: int, ids: list[str | None], drivers: bool, quantiles: bool
    ) -> ScoreTable:
        targets: dict[str, TargetScores] = {}
        effects = []
        encodings: dict[str, np.ndarray] = {}
        for name, estimators in self.estimators.items():
            parts = self._parts_of(estimators.classifier)
            # Targets whose fitted encodings are identical (ml.train checks) encode once.
            shared = self.card.targets[name].encoding_of or name
            if shared not in encodings:
                encodings[shared] = self._encoded(parts, columns, rows)
            encoded = encodings[shared]
            probability = parts.probability(encoded)
            targets[name] = self._target_scores(name, probability, quantiles, columns)
            if drivers and self.top_drivers > 0 and rows:
                effects.append(self._effects(parts, encoded, probability))
        top = TopDrivers.of(effects, self.top_drivers) if effects else None
        names = [f.name for f in self.features]
        levers = None
        if drivers and self._levers and rows:
            probabilities = {n: t.probability for n, t in targets.items()}
            moved = partial(self._moved, encodings, {})  # {}: this batch's decision values
            levers = lever_table(self._levers, columns, rows, probabilities, moved)
        table = ScoreTable(ids, targets, top, names, columns, missing_counts(columns, rows))
        return dataclasses.replace(table, levers=levers, stage=self._stage())

    def _stage(self) -> str | None:
        """"kickoff" or "checkpoint" for a staged model's results; None when not staged."""
        if self.kickoff is not None:
            return "checkpoint"
        return "kickoff" if self.is_kickoff else None

    def _moved(
        self,
        encodings: dict[str, np.ndarray],
        decisions: dict[str, np.ndarray],
        feature: str,
        values: np.ndarray,
        at: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Each target's probability for projects `at` with `feature` set to `values`.

        Only that feature's encoded columns change (every feature owns its columns,
        ml.pipelines.encoded_columns): its few distinct new values are encoded once, beside
        the reference project, and written into a copy of the projects' encoded rows; the
        rest of the encoding is reused, so a lever costs about one prediction."""
        distinct, inverse = np.unique(values, return_inverse=True)
        probe = {name: np.repeat(column, len(distinct)) for name, column in self._reference.items()}
        probe[feature] = distinct
        out = {}
        for name, estimators in self.estimators.items():
            parts = self._parts_of(estimators.classifier)
            all_rows = encodings[self.card.targets[name].encoding_of or name]
            owned = parts.slices[feature]
            # The lever's own columns first, then one row per project: a copy of the few
            # owned columns, not of every encoded column (3x faster on 100k projects).
            moved = self._encoded(parts, probe, len(distinct))[:, owned][inverse]
            if parts.linear is not None:
                # A linear model's decision moves by the feature's own share: exact, and no
                # copy of the projects' encoded rows.
                weights = parts.linear.weights[owned]
                if name not in decisions:
                    decisions[name] = all_rows @ parts.linear.weights + parts.linear.intercept
                decision = decisions[name][at]
                decision += (moved - all_rows[at, owned]) @ weights
                out[name] = parts.linear.calibrate(decision)
                continue
            encoded = all_rows[at]
            encoded[:, owned] = moved
            out[name] = parts.probability(encoded)
        return out
    def _encoded(self, parts: PreparedPipeline, columns: Columns, rows: int) -> np.ndarray:
        """The encoded matrix; a number so extreme that its encoding overflows (say 1e308
        through a power transform) is refused, naming its row and column."""
        encoded = parts.encode(columns, rows)
        overflow = np.isinf(encoded)
        if overflow.any():
            row, column = (int(i) for i in np.argwhere(overflow)[0])
            name = next(n for n, cols in parts.slices.items() if cols.start <= column < cols.stop)
            feature = next(f for f in self.features if f.name == name)
            seen = ""
            if feature.minimum is not None and feature.maximum is not None:
                seen = f" ({feature.minimum:g} to {feature.maximum:g})"
            raise RiskInputError(
                row + 1,
                name,
                f"{columns[name][row]!r} is too far outside the training range{seen} "
                "for the model to use",
            )
        return encoded

    def _parts_of(self, pipeline: Pipeline) -> PreparedPipeline:
        """What scoring needs from a fitted pipeline, worked out on its first use."""
        parts = self._parts.get(id(pipeline))
        if parts is None:
            parts = PreparedPipeline.of(pipeline, self.features, self._reference, self.compiled)
            self._parts[id(pipeline)] = parts
        return parts

    def _record_ids(self, records: list[dict[str, Any]]) -> list[str | None]:
        column = self.card.id_column
        if not column:
            return [None] * len(records)
        values = [record.get(column) for record in records]
        return [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]

    def _ids(self, frame: pd.DataFrame) -> list[str | None]:
        column = self.card.id_column
        if column and column in frame.columns:
            values = frame[column]
            if pd.api.types.is_string_dtype(values.dtype) and not values.isna().any():
                return values.astype(str).tolist()
            return [None if pd.isna(v) else str(v) for v in values.tolist()]
        return [None] * len(frame)

    def _target_scores(
        self, name: str, p: np.ndarray, quantiles: bool = True, columns: Columns | None = None
    ) -> TargetScores:
        target = self.card.targets[name]
        levels = target.levels
        code = (p >= levels.medium).astype(np.intp) + (p >= levels.high)
        level = LEVEL_NAMES[code]  # object array: three shared str objects, not one per row
        if quantiles and target.quantiles is not None and target.quantiles.p50:
            p50, p80 = target.quantiles.predict(p)
            extra = self._extra(name, p50, p80, columns)
            return TargetScores(p, level, p50, p80, no_skill=target.no_skill, extra=extra)
        return TargetScores(p, level, no_skill=target.no_skill)

    def _extra(
        self, name: str, p50: np.ndarray, p80: np.ndarray, columns: Columns | None
    ) -> tuple[np.ndarray, np.ndarray, str] | None:
        """P50/P80 as extra days or 万元: ratio x the project's planned value x unit factor."""
        spec = TargetSpec.model_validate(self.card.spec["targets"][name])
        units = spec.extra_units()
        planned_column = spec.planned
        if units is None or columns is None or planned_column not in (columns or {}):
            return None
        factor, unit = units
        planned = columns[str(planned_column)].astype(np.float64) * factor
        return p50 * planned, p80 * planned, unit

    def driver_candidates(self) -> list[int]:
        """Indices of the features drivers are computed for (all, unless capped)."""
        names = self.card.driver_features
        if self.max_driver_features is not None:
            names = names[: self.max_driver_features]
        index = {f.name: i for i, f in enumerate(self.features)}
        return [index[n] for n in names if n in index]

    def effects(self, pipeline: Pipeline, encoded: np.ndarray, p: np.ndarray) -> np.ndarray:
        """(rows, features) matrix of p(row) - p(row with the feature at its reference)."""
        return self._effects(self._parts_of(pipeline), np.asarray(encoded, dtype=float), p)

    def _effects(self, parts: PreparedPipeline, encoded: np.ndarray, p: np.ndarray) -> np.ndarray:
        reference = parts.reference
        candidates = [(f, parts.slices[self.features[f].name]) for f in self.driver_candidates()]
        linear = parts.linear
        if linear is not None and len(p) <= CHUNK_ROWS:
            return linear_effects(linear, encoded, reference, candidates, len(self.features))
        effects = np.zeros((len(p), len(self.features)))
        if linear is not None:
            for start in range(0, len(p), CHUNK_ROWS):
                part = slice(start, start + CHUNK_ROWS)
                effects[part] = linear_effects(
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
            p_ref = parts.probability(perturbed)
            start = 0
            for f, rows, _ in chunk:
                effects[rows, f] = p[rows] - p_ref[start : start + len(rows)]
                start += len(rows)
        return effects


def _merged(
    at_checkpoint: np.ndarray, early: list[R], late: Callable[[], list[R]]
) -> list[R]:
    """Kick-off results (`early`) and checkpoint results (`late()`) back in input order."""
    later = late() if at_checkpoint.any() else []
    out: list[Any] = [None] * len(at_checkpoint)
    for i, result in zip(np.flatnonzero(~at_checkpoint).tolist(), early, strict=True):
        out[i] = result
    for i, result in zip(np.flatnonzero(at_checkpoint).tolist(), later, strict=True):
        out[i] = result
    return out


@lru_cache(maxsize=1)
def _thread_pools() -> ThreadpoolController:
    """Found once: looking the native thread pools up reads /proc/self/maps (~3 ms)."""
    return ThreadpoolController()


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
