"""The parts of a model card that training adds beside validation: each feature's reference
value and encoding, drivers ranked by strength, shared encodings, library versions."""

from __future__ import annotations

import platform
from importlib import metadata

import numpy as np
import pandas as pd
import sklearn

from ml.card import FeatureCard, TargetCard
from ml.features import Feature, coerce_frame
from ml.model import RiskModel, TargetEstimators
from ml.pipelines import encoding_group

DRIVER_SAMPLE = 300


def share_encodings(
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


def reference_values(x: pd.DataFrame, features: list[Feature]) -> dict[str, float | str | None]:
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


def feature_card(feature: Feature, reference: float | str | None, limit: int) -> FeatureCard:
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


def rank_drivers(model: RiskModel, frame: pd.DataFrame, seed: int) -> list[str]:
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


def versions() -> dict[str, str]:
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

