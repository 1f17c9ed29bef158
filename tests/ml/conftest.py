"""Fixtures for the risk-model tests: a small generated portfolio and one model trained on it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ml.model import RiskModel
from ml.persist import load_model, save_model
from ml.spec import load_spec
from ml.synth import OUTCOME_COLUMNS, generate_portfolio
from ml.train import train_risk_model


@pytest.fixture(scope="session")
def portfolio() -> pd.DataFrame:
    return generate_portfolio(400, seed=11)


@pytest.fixture(scope="session")
def portfolio_csv(tmp_path_factory: pytest.TempPathFactory, portfolio: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("data") / "portfolio.csv"
    portfolio.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def trained(portfolio: pd.DataFrame) -> RiskModel:
    return train_risk_model(portfolio, load_spec(None), data_sha256="test")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, trained: RiskModel) -> Path:
    return save_model(trained, tmp_path_factory.mktemp("models") / "risk")


@pytest.fixture(scope="session")
def loaded(model_dir: Path) -> RiskModel:
    return load_model(model_dir)


@pytest.fixture()
def new_projects() -> pd.DataFrame:
    """Projects the model has not seen, without outcomes (what a PM scores)."""
    return generate_portfolio(30, seed=99).drop(columns=list(OUTCOME_COLUMNS))
