"""Many-level categories are target-encoded (cross-fitted), chosen from the training data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import TargetEncoder

from ml.features import coerce_frame
from ml.model import RiskModel
from ml.pipelines import BOOSTING_GRID, MANY_CATEGORIES
from ml.spec import RiskSpec, TargetSpec
from ml.train import HALF_LIVES, recency_weights, train_risk_model
from tests.ml.test_drivers import brute_force_effects


def client_frame(rows: int = 1200, clients: int = 80, seed: int = 3) -> pd.DataFrame:
    """Delay depends on the client (80 levels, each with its own rate) and a little on size."""
    rng = np.random.default_rng(seed)
    client_rate = rng.uniform(0.05, 0.95, clients)
    client = rng.integers(0, clients, rows)
    size = rng.normal(0, 1, rows)
    late = rng.random(rows) < np.clip(client_rate[client] + 0.05 * size, 0, 1)
    return pd.DataFrame(
        {
            "key": [f"K{i}" for i in range(rows)],
            "client": [f"client-{c:03d}" for c in client],
            "method": rng.choice(["agile", "waterfall"], rows),
            "size": size,
            "delaydays": np.where(late, rng.integers(1, 30, rows), 0),
        }
    )


@pytest.fixture(scope="module")
def client_model() -> RiskModel:
    spec = RiskSpec(id="key", targets={"delay": TargetSpec(column="delaydays", threshold=0)})
    return train_risk_model(client_frame(), spec, cv_repeats=1)


def test_many_categories_are_target_encoded_and_recorded(client_model: RiskModel) -> None:
    cards = {f.name: f for f in client_model.card.features}
    assert len(cards["client"].categories or []) > MANY_CATEGORIES
    assert cards["client"].encoding == "target" and cards["method"].encoding == "categories"
    assert cards["size"].encoding is None
    encoders = client_model.estimators["delay"].classifier[0].named_transformers_
    target_encoded = encoders["many_categories"]
    found = target_encoded if isinstance(target_encoded, TargetEncoder) else target_encoded[0]
    assert isinstance(found, TargetEncoder)
    assert list(encoders["many_categories"].feature_names_in_) == ["client"]
    # The client carries the signal; a model that could not use it would sit near 0.5.
    assert client_model.card.targets["delay"].validation.roc_auc > 0.75


def test_unseen_and_missing_clients_score_like_the_overall_rate(client_model: RiskModel) -> None:
    results = client_model.score_records(
        [{"client": "client-never-seen", "size": 0.0}, {"client": None, "size": 0.0}]
    )
    assert results[0]["delay"] == results[1]["delay"]


def test_target_encoded_drivers_equal_the_definition(client_model: RiskModel) -> None:
    frame = client_frame(rows=10, seed=8).drop(columns=["delaydays"])
    target = "delay"
    x_effects = brute_force_effects(client_model, frame, target)
    pipeline = client_model.estimators[target].classifier
    encoded = pipeline[0].transform(coerce_frame(frame, client_model.features))
    p = pipeline[-1].predict_proba(encoded)[:, 1]
    np.testing.assert_allclose(client_model.effects(pipeline, encoded, p), x_effects, atol=1e-9)
    client = [f.name for f in client_model.features].index("client")
    assert np.count_nonzero(x_effects[:, client]) >= 5  # the client moves the probability


@pytest.mark.slow  # a grid of boosting trainings: seconds on 2 cores
def test_boosting_parameters_are_tuned_on_the_inner_split_of_timed_data() -> None:
    frame = client_frame(rows=2100).assign(
        opened=pd.date_range("2020-01-01", periods=2100, freq="D").astype(str)
    )
    spec = RiskSpec(
        id="key", time="opened", targets={"delay": TargetSpec(column="delaydays", threshold=0)}
    )
    tuned = train_risk_model(frame, spec).card.targets["delay"]
    assert tuned.boosting_parameters in BOOSTING_GRID
    assert tuned.recency_half_life in HALF_LIVES
    small = train_risk_model(frame.head(600), spec).card.targets["delay"]
    assert small.boosting_parameters is None  # too few rows to rank the grid: defaults


def test_recency_weights_halve_every_half_life() -> None:
    days = np.array([0.0, 50.0, 100.0])
    np.testing.assert_allclose(recency_weights(days, 0.5), [0.25, 0.5, 1.0])
    assert recency_weights(days, None) is None
    assert recency_weights(np.array([5.0, 5.0]), 0.5) is None  # no time span: no weighting
