"""Training: validation schemes, leakage exclusion, the card, and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.errors import RiskInputError, RiskSpecError
from ml.model import RiskModel
from ml.pipelines import CANDIDATES
from ml.spec import RiskSpec, TargetSpec, load_spec
from ml.train import train_risk_model


def test_portfolio_model_is_validated_time_ordered_and_beats_the_prior(trained: RiskModel) -> None:
    card = trained.card
    assert set(card.targets) == {"delay", "overrun"}
    names = [f.name for f in card.features]
    for outcome in ("actual_duration_months", "actual_cost", "project_id", "start_date"):
        assert outcome not in names
    assert "planned_cost" in names and "planned_duration_months" in names
    for target in card.targets.values():
        v = target.validation
        assert v.scheme == "time-ordered 80/20"
        assert v.test_rows == 80  # latest 20% of 400
        assert 0.7 < v.roc_auc < 0.97  # a real, noisy signal
        assert v.brier < v.baseline_brier
        assert set(v.candidates) == set(CANDIDATES)
        assert target.model in v.candidates
        assert sum(b.count for b in v.calibration) == v.test_rows
        assert 0 < target.levels.medium < target.levels.high < 1
        assert target.quantiles is not None and target.quantiles.p80_coverage is not None
    kinds = {f.name: f.type for f in card.features}
    assert kinds["industry"] == "categorical" and kinds["new_technology"] == "boolean"
    assert kinds["spi"] == "numeric"
    assert sorted(card.driver_features) == sorted(names)
    assert card.versions["sklearn"] and card.trained_at


def leaky_frame(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=rows)
    delay_days = np.where(
        signal + rng.normal(scale=1.5, size=rows) > 0.5, rng.integers(1, 30, rows), 0
    )
    return pd.DataFrame(
        {
            "key": [f"K{i}" for i in range(rows)],
            "signal": signal,
            "noise": rng.normal(size=rows),
            "kind": rng.choice(["bug", "task"], rows),
            "delaydays": delay_days,
            "resolved_late": (delay_days > 0).astype(int),  # an outcome copy the spec drops
        }
    )


def test_outcome_columns_never_become_features_even_when_they_predict_perfectly() -> None:
    spec = RiskSpec(
        id="key", drop=["resolved_late"], targets={"delay": TargetSpec(column="delaydays")}
    )
    model = train_risk_model(leaky_frame(), spec, cv_repeats=1)
    assert [f.name for f in model.card.features] == ["signal", "noise", "kind"]
    validation = model.card.targets["delay"].validation
    assert validation.scheme.startswith("repeated stratified k-fold")
    assert validation.folds == 5
    assert 0.6 < validation.roc_auc < 0.9  # with delaydays as a feature it would be 1.0


@pytest.mark.slow
def test_without_a_time_column_validation_is_5x5_fold() -> None:
    spec = RiskSpec(id="key", drop=["resolved_late"], targets={"d": TargetSpec(column="delaydays")})
    validation = train_risk_model(leaky_frame(), spec).card.targets["d"].validation
    assert validation.folds == 25 and validation.test_rows == 300


def test_ratio_actual_is_not_a_feature_but_planned_is() -> None:
    frame = leaky_frame()
    frame["planned"] = 10 + np.abs(frame["signal"])
    frame["actual"] = frame["planned"] * (1 + 0.2 * (frame["delaydays"] > 0))
    spec = RiskSpec(
        id="key",
        drop=["resolved_late", "delaydays"],
        targets={"overrun": TargetSpec(actual="actual", planned="planned", threshold=0.1)},
    )
    model = train_risk_model(frame, spec, cv_repeats=1)
    names = [f.name for f in model.card.features]
    assert "actual" not in names and "planned" in names
    assert model.card.targets["overrun"].quantiles is not None


@pytest.mark.parametrize("rows", [10, 29])
def test_too_few_rows_are_refused(rows: int) -> None:
    spec = RiskSpec(id="key", drop=["resolved_late"], targets={"d": TargetSpec(column="delaydays")})
    with pytest.raises(RiskSpecError, match=f"only {rows} rows"):
        train_risk_model(leaky_frame(rows), spec)


def test_single_class_and_rare_class_are_refused() -> None:
    frame = leaky_frame()
    spec = RiskSpec(
        id="key",
        drop=["resolved_late"],
        targets={"d": TargetSpec(column="delaydays", threshold=1000)},
    )
    with pytest.raises(RiskSpecError, match="0 positive"):
        train_risk_model(frame, spec)
    frame.loc[4:, "delaydays"] = 0
    frame.loc[:3, "delaydays"] = 5
    with pytest.raises(RiskSpecError, match="at least 5 positive"):
        train_risk_model(
            frame, spec.model_copy(update={"targets": {"d": TargetSpec(column="delaydays")}})
        )


def test_bad_training_values_name_row_and_column(portfolio: pd.DataFrame) -> None:
    frame = portfolio.copy()
    frame["spi"] = frame["spi"].astype(object)
    frame.loc[5, "spi"] = float("inf")
    with pytest.raises(RiskInputError, match="row 6, column spi: infinite"):
        train_risk_model(frame, load_spec(None))
    frame = portfolio.copy()
    frame["start_date"] = frame["start_date"].astype(object)
    frame.loc[2, "start_date"] = "someday"
    with pytest.raises(RiskSpecError, match="row 3, column start_date"):
        train_risk_model(frame, load_spec(None))


@pytest.mark.slow
def test_rows_without_an_outcome_are_left_out_of_that_target(portfolio: pd.DataFrame) -> None:
    frame = portfolio.head(200).copy()
    frame.loc[:19, "actual_cost"] = np.nan
    model = train_risk_model(frame, load_spec(None))
    assert model.card.targets["overrun"].rows == 180
    assert model.card.targets["delay"].rows == 200


def test_empty_columns_are_left_out_and_bool_columns_are_boolean() -> None:
    frame = leaky_frame(120).assign(empty=np.nan, unused=None, flag=lambda f: f["signal"] > 0)
    spec = RiskSpec(
        id="key",
        drop=["resolved_late"],
        categorical=["unused"],
        targets={"delay": TargetSpec(column="delaydays")},
    )
    model = train_risk_model(frame, spec, cv_repeats=1)
    kinds = {f.name: f.type for f in model.card.features}
    assert kinds == {
        "signal": "numeric",
        "noise": "numeric",
        "kind": "categorical",
        "flag": "boolean",
    }
    nothing_left = spec.model_copy(
        update={"drop": ["resolved_late", "signal", "noise", "kind", "flag"]}
    )
    with pytest.raises(RiskSpecError, match="no feature columns"):
        train_risk_model(frame, nothing_left)
