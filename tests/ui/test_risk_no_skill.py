"""A target without skill says so through the API and in the Risk tab's words (#16 point 3)."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.settings import Settings
from tests.ui.conftest import SPEC, running_server, small_portfolio
from ui.api.routes import score_with
from ui.risk_holder import RiskModelHolder
from ui.server import build_app
from ui.web.risk_view import result_markdown


@pytest.fixture(scope="module")
def coin_toss_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ml.service import train_to_dir

    folder = tmp_path_factory.mktemp("no-skill")
    frame = small_portfolio(rows=200, seed=3)
    frame["delay_days"] = np.random.default_rng(1).choice([0, 10], len(frame))
    frame.to_csv(folder / "past.csv", index=False)
    (folder / "spec.toml").write_text(SPEC, encoding="utf-8")
    summary = train_to_dir(folder / "past.csv", folder / "spec.toml", folder / "model")
    assert summary["targets"]["delay"]["no_skill"]
    return folder / "model"


def test_api_result_says_no_skill(coin_toss_model: Path, tmp_path: Path) -> None:
    application = build_app(Settings(workspace=tmp_path, model_dir=coin_toss_model), with_ui=False)
    with running_server(application) as base, httpx.Client(base_url=base, timeout=60) as http:
        response = http.post("/api/v1/risk/score", json={"project": {"team_size": 9}})
        assert response.status_code == 200, response.text
        assert response.json()["delay"]["no_skill"] is True
        card = http.get("/api/v1/risk/model").json()
        assert card["targets"]["delay"]["no_skill"] is True
        assert [w["code"] for w in card["warnings"]] == ["no_skill"]


def test_risk_tab_text_says_the_probability_carries_no_information(
    coin_toss_model: Path, model_dir: Path
) -> None:
    (scored,) = score_with(RiskModelHolder(coin_toss_model).current(), [{"team_size": 9}])
    assert "不含信息" in result_markdown(scored, "zh")
    assert "carries no information" in result_markdown(scored, "en")
    (skilled,) = score_with(RiskModelHolder(model_dir).current(), [{"team_size": 9}])
    assert "no information" not in result_markdown(skilled, "en")
