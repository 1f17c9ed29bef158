"""The candidate models: calibration that keeps their ranking, native categories, and the
choice between them on held-out rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, TargetEncoder

from ml.features import coerce_frame, infer_features
from ml.pipelines import CANDIDATES, NATIVE_BOOSTING, make_classifier
from ml.validation import repeated_kfold, time_ordered


def projects_sorted_by_client(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """40 clients, each with its own delay rate, the file sorted by client (as exports are)."""
    rng = np.random.default_rng(seed)
    rate = np.random.default_rng(0).uniform(0.1, 0.9, 40)
    client = np.sort(rng.integers(0, 40, rows))
    late = (rng.random(rows) < rate[client]).astype(int)
    frame = pd.DataFrame({"client": [f"c{c:02d}" for c in client], "size": rng.normal(size=rows)})
    return frame, late


@pytest.mark.parametrize("candidate", CANDIDATES)
def test_sigmoid_calibration_keeps_the_ranking_of_a_sorted_file(candidate: str) -> None:
    """A sigmoid map is increasing, so calibrating must not change the held-out ranking.
    Learnt on unshuffled folds of a file sorted by client (clients unseen by the fold's
    model), it reversed the native boosting's ranking: AUC 0.695 -> 0.305."""
    frame, late = projects_sorted_by_client(800, seed=1)
    new, new_late = projects_sorted_by_client(800, seed=2)
    features = infer_features(frame, ["client", "size"], ["client"])
    x, x_new = coerce_frame(frame, features), coerce_frame(new, features)
    auc = {}
    for calibration in ("none", "sigmoid"):
        model = make_classifier(candidate, features, len(late), 0, calibration=calibration)
        auc[calibration] = roc_auc_score(new_late, model.fit(x, late).predict_proba(x_new)[:, 1])
    assert auc["none"] > 0.65  # the client carries the signal
    assert auc["sigmoid"] == pytest.approx(auc["none"], abs=0.002)


def test_native_candidate_splits_a_40_level_category_natively() -> None:
    frame, late = projects_sorted_by_client(600, seed=3)
    features = infer_features(frame, ["client", "size"], ["client"])
    x = coerce_frame(frame, features)
    native = make_classifier(NATIVE_BOOSTING, features, len(late), 0, calibration="none")
    native.fit(x, late)
    assert list(native[0].named_transformers_["categorical"].feature_names_in_) == ["client"]
    assert list(native[-1].is_categorical_) == [True, False]  # client coded, size numeric
    tuned = make_classifier(CANDIDATES[0], features, len(late), 0, calibration="none")
    tuned.fit(x, late)
    assert isinstance(tuned[0].named_transformers_["many_categories"], TargetEncoder)


class _Fixed(ClassifierMixin, BaseEstimator):
    """p(late) = `high` where the feature is positive, else `low` (learns nothing)."""

    def __init__(self, low: float = 0.5, high: float = 0.5) -> None:
        self.low = low
        self.high = high

    def fit(self, x, y, sample_weight=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x):
        p = np.where(np.asarray(x)[:, 0] > 0, self.high, self.low)
        return np.column_stack([1 - p, p])


def _make(name: str, rows: int) -> Pipeline:
    # "overconfident" ranks as "hedged" does but its probabilities are far off; "reversed"
    # ranks backwards; "prior" says 0.5 everywhere (AUC 0.5).
    model = {
        "overconfident": _Fixed(0.01, 0.99),
        "hedged": _Fixed(0.45, 0.6),
        "reversed": _Fixed(0.6, 0.45),
    }.get(name)
    return Pipeline([("features", FunctionTransformer()), ("model", model or _Fixed())])


def _weak_signal(rows: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(4)
    signal = rng.normal(size=rows)
    late = (rng.random(rows) < np.where(signal > 0, 0.6, 0.4)).astype(int)
    return pd.DataFrame({"signal": signal}), late


def test_kfold_chooses_the_higher_held_out_auc_and_reports_every_candidate() -> None:
    x, late = _weak_signal()
    chosen, validation = repeated_kfold(_make, ("reversed", "hedged", "prior"), x, late, 0, 1)
    assert chosen == "hedged"
    scores = validation.candidates
    assert scores["hedged"].roc_auc > 0.55 > scores["prior"].roc_auc > scores["reversed"].roc_auc
    assert validation.roc_auc == scores["hedged"].roc_auc
    assert validation.brier == scores["hedged"].brier
    # The first of equal AUCs wins: an overconfident twin is not preferred.
    chosen, validation = repeated_kfold(_make, ("hedged", "overconfident"), x, late, 0, 1)
    assert chosen == "hedged"
    assert validation.candidates["overconfident"].brier > validation.brier


def test_time_ordered_chooses_on_the_inner_split() -> None:
    x, late = _weak_signal()
    chosen, validation = time_ordered(_make, ("prior", "reversed", "hedged"), x, late)
    assert chosen == "hedged"
    assert validation.test_rows == 80  # the latest 20% are only scored
