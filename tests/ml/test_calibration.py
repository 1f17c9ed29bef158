"""Calibration chosen by held-out Brier (#16 point 4), and every calibration replayed exactly by
the compiled scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.calibration import choose_calibration
from ml.compiled import compile_pipeline
from ml.features import Feature
from ml.model import RiskModel
from ml.pipelines import CALIBRATIONS, CANDIDATES, make_classifier


def data(rows: int = 400) -> tuple[pd.DataFrame, np.ndarray, list[Feature]]:
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"a": rng.normal(size=rows), "c": rng.choice(list("xyz"), rows)})
    y = (x["a"] + (x["c"] == "x") + rng.normal(0, 0.7, rows) > 0.5).astype(int).to_numpy()
    features = [Feature("a", "numeric", (), -3, 3), Feature("c", "categorical", tuple("xyz"))]
    return x, y, features


def test_squashed_probabilities_are_recalibrated() -> None:
    x, y, _ = data()
    # Heavy regularisation ranks well but squeezes every probability towards 0.5.
    squashed = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(C=1e-4))])
    chosen, briers = choose_calibration(squashed, x[["a"]], y, seed=0)
    assert chosen in ("sigmoid", "isotonic")
    assert briers["none"] > briers[chosen] + 0.02


@pytest.mark.parametrize("calibration", CALIBRATIONS)
@pytest.mark.parametrize("candidate", CANDIDATES)
def test_every_calibration_is_compiled_exactly(candidate: str, calibration: str) -> None:
    x, y, features = data()
    pipeline = make_classifier(candidate, features, len(y), 0, calibration=calibration).fit(x, y)
    compiled = compile_pipeline(pipeline, features)
    assert compiled is not None  # None would mean scikit-learn disagreed or was unsupported
    columns = {"a": x["a"].to_numpy(float), "c": x["c"].to_numpy(object)}
    got = compiled.model.probability(compiled.features.transform(columns, len(x)))
    np.testing.assert_allclose(got, pipeline.predict_proba(x)[:, 1], atol=1e-9)


def test_the_card_says_which_calibration_and_why(trained: RiskModel) -> None:
    for target in trained.card.targets.values():
        assert target.calibration in CALIBRATIONS
        assert target.calibration_briers is not None
        best = min(target.calibration_briers.values())
        assert target.calibration_briers[target.calibration] <= best + 0.0005
        assert sum(b.count for b in target.validation.calibration) > 0  # reliability table
