"""One risk path (#18 point 3): ml's typed results are what the REST API sends and what the
Risk tab shows, and the tab reads the model card through ml.card's types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from ml.results import ProjectRisk
from tests.ui.conftest import running_server
from ui.api import models as m
from ui.risk_holder import RiskModelHolder
from ui.risk_schema import score_request_model
from ui.server import build_app
from ui.web.risk_view import reliability_frame, result_markdown

PROJECTS: list[dict[str, Any]] = [
    {"key": "P-1", "team_size": 30, "project_type": "erp", "requirement_volatility": 0.5},
    {"key": "P-2", "team_size": 4, "project_type": "web", "new_technology": True},
    {"project_type": "space_station"},  # an unseen category: scored as missing
    {},
]


def wire(content: Any) -> bytes:
    """JSON as FastAPI's JSONResponse writes it."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def served(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = build_app(
        Settings(workspace=tmp_path_factory.mktemp("path"), model_dir=model_dir), with_ui=False
    )
    with running_server(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        yield http


def typed(model_dir: Path, projects: list[dict[str, Any]]) -> list[ProjectRisk]:
    model = RiskModelHolder(model_dir).current().model
    # The API fills every feature key (None when not given) before scoring: do the same.
    keys = [f.name for f in model.card.features]
    return model.score_results([{**dict.fromkeys(keys), **p} for p in projects], quantiles=False)


def test_the_rest_response_is_the_typed_results_serialisation(
    served: httpx.Client, model_dir: Path
) -> None:
    expected = typed(model_dir, PROJECTS)
    for project, result in zip(PROJECTS, expected, strict=True):
        response = served.post("/api/v1/risk/score", json={"project": project})
        assert response.status_code == 200, response.text
        assert response.content == wire(result.to_json())
    batch = served.post("/api/v1/risk/score/batch", json={"projects": PROJECTS})
    assert batch.content == wire({"results": [r.to_json() for r in expected]})
    assert [r["id"] for r in batch.json()["results"]] == ["P-1", "P-2", None, None]


def test_every_typed_result_matches_the_published_schema(model_dir: Path) -> None:
    """The response models document exactly what to_json() sends: each result validates and
    dumps back unchanged, so nothing needs validating on its way out."""
    for result in typed(model_dir, PROJECTS):
        sent = result.to_json()
        parsed = m.RiskResult.model_validate(sent)
        assert parsed.model_dump(mode="json", exclude_unset=True, by_alias=True) == sent


def test_the_card_route_serves_ml_card(served: httpx.Client, model_dir: Path) -> None:
    card = RiskModelHolder(model_dir).current().card
    assert served.get("/api/v1/risk/model").json() == card.to_json_dict()


def test_request_models_come_from_the_card_types(model_dir: Path) -> None:
    card = RiskModelHolder(model_dir).current().card
    schema = score_request_model(card).model_json_schema()
    project = next(iter(schema["$defs"].values()))["properties"]
    assert set(project) == {*card.feature_names, "key"}  # the id column names the project
    kind = next(f for f in card.features if f.name == "project_type")
    assert project["project_type"]["x-categories"] == kind.categories == ["erp", "infra", "web"]
    team = next(f for f in card.features if f.name == "team_size")
    assert project["team_size"]["x-training-range"] == [team.min, team.max]


def test_the_risk_tab_form_reads_the_card(model_dir: Path) -> None:
    """Labels, category choices (the card's closed list of known categories, labelled) and
    training ranges on the form are ml.card's, through its typed accessors."""
    from ui.web.tabs.risk import _input_for

    card = RiskModelHolder(model_dir).current().card
    by_name = {f.name: f for f in card.features}
    kind = _input_for(by_name["project_type"], "erp", "zh", card)
    assert [value for _, value in kind.choices] == by_name["project_type"].categories
    assert kind.label == card.feature_label("project_type", "zh") == "项目类型"
    team = _input_for(by_name["team_size"], None, "en", card)
    low, high = by_name["team_size"].training_range or (None, None)
    assert team.info == f"{low:g} – {high:g}" and team.label == "team size"


def test_the_reliability_chart_is_the_cards_calibration_table(model_dir: Path) -> None:
    card = RiskModelHolder(model_dir).current().card
    frame = reliability_frame(card, "en")
    bins = card.targets["delay"].validation.calibration
    delay = frame[frame["series"].str.startswith("Delay")]
    assert delay["projects"].tolist() == [b.count for b in bins] and len(bins) > 1
    assert delay["observed"].tolist() == [round(b.observed_rate, 3) for b in bins]


def test_the_tab_text_reads_the_typed_result(model_dir: Path) -> None:
    (result,) = typed(model_dir, PROJECTS[:1])
    delay = result.targets["delay"]
    text = result_markdown(result, "en")
    assert f"Delay**: probability {delay.probability:.0%}" in text
    assert f"level **{delay.level}**" in text
