"""The numpy replay of a fitted pipeline (ml.compiled) scores exactly as scikit-learn does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

import ml.compiled
from ml.compiled import CompiledPipeline, compile_pipeline, probe_columns
from ml.errors import RiskInputError
from ml.features import coerce_columns, coerce_frame, infer_features, record_columns, records_frame
from ml.model import RiskModel
from ml.pipelines import CANDIDATES, encoding_group, make_classifier


def mixed_frame(rows: int, seed: int) -> pd.DataFrame:
    """Every kind of feature the pipelines encode: numbers (skewed, with gaps), a yes/no, a few
    categories, and a client code with more levels than one-hot encoding takes."""
    rng = np.random.default_rng(seed)
    budget = rng.lognormal(3, 1, rows)
    budget[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "budget": budget,
            "spi": rng.normal(1, 0.2, rows),
            "vendors": rng.integers(0, 6, rows).astype(float),
            "new_technology": rng.integers(0, 2, rows).astype(float),
            "method": rng.choice(["agile", "waterfall", "hybrid", None], rows),
            "client": [f"c{c:03d}" for c in rng.integers(0, 60, rows)],
        }
    )


def fitted(kind: str) -> tuple[Pipeline, list]:
    frame = mixed_frame(600, seed=1)
    features = infer_features(frame, list(frame.columns), ["method", "client"])
    assert {encoding_group(f) for f in features} == {
        "numeric", "boolean", "categorical", "many_categories",
    }  # fmt: skip
    x = coerce_frame(frame, features)
    logit = 0.8 * np.log1p(np.nan_to_num(frame["budget"], nan=20.0)) - 2 * (frame["spi"] - 1)
    late = (logit + np.random.default_rng(2).normal(0, 1, len(frame))) > 2.4
    pipeline = make_classifier(kind, features, len(frame), seed=0)
    pipeline.fit(x, late.astype(int))
    return pipeline, features


@pytest.fixture(scope="module", params=CANDIDATES)
def candidate(request: pytest.FixtureRequest) -> tuple[Pipeline, list]:
    return fitted(request.param)


def replayed(candidate: tuple[Pipeline, list]) -> tuple[Pipeline, list, CompiledPipeline]:
    pipeline, features = candidate
    compiled = compile_pipeline(pipeline, features)
    assert compiled is not None  # every step ml.pipelines builds is one the replay knows
    return pipeline, features, compiled


def unseen_rows(features: list) -> dict[str, np.ndarray]:
    frame = mixed_frame(200, seed=9)
    frame.loc[::7, "method"] = "kanban"  # a category training never saw
    frame.loc[::5, "client"] = "c999"
    frame.loc[::3, "spi"] = np.nan
    frame.loc[::11, "vendors"] = -3.0  # negative: the other branch of Yeo-Johnson
    return coerce_columns(frame, features)


def test_the_replay_matches_scikit_learn(candidate: tuple[Pipeline, list]) -> None:
    pipeline, features, compiled = replayed(candidate)
    for columns in (unseen_rows(features), probe_columns(features)):
        rows = len(next(iter(columns.values())))
        frame = pd.DataFrame(columns)
        np.testing.assert_allclose(
            compiled.features.transform(columns, rows), pipeline[0].transform(frame), atol=1e-12
        )
        np.testing.assert_allclose(
            compiled.model.probability(compiled.features.transform(columns, rows)),
            pipeline.predict_proba(frame)[:, 1],
            atol=1e-12,
        )


def test_large_batches_look_categories_up_the_same_way(candidate: tuple[Pipeline, list]) -> None:
    _, features, compiled = replayed(candidate)
    columns = unseen_rows(features)  # 200 rows: the pandas index lookup, not the dict loop
    few = {name: values[:10] for name, values in columns.items()}
    np.testing.assert_array_equal(
        compiled.features.transform(columns, 200)[:10], compiled.features.transform(few, 10)
    )


def test_an_unknown_step_is_scored_by_scikit_learn(candidate: tuple[Pipeline, list]) -> None:
    pipeline, features = candidate
    numbers = [f.name for f in features if f.kind == "numeric"]
    other = ColumnTransformer([("scaled", MinMaxScaler(), numbers)])
    other.fit(pd.DataFrame(probe_columns(features)))
    assert compile_pipeline(Pipeline([("features", other), pipeline.steps[-1]]), features) is None


def test_a_replay_that_disagrees_is_refused(
    candidate: tuple[Pipeline, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, features = candidate
    monkeypatch.setattr(ml.compiled, "AGREEMENT", -1.0)  # no difference is small enough
    assert compile_pipeline(pipeline, features) is None


def test_a_model_without_the_replay_scores_the_same(loaded: RiskModel, new_projects) -> None:
    assert loaded.kickoff is not None
    kickoff = RiskModel(loaded.kickoff.card, loaded.kickoff.estimators, compiled=False)
    slow = RiskModel(loaded.card, loaded.estimators, compiled=False, kickoff=kickoff)
    assert slow.score_frame(new_projects) == loaded.score_frame(new_projects)
    assert [p.compiled for p in slow._parts.values()] == [None] * len(slow.estimators)
    assert None not in [p.compiled for p in loaded._parts.values()]


values = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.sampled_from(["", " 3 ", "yes", "否", "abc", "1e3", "NaN", "agile", "0", "1"]),
)


records = st.fixed_dictionaries(
    {}, optional={"budget": values, "new_technology": values, "method": values}
)


@settings(max_examples=200, deadline=None)
@given(st.lists(records, min_size=1, max_size=4))
def test_records_are_checked_exactly_as_a_frame_would_be(given: list[dict[str, Any]]) -> None:
    frame = mixed_frame(50, seed=4)
    features = infer_features(frame, list(frame.columns), ["method", "client"])
    rows = [dict.fromkeys(f.name for f in features) | record for record in given]
    try:
        expected = coerce_columns(records_frame(rows), features)
    except RiskInputError as exc:
        with pytest.raises(RiskInputError) as got:
            record_columns(rows, features)
        assert (got.value.row, got.value.column) == (exc.row, exc.column)
        return
    got_columns = record_columns(rows, features)
    for feature in features:
        want, have = expected[feature.name], got_columns[feature.name]
        if feature.kind == "categorical":
            assert list(have) == list(want)
        else:
            np.testing.assert_array_equal(have, want)


def test_a_value_whose_encoding_overflows_is_refused_by_name(loaded: RiskModel) -> None:
    projects = [{"cpi": 1.0}, {"cpi": 1.0, "spi": -1.7976931348623157e308}]
    with pytest.raises(RiskInputError) as refused:
        loaded.score_records(projects)
    assert (refused.value.row, refused.value.column) == (2, "spi")
    assert "training range" in str(refused.value)


def test_large_driver_values_are_not_rounded_to_infinity(loaded: RiskModel) -> None:
    (result,) = loaded.score_records([{"requirement_count": 3e17, "cpi": 1.234567}])
    values = {d["feature"]: d["value"] for d in result["drivers"]}
    assert values["requirement_count"] == 3e17
    assert values.get("cpi", 1.2346) == 1.2346


def test_the_tree_walk_matches_scikit_learn_on_raw_codes() -> None:
    """Categorical splits: seen codes, codes training never saw, negative codes, NaN."""
    rng = np.random.default_rng(5)
    rows = 2000
    code = rng.integers(0, 6, rows).astype(float)  # training sees codes 0..5
    size = rng.normal(0, 1, rows)
    size[rng.random(rows) < 0.1] = np.nan
    late = (np.isin(code, [1, 4]) ^ (np.nan_to_num(size) > 0.5)) | (rng.random(rows) < 0.1)
    boosting = HistGradientBoostingClassifier(
        max_iter=40, categorical_features=[True, False], random_state=0
    ).fit(np.column_stack([code, size]), late)
    forest = ml.compiled._Forest.of(boosting)
    assert (forest.nodes["is_categorical"] == 1).any()
    probe = np.column_stack(
        [
            np.tile([0, 1, 2, 3, 4, 5, 6, 7, -1, np.nan], 30),
            np.repeat(np.linspace(-2, 2, 30), 10),
        ]
    )
    np.testing.assert_allclose(
        forest.decision(probe), boosting.decision_function(probe), atol=1e-12
    )


def test_the_calibration_map_matches_scikit_learn_at_the_extremes(
    candidate: tuple[Pipeline, list],
) -> None:
    pipeline, _, compiled = replayed(candidate)
    decision = np.array([-1e6, -800.0, -40.0, -1.0, 0.0, 1e-12, 2.5, 40.0, 800.0, 1e6])
    (calibrator,) = pipeline[-1].calibrated_classifiers_[0].calibrators
    with np.errstate(all="raise"):  # an overflow inside must not surface as a warning
        got = compiled.model.calibrate(decision)
    np.testing.assert_allclose(got, calibrator.predict(decision), rtol=1e-12, atol=1e-300)


def test_the_power_transform_matches_with_and_without_negative_values(
    candidate: tuple[Pipeline, list],
) -> None:
    pipeline, features, compiled = replayed(candidate)
    columns = unseen_rows(features)
    positive = {
        name: np.abs(values) if values.dtype.kind == "f" else values
        for name, values in columns.items()
    }
    for rows in (columns, positive):
        np.testing.assert_allclose(
            compiled.features.transform(rows, 200),
            pipeline[0].transform(pd.DataFrame(rows)),
            atol=1e-12,
        )
