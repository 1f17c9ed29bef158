"""One risk path (#18 point 3): ml's typed results are what the REST API sends and what the
Risk tab shows, and the tab reads the model card through ml.card's types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.record.features import DECLARED, FeatureFill, FeatureSource
from assistant.settings import Settings
from assistant.workspace import Workspace, ingest_into_workspace
from ml.results import ProjectRisk
from tests.ui.conftest import running_server
from ui.api import models as m
from ui.risk_holder import RiskModelHolder
from ui.risk_schema import score_request_model
from ui.server import build_app
from ui.web.risk_view import (
    FieldFill,
    form_fill,
    portfolio_frame,
    reliability_frame,
    result_markdown,
    source_text,
)

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


def test_the_form_is_filled_from_the_record_with_sources_and_asks_for_the_rest(
    model_dir: Path,
) -> None:
    """#15 point 4 in the Risk tab: each filled field says where its value came from; the
    fields the documents do not give are emptied and named."""
    card = RiskModelHolder(model_dir).current().card
    fill = FeatureFill()
    fill.put("team_size", 24, FeatureSource("gov/project.toml", None, DECLARED))
    fill.put("requirement_volatility", 0.2, FeatureSource("gov/周例会.md", "2026-04-10"))
    fields, summary = form_fill(card, "gov", fill, "zh")
    by_name = dict(zip(card.feature_names, fields, strict=True))
    assert by_name["team_size"].value == 24
    assert by_name["team_size"].info.startswith("来自 gov/project.toml 的 [risk_features]")
    assert by_name["requirement_volatility"].info.startswith("来自 gov/周例会.md (2026-04-10)")
    assert by_name["project_type"] == FieldFill(None, "文档未提供，请填写")
    assert "**gov**：2 项来自项目记录" in summary
    assert "请填写（2 项）：项目类型、采用新技术" in summary
    _, english = form_fill(card, "gov", fill, "en")
    assert "please fill in (2): project type, new technology" in english


def test_a_count_names_its_ids_and_document() -> None:
    counted = FeatureSource("gov/周例会.md", "2026-04-10", "R-01, R-05")
    assert source_text(counted, "en") == "from R-01, R-05, see gov/周例会.md (2026-04-10)"
    assert source_text(counted, "zh") == "来自 R-01, R-05，见 gov/周例会.md (2026-04-10)"


def test_the_portfolio_scores_each_ingested_project_from_its_record(
    model_dir: Path, tmp_path: Path
) -> None:
    """The Risk tab's portfolio is the workspace's projects (not the shipped samples), each
    scored on what its own record states; a project.toml gives the name and more values."""
    corpus = tmp_path / "corpus"
    for project in ("alpha", "beta"):
        (corpus / project).mkdir(parents=True)
        (corpus / project / "kickoff.md").write_text(
            f"# {project} 启动会\n\n日期：2025-03-03\n\n决定：采用 Kafka。\n", encoding="utf-8"
        )
    (corpus / "alpha" / "project.toml").write_text(
        'name = "Alpha 项目"\n\n[risk_features]\nteam_size = 30\nproject_type = "erp"\n',
        encoding="utf-8",
    )
    settings = Settings(workspace=tmp_path / "ws", model_dir=model_dir)
    assert not ingest_into_workspace(settings, [corpus]).failed
    with Workspace(settings) as ws:
        scores = ws.score_portfolio()
    assert [s.project for s in scores] == ["alpha", "beta"]
    alpha, beta = scores
    assert alpha.name == "Alpha 项目" and beta.name == "beta"
    assert alpha.inputs.values == {"team_size": 30, "project_type": "erp"}
    assert alpha.result.imputed == 2 and beta.result.imputed == 4  # the model has 4 features
    table = portfolio_frame(scores)
    assert table["id"].tolist() == ["alpha", "beta"]
    assert table["name"].tolist() == ["Alpha 项目", "beta"]
    assert table["missing_features"].tolist() == [2, 4]
    assert table["delay_probability"].between(0, 1).all()
