"""Drivers are the honest local effect: p(row) - p(row with one feature at its reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from ml.features import coerce_frame
from ml.model import RiskModel, TargetEstimators
from ml.pipelines import CANDIDATES, make_classifier


def brute_force_effects(model: RiskModel, frame: pd.DataFrame, target: str) -> np.ndarray:
    """The definition, computed the slow way through the whole pipeline on raw frames."""
    x = coerce_frame(frame, model.features)
    pipeline = model.estimators[target].classifier
    p = pipeline.predict_proba(x)[:, 1]
    effects = np.zeros((len(x), len(model.features)))
    for j, card in enumerate(model.card.features):
        perturbed = x.copy()
        perturbed[card.name] = card.reference
        effects[:, j] = p - pipeline.predict_proba(perturbed)[:, 1]
    return effects


def test_driver_effects_equal_the_definition(loaded: RiskModel, new_projects) -> None:
    frame = new_projects.head(12)
    for target in loaded.target_names:
        x = coerce_frame(frame, loaded.features)
        pipeline = loaded.estimators[target].classifier
        encoded = pipeline[0].transform(x)
        p = pipeline[-1].predict_proba(encoded)[:, 1]
        fast = loaded.effects(pipeline, encoded, p)
        np.testing.assert_allclose(fast, brute_force_effects(loaded, frame, target), atol=1e-9)


def test_reported_drivers_are_the_largest_effects(loaded: RiskModel, new_projects) -> None:
    frame = new_projects.head(8)
    results = loaded.score_frame(frame)
    effects = {t: brute_force_effects(loaded, frame, t) for t in loaded.target_names}
    names = [f.name for f in loaded.features]
    for i, result in enumerate(results):
        strongest = np.max([np.abs(e[i]) for e in effects.values()], axis=0)
        top = sorted(range(len(names)), key=lambda j: -strongest[j])[:5]
        # An isotonic calibration (a step map) gives equal effects; which of equals is listed
        # first may differ by float noise, so ties are compared by size.
        reported = [strongest[names.index(d["feature"])] for d in result["drivers"]]
        np.testing.assert_allclose(reported, [strongest[j] for j in top], atol=1e-9)
        for d in result["drivers"]:
            j = names.index(d["feature"])
            assert d["effect"] == round(float(effects[d["target"]][i, j]), 4)
            raw = frame.iloc[i][d["feature"]]
            assert d["value"] == (round(float(raw), 4) if not isinstance(raw, str) else raw)
        magnitudes = [abs(d["effect"]) for d in result["drivers"]]
        assert magnitudes == sorted(magnitudes, reverse=True)


def test_a_project_at_the_reference_has_no_drivers(loaded: RiskModel) -> None:
    reference = {f.name: f.reference for f in loaded.card.features}
    assert loaded.score_records([reference])[0]["drivers"] == []


def test_driver_cap_limits_the_features_examined(loaded: RiskModel, new_projects) -> None:
    capped = RiskModel(loaded.card, loaded.estimators, max_driver_features=2)
    allowed = set(loaded.card.driver_features[:2])
    for result in capped.score_frame(new_projects.head(10)):
        assert {d["feature"] for d in result["drivers"]} <= allowed


@pytest.mark.parametrize("candidate", CANDIDATES)
def test_both_candidate_models_give_exact_drivers(
    loaded: RiskModel, portfolio: pd.DataFrame, new_projects, candidate: str
) -> None:
    """The linear shortcut and the generic perturbation both match the definition."""
    x = coerce_frame(portfolio, loaded.features)
    y = (portfolio["actual_cost"] / portfolio["planned_cost"] - 1 > 0.1).to_numpy().astype(int)
    with threadpool_limits(limits=1):  # as training does: small fits, no OpenMP fan-out
        pipeline = make_classifier(candidate, loaded.features, len(y), seed=0).fit(x, y)
    card = loaded.card.model_copy(update={"targets": {"overrun": loaded.card.targets["overrun"]}})
    model = RiskModel(card, {"overrun": TargetEstimators(pipeline)})
    frame = new_projects.head(10)
    encoded = pipeline[0].transform(coerce_frame(frame, model.features))
    p = pipeline[-1].predict_proba(encoded)[:, 1]
    fast = model.effects(pipeline, encoded, p)
    np.testing.assert_allclose(fast, brute_force_effects(model, frame, "overrun"), atol=1e-9)
    assert np.count_nonzero(fast) > 50


def test_the_number_of_drivers_is_configurable(loaded: RiskModel, new_projects) -> None:
    five = loaded.score_frame(new_projects.head(10))
    kickoff = loaded.kickoff  # these projects have checkpoint values: it does not score them
    two = RiskModel(loaded.card, loaded.estimators, top_drivers=2, kickoff=kickoff).score_frame(
        new_projects.head(10)
    )
    none = RiskModel(
        loaded.card, loaded.estimators, top_drivers=0, kickoff=kickoff
    ).score_frame(new_projects.head(2))
    for many, few in zip(five, two, strict=True):
        assert few["drivers"] == many["drivers"][:2]
        assert {k: v for k, v in few.items() if k != "drivers"} == {
            k: v for k, v in many.items() if k != "drivers"
        }
    assert [r["drivers"] for r in none] == [[], []]


def test_top_columns_match_a_full_stable_sort() -> None:
    from ml.results import top_columns as _top_columns

    rng = np.random.default_rng(0)
    for _ in range(100):
        size = np.abs(rng.normal(size=(40, 9)))
        size[rng.random(size.shape) < 0.3] = 0.0  # ties at zero, as unmoved features give
        k = int(rng.integers(1, 10))
        expected = np.argsort(-size, axis=1, kind="stable")[:, :k]
        got = _top_columns(size, k)
        np.testing.assert_array_equal(
            np.take_along_axis(size, got, 1), np.take_along_axis(size, expected, 1)
        )
        nonzero = np.take_along_axis(size, expected, 1) != 0
        np.testing.assert_array_equal(got[nonzero], expected[nonzero])
