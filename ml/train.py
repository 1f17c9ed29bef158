"""Train a risk model from a table of past projects and a spec (CONTRACT.md `risk train`).

The steps, each in its own module: read the table and order it by time (ml.training_data),
screen the columns (ml.columns), tune the boosting on the inner split (ml.tuning), choose each
candidate's calibration (ml.calibration), validate and choose the candidate
(ml.validation), fit the chosen one and its P50/P80 table (ml.quantiles), warn
(ml.training_checks) and describe the model (ml.training_card).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from ml.calibration import choose_calibration
from ml.card import Levels, ModelCard, TargetCard
from ml.columns import screen_columns
from ml.errors import RiskSpecError
from ml.features import Feature, coerce_frame, infer_features
from ml.model import RiskModel, TargetEstimators
from ml.pipelines import CANDIDATES, GRADIENT_BOOSTING, category_limit, make_classifier
from ml.quantiles import fit_table, held_out_quality
from ml.spec import RiskSpec, TargetSpec
from ml.training_card import feature_card, rank_drivers, reference_values, share_encodings, versions
from ml.training_checks import check_enough, column_report, data_warnings, skill_warning
from ml.training_data import read_training_csv, time_order
from ml.tuning import HALF_LIVES, recency_weights, tune_boosting, two_classes
from ml.validation import TIME_TEST_SHARE, Validation, repeated_kfold, time_ordered

logger = logging.getLogger(__name__)


def train_risk_model(
    frame: pd.DataFrame,
    spec: RiskSpec,
    *,
    data_sha256: str | None = None,
    seed: int = 0,
    cv_repeats: int | None = None,
) -> RiskModel:
    """Validate, choose and fit one calibrated classifier per target (+ a P50/P80 table for
    ratio targets).

    `cv_repeats` overrides the number of k-fold repeats (default 5, fewer on big data) when
    the spec has no time column. Raises RiskSpecError / RiskInputError on unusable data.
    """
    # Many small fits: one thread each is faster than OpenMP threads fighting for the cores.
    with threadpool_limits(limits=1 if len(frame) < 50_000 else None):
        return _train(frame, spec, data_sha256, seed, cv_repeats)


def _train(
    frame: pd.DataFrame, spec: RiskSpec, data_sha256: str | None, seed: int, cv_repeats: int | None
) -> RiskModel:
    """One model, or with spec `checkpoint` columns a checkpoint model (with them) that
    carries a kick-off model (without them) for projects that have none of their values."""
    model = _train_one(frame, spec, data_sha256, seed, cv_repeats)
    staged = set(spec.checkpoint) & {f.name for f in model.features}
    if not staged:
        return model
    kickoff = _train_one(frame, spec.kickoff_spec(), data_sha256, seed, cv_repeats)
    model.card.stage = "checkpoint"
    model.card.kickoff = kickoff.card
    for warning in kickoff.card.warnings:
        if warning.code == "no_skill":
            model.card.warnings.append(
                warning.model_copy(update={"message": f"kick-off model: {warning.message}"})
            )
    return RiskModel(model.card, model.estimators, kickoff=kickoff)


def _train_one(
    frame: pd.DataFrame, spec: RiskSpec, data_sha256: str | None, seed: int, cv_repeats: int | None
) -> RiskModel:
    columns = [str(c) for c in frame.columns]
    spec.check_columns(columns)
    screened = screen_columns(frame, spec, seed)
    features = infer_features(frame, screened.candidates, spec.categorical)
    if not features:
        raise RiskSpecError(
            "no feature columns are left after id, time, drop, outcome, empty, constant and "
            "leakage columns: " + ", ".join(f"{e.name} ({e.reason})" for e in screened.excluded)
        )
    warnings = [*screened.warnings, *data_warnings(frame, spec)]
    x = coerce_frame(frame, features)
    order, days = time_order(frame, spec.time)
    frame, x = frame.iloc[order].reset_index(drop=True), x.iloc[order].reset_index(drop=True)
    targets, estimators = {}, {}
    for name, target in spec.targets.items():
        targets[name], estimators[name] = _train_target(
            name, target, frame, x, features, spec, (seed, cv_repeats), days
        )
    share_encodings(targets, estimators, x)
    warnings += [skill_warning(n, t) for n, t in targets.items() if t.no_skill]
    reference = reference_values(x, features)
    limit = min(category_limit(t.model) for t in targets.values())
    card = ModelCard(
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=versions(),
        data_sha256=data_sha256,
        rows=len(frame),
        id_column=spec.id,
        time_column=spec.time,
        spec=spec.model_dump(mode="json"),
        features=[feature_card(f, reference[f.name], limit) for f in features],
        targets=targets,
        driver_features=[f.name for f in features],
        columns=column_report(columns, features, screened.excluded, spec.checkpoint),
        warnings=warnings,
    )
    for warning in warnings:
        logger.warning("%s: %s", warning.code, warning.message)
    model = RiskModel(card, estimators)
    card.driver_features = rank_drivers(model, frame, seed)
    return model


def _train_target(
    name: str,
    target: TargetSpec,
    frame: pd.DataFrame,
    x: pd.DataFrame,
    features: list[Feature],
    spec: RiskSpec,
    seeding: tuple[int, int | None],
    days: np.ndarray | None,
) -> tuple[TargetCard, TargetEstimators]:
    seed, cv_repeats = seeding
    y_all, known = target.labels(frame)
    x_t, y = x[known].reset_index(drop=True), y_all[known]
    check_enough(name, y)
    days_t = days[known] if days is not None else None
    tuned, half_life = (
        tune_boosting(features, x_t, y, days_t, seed) if days_t is not None else (None, None)
    )

    def weights(candidate: str, rows: np.ndarray) -> np.ndarray | None:
        if candidate != GRADIENT_BOOSTING or days_t is None:
            return None
        return recency_weights(days_t[rows], half_life)

    calibration, calibration_briers = _calibrations(
        features, x_t, y, seed, tuned, weights, timed=days_t is not None
    )

    def make(candidate: str, rows: int):
        return make_classifier(candidate, features, rows, seed, tuned, calibration[candidate])

    timed_weights = weights if days_t is not None else None
    chosen, validation = _validate(make, x_t, y, timed_weights, seed, cv_repeats)
    logger.info("target %s: chose %s (AUC %.3f)", name, chosen, validation.roc_auc)
    final_weights = weights(chosen, np.arange(len(y)))
    fit_params = {"model__sample_weight": final_weights} if final_weights is not None else {}
    classifier = make(chosen, len(y)).fit(x_t, y, **fit_params)
    estimators = TargetEstimators(classifier)
    quantiles = None
    if target.kind == "ratio":
        ratio = target.overrun_ratio(frame)[known].to_numpy()
        quantiles = _fit_quantiles(
            lambda rows: make(chosen, rows), x_t, y, ratio, spec.time is not None, seed
        )
    base_rate = float(y.mean())
    card = TargetCard(
        no_skill=validation.no_skill(),
        definition=target.definition(),
        kind=target.kind,
        positives=int(y.sum()),
        rows=len(y),
        base_rate=base_rate,
        model=chosen,
        levels=Levels(medium=round(base_rate, 4), high=round((base_rate + 1) / 2, 4)),
        validation=validation,
        quantiles=quantiles,
        boosting_parameters=tuned,
        recency_half_life=half_life if chosen == GRADIENT_BOOSTING else None,
        calibration=calibration[chosen],
        calibration_briers=calibration_briers[chosen],
    )
    return card, estimators


def _calibrations(features, x, y, seed, tuned, weights, *, timed: bool):
    """Each candidate's calibration (ml.calibration), chosen on the rows that choose the
    model: the earliest 80% when validation is time-ordered (the test part stays unseen),
    else all rows."""
    rows = round(len(y) * (1 - TIME_TEST_SHARE)) if timed else len(y)
    chosen, briers = {}, {}
    for candidate in CANDIDATES:
        raw = make_classifier(candidate, features, rows, seed, tuned, calibration="none")
        chosen[candidate], briers[candidate] = choose_calibration(
            raw, x.iloc[:rows], y[:rows], seed, lambda r, c=candidate: weights(c, r)
        )
    logger.info("calibration per candidate: %s (%s)", chosen, briers)
    return chosen, briers


def _validate(
    make, x: pd.DataFrame, y: np.ndarray, weights, seed: int, repeats: int | None
) -> tuple[str, Validation]:
    """Time-ordered when `weights` (the spec has a time column) is given, else k-fold."""
    if weights is not None:
        cut = round(len(y) * (1 - TIME_TEST_SHARE))
        if len(np.unique(y[cut:])) == 2 and len(np.unique(y[:cut])) == 2:
            return time_ordered(make, CANDIDATES, x, y, weights)
        logger.warning("latest 20%% of rows has one class; using repeated k-fold instead")
    return repeated_kfold(make, CANDIDATES, x, y, seed, repeats)


def _fit_quantiles(make, x: pd.DataFrame, y: np.ndarray, ratio: np.ndarray, timed: bool, seed: int):
    """P50/P80 table (ml.quantiles) from out-of-fold probabilities of the chosen classifier.

    Quality first: a table from the training part's out-of-fold probabilities, applied to the
    held-out 20% (latest by time, or random) scored by a classifier fitted on the training part.
    """
    n = len(ratio)
    if timed:
        test = np.arange(round(n * (1 - TIME_TEST_SHARE)), n)
    else:
        test = np.random.default_rng(seed).permutation(n)[: max(1, n // 5)]
    train = np.setdiff1d(np.arange(n), test)
    quantity = "actual / planned - 1"
    quality: dict[str, float | int] = {}
    if two_classes(y[train]):
        table = fit_table(_out_of_fold(make, x.iloc[train], y[train], seed), ratio[train], quantity)
        fitted = make(len(train)).fit(x.iloc[train], y[train])
        p_test = fitted.predict_proba(x.iloc[test])[:, 1]
        quality = held_out_quality(table, p_test, ratio[test], ratio[train])
    card = fit_table(_out_of_fold(make, x, y, seed), ratio, quantity)
    return card.model_copy(update=quality)


def _out_of_fold(make, x: pd.DataFrame, y: np.ndarray, seed: int) -> np.ndarray:
    folds = 3 if np.bincount(y).min() >= 3 else 2
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    p = np.empty(len(y))
    for fit, held in splitter.split(np.zeros(len(y)), y):
        p[held] = make(len(fit)).fit(x.iloc[fit], y[fit]).predict_proba(x.iloc[held])[:, 1]
    return p



__all__ = [
    "HALF_LIVES",
    "Validation",
    "read_training_csv",
    "recency_weights",
    "train_risk_model",
]
