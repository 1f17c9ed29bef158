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
LOGISTIC_REGRESSION = "logistic_regression"
CANDIDATES = (GRADIENT_BOOSTING, LOGISTIC_REGRESSION)
MANY_CATEGORIES = 30


def encoding_group(feature: Feature) -> str:
    """Which column-wise encoder a feature gets: its kind, or `many_categories`."""
    if feature.kind == "categorical" and len(feature.categories) > MANY_CATEGORIES:
        return "many_categories"
    return feature.kind


def _target_encoder(features: list[Feature], seed: int) -> TargetEncoder:
    many = [f for f in features if encoding_group(f) == "many_categories"]
    return TargetEncoder(
        categories=[list(f.categories) for f in many],  # unknown and missing -> overall rate
        target_type="binary",
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    )


def tree_features(features: list[Feature], seed: int = 0) -> ColumnTransformer:
    """Categories -> ordinal codes (unknown and missing -> NaN), many categories -> target
    encoding, numbers pass through."""
    categorical = [f for f in features if encoding_group(f) == "categorical"]
    encoder = OrdinalEncoder(
        categories=[list(f.categories) for f in categorical],
        handle_unknown="use_encoded_value",
        unknown_value=np.nan,
        encoded_missing_value=np.nan,
    )
    return _by_kind(
        features,
        categorical=encoder,
        many_categories=_target_encoder(features, seed),
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
        categorical=OneHotEncoder(
            categories=[list(f.categories) for f in categorical], handle_unknown="ignore"
        ),
        many_categories=Pipeline(
            [("encode", _target_encoder(features, seed)), ("scale", StandardScaler())]
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


def _by_kind(features: list[Feature], **encoders: object) -> ColumnTransformer:
    steps = []
    for kind, encoder in encoders.items():
        names = [f.name for f in features if encoding_group(f) == kind]
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


def categorical_mask(features: list[Feature]) -> list[bool]:
    """Which `tree_features` output columns are category codes (they come first)."""
    categorical = sum(encoding_group(f) == "categorical" for f in features)
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


CALIBRATIONS = ("sigmoid", "none", "isotonic")  # preference order when Brier scores tie


def make_classifier(
    name: str,
    features: list[Feature],
    rows: int,
    seed: int,
    params: dict | None = None,
    calibration: str = "sigmoid",
) -> Pipeline:
    """A candidate: `hist_gradient_boosting` (with `params`) or `logistic_regression`, with
    its probabilities calibrated by `calibration` (ml.calibration chooses it per target):
    `sigmoid` or `isotonic` (a map learnt on out-of-fold predictions, one base model to
    evaluate at scoring time: ensemble=False) or `none` (the model's own probabilities)."""
    if name == GRADIENT_BOOSTING:
        model = make_boosting(features, seed, params)
        preprocess = tree_features(features, seed)
    else:
        model = LogisticRegression(C=0.5, max_iter=2000)
        preprocess = linear_features(features, seed)
    if calibration == "none":
        return Pipeline([("features", preprocess), ("model", model)])
    calibrated = CalibratedClassifierCV(model, method=calibration, cv=3, ensemble=False)
    return Pipeline([("features", preprocess), ("model", calibrated)])
