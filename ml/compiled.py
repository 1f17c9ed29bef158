"""A fitted risk pipeline replayed with plain numpy, for scoring a few projects fast.

scikit-learn's ColumnTransformer and CalibratedClassifierCV validate, convert and dispatch on
every call: scoring one project through them took ~20 ms, nearly all of it overhead that is the
same for one row as for a thousand. The steps themselves are simple — a category lookup, a
median fill, a scaling, a Yeo-Johnson power, a dot product, a sigmoid — so `compile_pipeline`
reads the fitted parameters once and replays them on typed feature columns.

Only what ml.pipelines builds is compiled: OneHotEncoder, OrdinalEncoder and TargetEncoder for
categories; SimpleImputer, StandardScaler and PowerTransformer (Yeo-Johnson) for numbers;
passthrough; a CalibratedClassifierCV with one sigmoid-calibrated logistic regression or
binary gradient boosting (its trees walked level by level for all rows and trees at once; a
batch too big for that uses scikit-learn's own tree walk). Anything else compiles to None and
scoring keeps using scikit-learn.
`compile_pipeline` also checks the compiled pipeline against scikit-learn on probe rows
(reference values, all missing, unseen categories, range ends) and refuses it if they differ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    PowerTransformer,
    StandardScaler,
    TargetEncoder,
)

from ml.features import Feature

logger = logging.getLogger(__name__)

Columns = Mapping[str, np.ndarray]  # feature name -> coerced values (ml.features.coerce_columns)
NumericStep = Callable[[np.ndarray], np.ndarray]  # (rows, k) floats -> (rows, k) floats
LOOKUP_LOOP_ROWS = 64  # below this a dict lookup per value beats hashing the column
AGREEMENT = 1e-9  # largest probability difference from scikit-learn a compiled pipeline may have


class _Unsupported(Exception):
    """A fitted step this module does not replay (scikit-learn scores it instead)."""


@dataclass(frozen=True)
class _Categories:
    """Category -> position in the fitted encoder's categories; unknown and missing -> -1."""

    positions: dict[Any, int]

    @classmethod
    def of(cls, categories: np.ndarray) -> _Categories:
        values = list(categories)
        if any(not isinstance(v, str) for v in values):
            raise _Unsupported("only string categories are compiled")
        return cls({v: i for i, v in enumerate(values)})

    def codes(self, values: np.ndarray) -> np.ndarray:
        get = self.positions.get
        if len(values) < LOOKUP_LOOP_ROWS:
            return np.array([get(v, -1) for v in values], dtype=np.intp)
        # Many rows, few distinct values: hash the column once (missing -> -1), look up each
        # distinct value once.
        seen, distinct = pd.factorize(values, use_na_sentinel=True)
        lookup = np.array([get(v, -1) for v in distinct] + [-1], dtype=np.intp)
        return lookup[seen]  # the sentinel -1 reads the appended -1


@dataclass(frozen=True)
class _Block:
    """One ColumnTransformer entry: its features, how they become a (rows, width) block."""

    names: tuple[str, ...]
    width: int
    encode: Callable[[Columns, int], np.ndarray]


def _numbers(names: tuple[str, ...]) -> Callable[[Columns, int], np.ndarray]:
    def stack(columns: Columns, rows: int) -> np.ndarray:
        out = np.empty((rows, len(names)))
        for j, name in enumerate(names):
            out[:, j] = columns[name]
        return out

    return stack


def _one_hot(names: tuple[str, ...], encoder: OneHotEncoder) -> _Block:
    if encoder.drop_idx_ is not None or encoder._infrequent_enabled:
        raise _Unsupported("one-hot with dropped or infrequent categories")
    if encoder.handle_unknown != "ignore":
        raise _Unsupported("one-hot that refuses unknown categories")
    lookups = [_Categories.of(c) for c in encoder.categories_]
    starts = np.cumsum([0] + [len(c) for c in encoder.categories_])

    def encode(columns: Columns, rows: int) -> np.ndarray:
        out = np.zeros((rows, int(starts[-1])))
        for j, (name, lookup) in enumerate(zip(names, lookups, strict=True)):
            codes = lookup.codes(columns[name])
            known = np.flatnonzero(codes >= 0)
            out[known, starts[j] + codes[known]] = 1.0
        return out

    return _Block(names, int(starts[-1]), encode)


def _ordinal(names: tuple[str, ...], encoder: OrdinalEncoder) -> _Block:
    if encoder._infrequent_enabled or encoder.handle_unknown != "use_encoded_value":
        raise _Unsupported("ordinal encoding that refuses unknown categories")
    unknown, missing = encoder.unknown_value, encoder.encoded_missing_value
    if not (np.isnan(unknown) and np.isnan(missing)):
        raise _Unsupported("ordinal codes other than NaN for unknown and missing")
    lookups = [_Categories.of(c) for c in encoder.categories_]

    def encode(columns: Columns, rows: int) -> np.ndarray:
        out = np.empty((rows, len(names)))
        for j, (name, lookup) in enumerate(zip(names, lookups, strict=True)):
            codes = lookup.codes(columns[name])
            out[:, j] = np.where(codes >= 0, codes, np.nan)
        return out

    return _Block(names, len(names), encode)


def _target(names: tuple[str, ...], encoder: TargetEncoder) -> _Block:
    if encoder.target_type_ != "binary":
        raise _Unsupported("target encoding of a non-binary target")
    lookups = [_Categories.of(c) for c in encoder.categories_]
    # Position -1 (unknown or missing) reads the appended overall rate.
    tables = [
        np.append(np.asarray(e, dtype=float), encoder.target_mean_) for e in encoder.encodings_
    ]

    def encode(columns: Columns, rows: int) -> np.ndarray:
        out = np.empty((rows, len(names)))
        for j, (name, lookup) in enumerate(zip(names, lookups, strict=True)):
            out[:, j] = tables[j][lookup.codes(columns[name])]
        return out

    return _Block(names, len(names), encode)


def _impute(step: SimpleImputer) -> NumericStep:
    if not (isinstance(step.missing_values, float) and np.isnan(step.missing_values)):
        raise _Unsupported("imputing a missing-value marker other than NaN")
    if step.add_indicator or np.isnan(step.statistics_).any():
        raise _Unsupported("imputation with indicators or dropped empty features")
    fill = np.asarray(step.statistics_, dtype=float)

    def impute(x: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(x), fill, x)

    return impute


def _scale(step: StandardScaler) -> NumericStep:
    mean = step.mean_ if step.with_mean else None
    scale = step.scale_ if step.with_std else None

    def standardise(x: np.ndarray) -> np.ndarray:
        if mean is not None:
            x = x - mean
        if scale is not None:
            x = x / scale
        return x

    return standardise


def _yeo_johnson(step: PowerTransformer) -> list[NumericStep]:
    if step.method != "yeo-johnson":
        raise _Unsupported(f"power transform {step.method!r}")
    lmbda = np.asarray(step.lambdas_, dtype=float)
    eps = np.finfo(float).eps
    # scipy.stats.yeojohnson per column, vectorised: the same formulas and branches.
    zero, two = np.abs(lmbda) < eps, np.abs(lmbda - 2) < eps
    up = np.where(zero, 1.0, lmbda)
    down = np.where(two, 1.0, 2 - lmbda)

    def power(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            negative = x < 0  # NaN is not: it takes the first branch and stays NaN
            any_negative = bool(negative.any())
            log_up = np.log1p(np.where(negative, 0.0, x) if any_negative else x)
            above = np.where(zero, log_up, np.expm1(lmbda * log_up) / up)
            if not any_negative:  # counts, sizes, durations: the second branch has no rows
                return above
            log_down = np.log1p(np.where(negative, -x, 0.0))
            below = np.where(two, -log_down, -np.expm1((2 - lmbda) * log_down) / down)
            return np.where(negative, below, above)

    return [power, _scale(step._scaler)] if step.standardize else [power]


def _numeric_steps(steps: list[Any]) -> list[NumericStep]:
    compiled: list[NumericStep] = []
    for step in steps:
        if isinstance(step, SimpleImputer):
            compiled.append(_impute(step))
        elif isinstance(step, StandardScaler):
            compiled.append(_scale(step))
        elif isinstance(step, PowerTransformer):
            compiled.extend(_yeo_johnson(step))
        elif not _is_identity(step):
            raise _Unsupported(f"step {type(step).__name__}")
    return compiled


def _is_identity(step: Any) -> bool:
    """'passthrough', which a fitted ColumnTransformer holds as a FunctionTransformer."""
    if isinstance(step, FunctionTransformer):
        return step.func is None
    return isinstance(step, str) and step == "passthrough"


def _then(block: _Block, steps: list[NumericStep]) -> _Block:
    if not steps:
        return block

    def encode(columns: Columns, rows: int) -> np.ndarray:
        x = block.encode(columns, rows)
        for step in steps:
            x = step(x)
        return x

    return _Block(block.names, block.width, encode)


def _block(encoder: Any, names: tuple[str, ...]) -> _Block:
    steps = [s for _, s in encoder.steps] if isinstance(encoder, Pipeline) else [encoder]
    first, rest = steps[0], steps[1:]
    if isinstance(first, OneHotEncoder):
        if rest:
            raise _Unsupported("steps after one-hot encoding")
        return _one_hot(names, first)
    if isinstance(first, OrdinalEncoder):
        return _then(_ordinal(names, first), _numeric_steps(rest))
    if isinstance(first, TargetEncoder):
        return _then(_target(names, first), _numeric_steps(rest))
    return _then(_Block(names, len(names), _numbers(names)), _numeric_steps(steps))


@dataclass(frozen=True)
class CompiledFeatures:
    """A fitted ColumnTransformer: typed feature columns -> the encoded matrix."""

    blocks: tuple[tuple[_Block, slice], ...]
    width: int

    @classmethod
    def of(cls, transformer: ColumnTransformer) -> CompiledFeatures:
        blocks = []
        for kind, encoder, names in transformer.transformers_:
            if kind == "remainder":
                if encoder != "drop":
                    raise _Unsupported("a remainder that is not dropped")
                continue
            block = _block(encoder, tuple(names))
            where = transformer.output_indices_[kind]
            if where.stop - where.start != block.width:
                raise _Unsupported(f"{kind}: {block.width} columns, scikit-learn has more")
            blocks.append((block, where))
        width = max((where.stop for _, where in blocks), default=0)
        return cls(tuple(blocks), width)

    def transform(self, columns: Columns, rows: int) -> np.ndarray:
        out = np.empty((rows, self.width))
        for block, where in self.blocks:
            out[:, where] = block.encode(columns, rows)
        return out


@dataclass(frozen=True)
class CompiledModel:
    """A binary classifier, calibrated or not: encoded matrix -> probability of class 1.

    The probability is 1 / (1 + exp(a * decision + b)): CalibratedClassifierCV's sigmoid map,
    or a = -1, b = 0 for an uncalibrated model's own probability (the logistic function of its
    decision value). An isotonic calibration is a piecewise-linear map (`steps`: its
    thresholds and values; clipped at the ends), as IsotonicRegression.predict computes it.
    """

    decision: Callable[[np.ndarray], np.ndarray]
    a: float
    b: float
    steps: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, model: Any) -> CompiledModel:
        if isinstance(model, LogisticRegression | HistGradientBoostingClassifier):
            return cls(_decision(model), -1.0, 0.0)
        fitted = getattr(model, "calibrated_classifiers_", None)
        if not isinstance(model, CalibratedClassifierCV) or not fitted or len(fitted) != 1:
            raise _Unsupported("not a single calibrated classifier (ensemble=False)")
        inner = fitted[0]
        (calibrator,) = inner.calibrators
        if list(model.classes_) != [0, 1]:
            raise _Unsupported("classes other than 0/1")
        decision = _decision(inner.estimator)
        if isinstance(calibrator, _SigmoidCalibration):
            return cls(decision, float(calibrator.a_), float(calibrator.b_))
        if isinstance(calibrator, IsotonicRegression) and calibrator.out_of_bounds == "clip":
            steps = (np.asarray(calibrator.X_thresholds_), np.asarray(calibrator.y_thresholds_))
            return cls(decision, 0.0, 0.0, steps)
        raise _Unsupported(f"calibration {type(calibrator).__name__}")

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        """The map from decision value to probability, in place on one array where it can be
        (drivers evaluate it on millions of values; numpy's exp is about 3x faster than
        scipy's expit). The sigmoid never exceeds 1, so sklearn's clip of values just above 1
        has nothing to do; exp overflowing to inf gives exactly 0, as expit does."""
        if self.steps is not None:
            return np.interp(decision, *self.steps)
        z = np.multiply(decision, self.a)
        z += self.b
        with np.errstate(over="ignore", under="ignore"):
            np.exp(z, out=z)
        z += 1.0
        return np.reciprocal(z, out=z)

    def probability(self, encoded: np.ndarray) -> np.ndarray:
        return self.calibrate(self.decision(encoded))


def _decision(base: Any) -> Callable[[np.ndarray], np.ndarray]:
    if list(base.classes_) != [0, 1]:
        raise _Unsupported("classes other than 0/1")
    if isinstance(base, LogisticRegression) and base.coef_.shape[0] == 1:
        weights, intercept = np.asarray(base.coef_[0]), float(base.intercept_[0])
        return lambda x: x @ weights + intercept
    if isinstance(base, HistGradientBoostingClassifier):
        return _Forest.of(base).decision
    raise _Unsupported(f"estimator {type(base).__name__}")


FOREST_CELLS = 200_000  # rows x trees walked in numpy at once; bigger batches use sklearn's


@dataclass(frozen=True)
class _Forest:
    """A binary HistGradientBoostingClassifier's trees as flat arrays, walked for every
    (row, tree) pair at once, one level per step, exactly as sklearn's
    `_predict_one_from_raw_data` walks one: NaN follows `missing_go_to_left`; a category goes
    left when its bit is set in the split's bitset, right when it was known in training, and
    the missing-value way when it is unknown (or negative)."""

    estimator: HistGradientBoostingClassifier
    nodes: np.ndarray  # all trees' node records, children renumbered into this array
    roots: np.ndarray
    left_bitsets: np.ndarray  # the categorical splits' bitsets, all trees
    bitset_of: np.ndarray  # node -> its row in left_bitsets
    known_bitsets: np.ndarray
    feature_slot: np.ndarray  # feature -> its row in known_bitsets
    baseline: float
    depth: int

    @classmethod
    def of(cls, estimator: HistGradientBoostingClassifier) -> _Forest:
        if estimator.n_trees_per_iteration_ != 1:
            raise _Unsupported("gradient boosting with more than one tree per iteration")
        trees = [predictors[0] for predictors in estimator._predictors]
        nodes, roots, bitsets, bitset_of = [], [], [], []
        node_start = bitset_start = 0
        for tree in trees:
            records = tree.nodes.copy()
            leaf = records["is_leaf"].astype(bool)
            records["left"][~leaf] += node_start
            records["right"][~leaf] += node_start
            nodes.append(records)
            bitset_of.append(records["bitset_idx"].astype(np.intp) + bitset_start)
            bitsets.append(tree.raw_left_cat_bitsets)
            roots.append(node_start)
            node_start += len(records)
            bitset_start += len(tree.raw_left_cat_bitsets)
        known, slots = estimator._bin_mapper.make_known_categories_bitsets()
        flat = np.concatenate(nodes)
        return cls(
            estimator,
            flat,
            np.array(roots, dtype=np.intp),
            np.concatenate(bitsets) if bitset_start else np.zeros((1, 8), np.uint32),
            np.concatenate(bitset_of),
            known,
            slots.astype(np.intp),
            float(estimator._baseline_prediction.ravel()[0]),
            int(flat["depth"].max()) + 1,
        )

    def decision(self, x: np.ndarray) -> np.ndarray:
        if len(x) * len(self.roots) > FOREST_CELLS:
            return self.estimator.decision_function(x)
        nodes = self.nodes
        at = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            inner = ~nodes["is_leaf"][at].astype(bool)
            if not inner.any():
                break
            node = nodes[at]
            value = x[rows, node["feature_idx"]]
            missing = np.isnan(value)
            left = np.where(
                missing, node["missing_go_to_left"] == 1, value <= node["num_threshold"]
            )
            category = (node["is_categorical"] == 1) & ~missing
            if category.any():
                left[category] = self._category_goes_left(at[category], value[category])
            step = np.where(left, node["left"], node["right"]).astype(np.intp)
            at = np.where(inner, step, at)
        return self.baseline + nodes["value"][at].sum(axis=1)

    def _category_goes_left(self, at: np.ndarray, value: np.ndarray) -> np.ndarray:
        node = self.nodes[at]
        # sklearn reads the code as a uint8 (HGB categories are < 256): the same cast here.
        code = np.where(value < 0, 0, value).astype(np.intp) & 0xFF
        in_left = _in_bitset(self.left_bitsets[self.bitset_of[at]], code)
        known = _in_bitset(self.known_bitsets[self.feature_slot[node["feature_idx"]]], code)
        missing_way = node["missing_go_to_left"] == 1
        return np.where(value < 0, missing_way, in_left | (~known & missing_way))


def _in_bitset(bitsets: np.ndarray, code: np.ndarray) -> np.ndarray:
    words = bitsets[np.arange(len(code)), code // 32]
    return ((words >> (code % 32).astype(np.uint32)) & 1).astype(bool)


@dataclass(frozen=True)
class CompiledPipeline:
    features: CompiledFeatures
    model: CompiledModel


def compile_pipeline(pipeline: Pipeline, features: list[Feature]) -> CompiledPipeline | None:
    """The numpy replay of a fitted `features` + calibrated `model` pipeline, or None when a
    step is not one this module knows or the replay disagrees with scikit-learn."""
    try:
        compiled = CompiledPipeline(
            CompiledFeatures.of(pipeline[0]), CompiledModel.of(pipeline[-1])
        )
    except _Unsupported as exc:
        logger.info("scoring with scikit-learn: %s", exc)
        return None
    probes = probe_columns(features)
    rows = len(next(iter(probes.values())))
    expected = pipeline.predict_proba(pd.DataFrame(probes))[:, 1]
    got = compiled.model.probability(compiled.features.transform(probes, rows))
    difference = float(np.max(np.abs(got - expected)))
    if not difference <= AGREEMENT:  # NaN is a disagreement too
        logger.warning(
            "compiled scoring differs from scikit-learn by %.3g; scoring with scikit-learn",
            difference,
        )
        return None
    return compiled


def probe_columns(features: list[Feature]) -> dict[str, np.ndarray]:
    """Rows that reach every branch: each category, unseen and missing categories, missing
    numbers, the training range's ends, zero and negative numbers."""
    rows = max([6, *(len(f.categories) + 2 for f in features)])
    columns: dict[str, np.ndarray] = {}
    for feature in features:
        if feature.kind == "categorical":
            values = [*feature.categories, "__never_seen__", None]
            columns[feature.name] = np.array(
                [values[i % len(values)] for i in range(rows)], dtype=object
            )
            continue
        low = feature.minimum if feature.minimum is not None else 0.0
        high = feature.maximum if feature.maximum is not None else 1.0
        pattern = [low, high, np.nan, 0.0, (low + high) / 2, -abs(high) - 1.0]
        if feature.kind == "boolean":
            pattern = [0.0, 1.0, np.nan, 1.0, 0.0, np.nan]
        columns[feature.name] = np.array([pattern[i % len(pattern)] for i in range(rows)])
    return columns
