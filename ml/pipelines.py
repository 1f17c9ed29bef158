"""The scikit-learn pipelines the risk model chooses between.

Every pipeline is `features` (a ColumnTransformer with one column-wise transformer per kind
of feature, so each feature owns known output columns: `encoded_columns`) followed by `model`
(a calibrated classifier). Knowing each feature's columns is what lets
drivers replace a single feature by its reference value after encoding.

Categorical features with more than MANY_CATEGORIES categories in the training data (ids,
topic numbers, client codes) are target-encoded instead: one column holding the category's
positive rate, cross-fitted while training (sklearn's TargetEncoder: each training row is
encoded by folds that did not see it), shrunk towards the overall rate for rare categories.
Codes or one-hot columns for hundreds of levels would let either model memorise them.

The third candidate, `hist_gradient_boosting_native`, is scikit-learn's default gradient
boosting (31 leaves, no L2, 100 iterations, early stopping only above 10,000 rows) with every
category of up to NATIVE_CATEGORIES levels split natively (categories grouped at each split),
target encoding only beyond that. On the TSP logs and the SiP tasks (45-77 level project,
area and requester columns) it validated 0.01-0.02 ROC AUC above the tuned, target-encoding
candidate; validation chooses between them (ml.validation).
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    OrdinalEncoder,
    PowerTransformer,
    StandardScaler,
    TargetEncoder,
)

from ml.features import Feature

GRADIENT_BOOSTING = "hist_gradient_boosting"
NATIVE_BOOSTING = "hist_gradient_boosting_native"
LOGISTIC_REGRESSION = "logistic_regression"
CANDIDATES = (GRADIENT_BOOSTING, LOGISTIC_REGRESSION, NATIVE_BOOSTING)
MANY_CATEGORIES = 30
NATIVE_CATEGORIES = 255  # HistGradientBoosting's limit (max_bins) for a native category


def encoding_group(feature: Feature, many: int = MANY_CATEGORIES) -> str:
    """Which column-wise encoder a feature gets: its kind, or `many_categories` (more than
    `many` levels: target-encoded)."""
    if feature.kind == "categorical" and len(feature.categories) > many:
        return "many_categories"
    return feature.kind


def category_limit(candidate: str) -> int:
    """Up to how many levels a candidate takes a category as it is (codes or one-hot)."""
    return NATIVE_CATEGORIES if candidate == NATIVE_BOOSTING else MANY_CATEGORIES


def _target_encoder(features: list[Feature], seed: int, limit: int) -> TargetEncoder:
    many = [f for f in features if encoding_group(f, limit) == "many_categories"]
    return TargetEncoder(
        categories=[list(f.categories) for f in many],  # unknown and missing -> overall rate
        target_type="binary",
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    )


def tree_features(
    features: list[Feature], seed: int = 0, limit: int = MANY_CATEGORIES
) -> ColumnTransformer:
    """Categories -> ordinal codes (unknown and missing -> NaN), more than `limit` levels ->
    target encoding, numbers pass through."""
    categorical = [f for f in features if encoding_group(f, limit) == "categorical"]
    encoder = OrdinalEncoder(
        categories=[list(f.categories) for f in categorical],
        handle_unknown="use_encoded_value",
        unknown_value=np.nan,
        encoded_missing_value=np.nan,
    )
    return _by_kind(
        features,
        limit,
        categorical=encoder,
        many_categories=_target_encoder(features, seed, limit),
        numeric="passthrough",
        boolean="passthrough",
    )


def linear_features(features: list[Feature], seed: int = 0) -> ColumnTransformer:
    """One-hot categories (unknown -> all zeros), many categories target-encoded and scaled;
    numbers imputed, then made symmetric and scaled (Yeo-Johnson: costs, sizes and counts are
    skewed, and a linear model needs them on a log-like scale); 0/1 features imputed and
    scaled."""
    categorical = [f for f in features if encoding_group(f) == "categorical"]
    return _by_kind(
        features,
        MANY_CATEGORIES,
        categorical=OneHotEncoder(
            categories=[list(f.categories) for f in categorical], handle_unknown="ignore"
        ),
        many_categories=Pipeline(
            [
                ("encode", _target_encoder(features, seed, MANY_CATEGORIES)),
                ("scale", StandardScaler()),
            ]
        ),
        numeric=Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", PowerTransformer()),
            ]
        ),
        boolean=Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
            ]
        ),
    )


def _by_kind(features: list[Feature], limit: int, **encoders: object) -> ColumnTransformer:
    steps = []
    for kind, encoder in encoders.items():
        names = [f.name for f in features if encoding_group(f, limit) == kind]
        if names:
            steps.append((kind, encoder, names))
    return ColumnTransformer(steps, verbose_feature_names_out=False, sparse_threshold=0.0)


def encoded_columns(transformer: ColumnTransformer, features: list[Feature]) -> dict[str, slice]:
    """Which output columns of a fitted `tree_features`/`linear_features` each feature owns."""
    by_name = {f.name: f for f in features}
    columns: dict[str, slice] = {}
    for kind, encoder, names in transformer.transformers_:
        if kind == "remainder":
            continue
        start = transformer.output_indices_[kind].start
        for name in names:
            one_hot = isinstance(encoder, OneHotEncoder)
            width = len(by_name[name].categories) if one_hot else 1
            columns[name] = slice(start, start + width)
            start += width
        if start != transformer.output_indices_[kind].stop:
            raise AssertionError(f"encoded width of {kind} features does not add up")
    return columns


def categorical_mask(features: list[Feature], limit: int = MANY_CATEGORIES) -> list[bool]:
    """Which `tree_features` output columns are category codes (they come first)."""
    categorical = sum(encoding_group(f, limit) == "categorical" for f in features)
    return [True] * categorical + [False] * (len(features) - categorical)


DEFAULT_BOOSTING = {
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
}
# Tried on an inner time-ordered split when the spec has a time column (ml.validation).
BOOSTING_GRID = [
    {
        "learning_rate": lr,
        "max_leaf_nodes": leaves,
        "min_samples_leaf": leaf,
        "l2_regularization": 1.0,
    }
    for lr in (0.05, 0.1)
    for leaves in (15, 31)
    for leaf in (10, 40)
]


def make_boosting(features: list[Feature], seed: int, params: dict | None = None):
    """The (uncalibrated) gradient boosting with `params` over DEFAULT_BOOSTING."""
    return HistGradientBoostingClassifier(
        **{**DEFAULT_BOOSTING, **(params or {})},
        max_iter=300,
        categorical_features=categorical_mask(features),
        early_stopping=True,  # the boosting stops once a 10% holdout stops improving
        n_iter_no_change=10,
        random_state=seed,
    )


def make_native_boosting(features: list[Feature], seed: int) -> HistGradientBoostingClassifier:
    """scikit-learn's default gradient boosting, categories of up to NATIVE_CATEGORIES levels
    split natively (the `tree_features(..., NATIVE_CATEGORIES)` codes)."""
    return HistGradientBoostingClassifier(
        categorical_features=categorical_mask(features, NATIVE_CATEGORIES), random_state=seed
    )


CALIBRATIONS = ("sigmoid", "none", "isotonic")  # preference order when Brier scores tie


def make_classifier(
    name: str,
    features: list[Feature],
    rows: int,
    seed: int,
    params: dict | None = None,
    calibration: str = "sigmoid",
) -> Pipeline:
    """A candidate: `hist_gradient_boosting` (with `params`), `hist_gradient_boosting_native`
    (scikit-learn's defaults, native categories) or `logistic_regression`, with
    its probabilities calibrated by `calibration` (ml.calibration chooses it per target):
    `sigmoid` or `isotonic` (a map learnt on out-of-fold predictions, one base model to
    evaluate at scoring time: ensemble=False) or `none` (the model's own probabilities)."""
    if name == GRADIENT_BOOSTING:
        model = make_boosting(features, seed, params)
        preprocess = tree_features(features, seed)
    elif name == NATIVE_BOOSTING:
        model = make_native_boosting(features, seed)
        preprocess = tree_features(features, seed, NATIVE_CATEGORIES)
    else:
        model = LogisticRegression(C=0.5, max_iter=2000)
        preprocess = linear_features(features, seed)
    if calibration == "none":
        return Pipeline([("features", preprocess), ("model", model)])
    # Shuffled folds, as ml.calibration chooses the map on: unshuffled folds of a file sorted
    # by project or by time learn the map on blocks the model never saw (on the TSP logs the
    # sigmoid it learnt reversed the boosting's ranking: held-out AUC 0.68 -> 0.35).
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    calibrated = CalibratedClassifierCV(model, method=calibration, cv=folds, ensemble=False)
    return Pipeline([("features", preprocess), ("model", calibrated)])
