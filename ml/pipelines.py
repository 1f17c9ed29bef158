"""The scikit-learn pipelines the risk model chooses between.

Every pipeline is `features` (a ColumnTransformer with one transformer per input feature, so
each feature's output columns are known: `ColumnTransformer.output_indices_[name]`) followed by
`model` (a calibrated classifier or a quantile regressor). The one-transformer-per-feature
layout is what lets drivers replace a single feature by its reference value after encoding.
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from ml.features import Feature

GRADIENT_BOOSTING = "hist_gradient_boosting"
LOGISTIC_REGRESSION = "logistic_regression"
CANDIDATES = (GRADIENT_BOOSTING, LOGISTIC_REGRESSION)


def tree_features(features: list[Feature]) -> ColumnTransformer:
    """Categories -> ordinal codes (unknown and missing -> NaN), numbers pass through."""
    steps = []
    for feature in features:
        if feature.kind == "categorical":
            encoder = OrdinalEncoder(
                categories=[list(feature.categories)],
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                encoded_missing_value=np.nan,
            )
            steps.append((feature.name, encoder, [feature.name]))
        else:
            steps.append((feature.name, "passthrough", [feature.name]))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def linear_features(features: list[Feature]) -> ColumnTransformer:
    """One-hot categories (unknown -> all zeros); numbers imputed, flagged and scaled."""
    steps = []
    for feature in features:
        if feature.kind == "categorical":
            encoder: Pipeline | OneHotEncoder = OneHotEncoder(
                categories=[list(feature.categories)], handle_unknown="ignore"
            )
        else:
            encoder = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                    ("scale", StandardScaler()),
                ]
            )
        steps.append((feature.name, encoder, [feature.name]))
    return ColumnTransformer(steps, verbose_feature_names_out=False, sparse_threshold=0.0)


def categorical_mask(features: list[Feature]) -> list[bool]:
    return [f.kind == "categorical" for f in features]


def make_classifier(name: str, features: list[Feature], rows: int, seed: int) -> Pipeline:
    """A calibrated candidate: `hist_gradient_boosting` or `logistic_regression`."""
    if name == GRADIENT_BOOSTING:
        model = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=300,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            categorical_features=categorical_mask(features),
            early_stopping=True,  # the boosting stops once a 10% holdout stops improving
            n_iter_no_change=20,
            random_state=seed,
        )
        preprocess = tree_features(features)
    else:
        model = LogisticRegression(C=0.5, max_iter=2000)
        preprocess = linear_features(features)
    # One base model + a calibration map learnt on out-of-fold predictions: a single model
    # to evaluate at scoring time (ensemble=False), with honest probabilities.
    method = "isotonic" if rows >= 2000 else "sigmoid"
    calibrated = CalibratedClassifierCV(model, method=method, cv=3, ensemble=False)
    return Pipeline([("features", preprocess), ("model", calibrated)])


def make_quantile(features: list[Feature], quantile: float, seed: int) -> Pipeline:
    """Predicts the given quantile of actual / planned - 1."""
    model = HistGradientBoostingRegressor(
        loss="quantile",
        quantile=quantile,
        learning_rate=0.1,
        max_iter=100,
        early_stopping=True,
        n_iter_no_change=10,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        categorical_features=categorical_mask(features),
        random_state=seed,
    )
    return Pipeline([("features", tree_features(features)), ("model", model)])
