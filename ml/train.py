"""Train a risk model from a CSV of past projects and a spec (CONTRACT.md `risk train`)."""

from __future__ import annotations

import hashlib
import io
import logging
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from ml.calibration import choose_calibration
from ml.card import FeatureCard, Levels, ModelCard, TargetCard
from ml.columns import (
    ColumnReport,
    ExcludedColumn,
    TrainingWarning,
    UsedColumn,
    screen_columns,
)
from ml.dates import parse_dates
from ml.errors import RiskInputError, RiskSpecError
from ml.features import Feature, coerce_frame, infer_features
from ml.model import RiskModel, TargetEstimators
from ml.pipelines import (
    BOOSTING_GRID,
    CANDIDATES,
    GRADIENT_BOOSTING,
    category_limit,
    encoding_group,
    make_boosting,
    make_classifier,
    tree_features,
)
from ml.quantiles import fit_table, held_out_quality
from ml.spec import RiskSpec, TargetSpec
from ml.tables import SAMPLE_BYTES, detect_encoding, sniff_separator
from ml.validation import TIME_TEST_SHARE, Validation, repeated_kfold, time_ordered
from ml.xlsx import read_xlsx

logger = logging.getLogger(__name__)

MIN_ROWS = 30
MIN_PER_CLASS = 5
DRIVER_SAMPLE = 300
HALF_LIVES = (None, 0.25, 0.5, 1.0)  # recency weighting, as fractions of the time span
TUNE_MIN_ROWS = 2000  # below this the inner split is too small to rank 8 settings


def read_training_csv(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """The table of past projects and the SHA-256 of its bytes (recorded in the card): a CSV
    in UTF-8 (BOM or not) or GBK/GB18030, `,` `;` or tab separated, or an .xlsx (its first
    sheet, or `sheet`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RiskSpecError(f"training data {path} does not exist") from None
    except OSError as exc:
        raise RiskSpecError(f"cannot read training data {path}: {exc.strerror}") from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_xlsx(path, sheet), digest
        encoding = detect_encoding(raw)
        text = raw.decode(encoding)
        frame = pd.read_csv(io.StringIO(text), sep=sniff_separator(text[:SAMPLE_BYTES]))
    except RiskInputError as exc:
        raise RiskSpecError(str(exc)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RiskSpecError(f"{path} is not a readable CSV: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, digest


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
    order, days = _time_order(frame, spec.time)
    frame, x = frame.iloc[order].reset_index(drop=True), x.iloc[order].reset_index(drop=True)
    targets, estimators = {}, {}
    for name, target in spec.targets.items():
        targets[name], estimators[name] = _train_target(
            name, target, frame, x, features, spec, (seed, cv_repeats), days
        )
    _share_encodings(targets, estimators, x)
    warnings += [skill_warning(n, t) for n, t in targets.items() if t.no_skill]
    reference = _reference_values(x, features)
    limit = min(category_limit(t.model) for t in targets.values())
    card = ModelCard(
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=_versions(),
        data_sha256=data_sha256,
        rows=len(frame),
        id_column=spec.id,
        time_column=spec.time,
        spec=spec.model_dump(mode="json"),
        features=[_feature_card(f, reference[f.name], limit) for f in features],
        targets=targets,
        driver_features=[f.name for f in features],
        columns=column_report(columns, features, screened.excluded, spec.checkpoint),
        warnings=warnings,
    )
    for warning in warnings:
        logger.warning("%s: %s", warning.code, warning.message)
    model = RiskModel(card, estimators)
    card.driver_features = _rank_drivers(model, frame, seed)
    return model


SMALL_DATA_ROWS = 100
SMALL_DATA_POSITIVES = 20


def column_report(
    columns: list[str],
    features: list[Feature],
    excluded: list[ExcludedColumn],
    checkpoint: list[str] | None = None,
) -> ColumnReport:
    """Every column of the file in its order: used (type, stage: "checkpoint" for the
    spec's checkpoint columns, else "plan") or excluded (reason)."""
    late = set(checkpoint or ())
    kinds = {f.name: f.kind for f in features}
    reasons = {e.name: e for e in excluded}
    report = ColumnReport()
    for name in columns:
        if name in kinds:
            stage = "checkpoint" if name in late else "plan"
            report.used.append(UsedColumn(name=name, type=kinds[name], stage=stage))
        else:
            report.excluded.append(
                reasons.get(name) or ExcludedColumn(name=name, reason="no values")
            )
    return report


def data_warnings(frame: pd.DataFrame, spec: RiskSpec) -> list[TrainingWarning]:
    """`duplicate_ids` (the same id on several rows) and `small_data` per target."""
    warnings = []
    if spec.id:
        ids = frame[spec.id].dropna().astype(str)
        repeated = ids[ids.duplicated(keep=False)]
        if len(repeated):
            examples = ", ".join(repeated.unique()[:5])
            warnings.append(
                TrainingWarning(
                    code="duplicate_ids",
                    message=f"{repeated.nunique()} ids appear on more than one row "
                    f"(e.g. {examples}): the same project counted twice makes validation "
                    "optimistic; remove the duplicates.",
                    columns=[spec.id],
                )
            )
    for name, target in spec.targets.items():
        y, known = target.labels(frame)
        rows, positives = int(known.sum()), int(y[known].sum())
        fewer = min(positives, rows - positives)
        if rows < SMALL_DATA_ROWS or fewer < SMALL_DATA_POSITIVES:
            warnings.append(
                TrainingWarning(
                    code="small_data",
                    message=f"target {name}: {rows} rows with a known outcome, {fewer} in the "
                    f"smaller class; below {SMALL_DATA_ROWS} rows or {SMALL_DATA_POSITIVES} per "
                    "class the validation is too uncertain to trust.",
                    target=name,
                )
            )
    return warnings


def skill_warning(name: str, target: TargetCard) -> TrainingWarning:
    v = target.validation
    auc = f"{v.roc_auc_interval[0]:.3f}-{v.roc_auc_interval[1]:.3f}" if v.roc_auc_interval else "?"
    gain = v.brier_gain_interval
    gained = f"{gain[0]:+.4f} to {gain[1]:+.4f}" if gain else "?"
    return TrainingWarning(
        code="no_skill",
        message=f"target {name}: held-out ROC AUC {v.roc_auc:.3f} (95% interval {auc}), Brier "
        f"gain over the class prior {gained}: not clearly better than the prior, so its "
        "probabilities carry no information about a project; do not use them to rank projects.",
        target=name,
    )


def _share_encodings(
    targets: dict[str, TargetCard], estimators: dict[str, TargetEstimators], x: pd.DataFrame
) -> None:
    """Mark a target whose fitted encoding gives the same output as an earlier target's.

    Unsupervised encoders fitted on the same rows are the same function; checking the output
    on every training row (not the rows each was fitted on) also catches any difference.
    """
    seen: list[str] = []
    for name, target in targets.items():
        encoder = estimators[name].classifier[0]
        for earlier in seen:
            other = estimators[earlier].classifier[0]
            if targets[earlier].model == target.model and _same_output(encoder, other, x):
                target.encoding_of = earlier
                break
        else:
            seen.append(name)


def _same_output(one, other, x: pd.DataFrame) -> bool:
    a, b = np.asarray(one.transform(x)), np.asarray(other.transform(x))
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _time_order(frame: pd.DataFrame, time: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Row order by the time column, and each sorted row's time in days (None: no column)."""
    if not time:
        return np.arange(len(frame)), None
    stamps = _dates(frame[time], time)
    bad = stamps.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise RiskSpecError(
            f"row {row + 1}, column {time}: {frame[time].iloc[row]!r} is not a date; the time "
            "column orders validation, so every row needs one (or drop `time` from the spec)"
        )
    order = np.argsort(stamps.to_numpy(), kind="stable")
    days = (stamps - stamps.min()).dt.total_seconds().to_numpy()[order] / 86400.0
    return order, days


def _dates(values: pd.Series, column: str) -> pd.Series:
    """ISO dates and times fast (pandas); any other form through ml.dates (2024/3/5,
    2024年3月5日, day/month decided per column; RiskInputError naming the row if unclear)."""
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        pass
    try:
        return parse_dates(values, column)
    except RiskInputError as exc:
        raise RiskSpecError(
            f"{exc}; the time column orders validation, so every row needs a date "
            "(or drop `time` from the spec)"
        ) from None


def recency_weights(days: np.ndarray, half_life: float | None) -> np.ndarray | None:
    """Weight 1 for the latest row, halving every `half_life` x the rows' time span."""
    span = float(days.max() - days.min()) if len(days) else 0.0
    if half_life is None or span <= 0:
        return None
    return np.power(0.5, (days.max() - days) / (half_life * span))


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
    _check_enough(name, y)
    days_t = days[known] if days is not None else None
    tuned, half_life = (
        _tune_boosting(features, x_t, y, days_t, seed) if days_t is not None else (None, None)
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


def _tune_boosting(
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
    if n < TUNE_MIN_ROWS or not (_two_classes(y[fit]) and _two_classes(y[check])):
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


def _check_enough(name: str, y: np.ndarray) -> None:
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if len(y) < MIN_ROWS:
        raise RiskSpecError(
            f"target {name}: only {len(y)} rows have a known outcome; at least {MIN_ROWS} "
            "past projects are needed to train and validate a model"
        )
    if min(positives, negatives) < MIN_PER_CLASS:
        which = "positive" if positives < negatives else "negative"
        raise RiskSpecError(
            f"target {name}: {positives} positive and {negatives} negative rows; at least "
            f"{MIN_PER_CLASS} {which} rows are needed (check the threshold in the spec)"
        )


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
    if _two_classes(y[train]):
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


def _two_classes(y: np.ndarray) -> bool:
    return bool(len(np.unique(y)) == 2 and np.bincount(y).min() >= 2)


def _reference_values(x: pd.DataFrame, features: list[Feature]) -> dict[str, float | str | None]:
    reference: dict[str, float | str | None] = {}
    for f in features:
        present = x[f.name].dropna()
        if present.empty:
            reference[f.name] = None
        elif f.kind == "numeric":
            reference[f.name] = float(present.median())
        elif f.kind == "boolean":
            reference[f.name] = float(present.mode().iloc[0])
        else:
            reference[f.name] = str(present.mode().iloc[0])
    return reference


def _feature_card(feature: Feature, reference: float | str | None, limit: int) -> FeatureCard:
    """`limit`: the fewest levels a chosen model target-encodes above (ml.pipelines)."""
    encoding = None
    if feature.kind == "categorical":
        many = encoding_group(feature, limit) == "many_categories"
        encoding = "target" if many else "categories"
    return FeatureCard(
        name=feature.name,
        type=feature.kind,
        categories=list(feature.categories) if feature.kind == "categorical" else None,
        min=feature.minimum,
        max=feature.maximum,
        reference=reference,
        encoding=encoding,
    )


def _rank_drivers(model: RiskModel, frame: pd.DataFrame, seed: int) -> list[str]:
    """Features by mean |effect| over a sample of training rows, largest first."""
    rows = np.random.default_rng(seed).permutation(len(frame))[:DRIVER_SAMPLE]
    x = coerce_frame(frame.iloc[rows], model.features)
    strength = np.zeros(len(model.features))
    for estimators in model.estimators.values():
        encoded = estimators.classifier[0].transform(x)
        p = estimators.classifier[-1].predict_proba(encoded)[:, 1]
        strength += np.abs(model.effects(estimators.classifier, encoded, p)).mean(axis=0)
    order = np.argsort(-strength, kind="stable")
    return [model.features[i].name for i in order]


def _versions() -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "unknown"

    return {
        "pmassist": version("pmassist"),
        "sklearn": sklearn.__version__,
        "skops": version("skops"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


__all__ = ["Validation", "read_training_csv", "train_risk_model"]
