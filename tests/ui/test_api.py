"""The REST API against a real uvicorn server on 127.0.0.1 (httpx client): every route, the
validation derived from the model card, size limits, auth, no model and reload."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from assistant.settings import ServerSettings, Settings
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

MAX_ROWS = 5
MAX_BYTES = int(0.05 * 1024 * 1024)
PROJECT = {"team_size": 12, "project_type": "erp", "requirement_volatility": 0.4}


def api_settings(workspace: Path, model_dir: Path, **extra: Any) -> Settings:
    server = ServerSettings(max_batch_rows=MAX_ROWS, max_upload_mb=0.05)
    return Settings(workspace=workspace, model_dir=model_dir, server=server, **extra)


@pytest.fixture(scope="module")
def client(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("api") / "ws")
    app = build_app(api_settings(workspace, model_dir), with_ui=False)
    with running_server(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        yield http


def field_errors(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def test_health_reports_the_model_and_the_index(client: httpx.Client, model_dir: Path) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["model"] == str(model_dir)
    assert body["chunks"] > 0


def test_model_card_lists_features_with_types_categories_and_ranges(
    client: httpx.Client,
) -> None:
    card = client.get("/api/v1/risk/model").json()
    features = {f["name"]: f for f in card["features"]}
    assert set(features) == {
        "team_size",
        "project_type",
        "requirement_volatility",
        "new_technology",
    }
    assert features["project_type"]["type"] == "categorical"
    assert set(features["project_type"]["categories"]) == {"erp", "web", "infra"}
    assert features["team_size"]["min"] >= 3 and features["team_size"]["max"] <= 40
    assert "delay" in card["targets"] and card["trained_at"]


def test_score_one_project(client: httpx.Client) -> None:
    response = client.post("/api/v1/risk/score", json={"project": {**PROJECT, "key": "P-7"}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["id"] == "P-7"
    assert 0 <= result["delay"]["probability"] <= 1
    assert result["delay"]["level"] in {"low", "medium", "high"}
    assert "overrun" not in result  # only the targets the model was trained on
    assert {d["feature"] for d in result["drivers"]} <= {
        "team_size", "project_type", "requirement_volatility", "new_technology",
    }  # fmt: skip


@pytest.mark.parametrize(
    "project",
    [
        {"team_size": 1000},  # outside the training range: still a project to score
        {"project_type": "mainframe"},  # unseen category: the model treats it as missing
        {"unknown_column": "ignored", **PROJECT},
        {},  # every feature missing
        {"new_technology": True},
    ],
)
def test_legitimate_inputs_are_scored(client: httpx.Client, project: dict[str, Any]) -> None:
    response = client.post("/api/v1/risk/score", json={"project": project})
    assert response.status_code == 200, response.text
    assert response.json()["delay"]["level"] in {"low", "medium", "high"}


@pytest.mark.parametrize(
    ("raw_body", "field"),
    [
        ('{"project": {"team_size": "ten"}}', "team_size"),
        ('{"project": {"team_size": NaN}}', "team_size"),
        ('{"project": {"team_size": Infinity}}', "team_size"),
        ('{"project": {"requirement_volatility": -Infinity}}', "requirement_volatility"),
        ('{"project": {"project_type": 3}}', "project_type"),
        ('{"project": {"new_technology": "maybe"}}', "new_technology"),
        ('{"project": {"team_size": [1, 2]}}', "team_size"),
    ],
)
def test_bad_values_are_422_naming_the_field(
    client: httpx.Client, raw_body: str, field: str
) -> None:
    response = client.post(
        "/api/v1/risk/score", content=raw_body, headers={"content-type": "application/json"}
    )
    assert ["body", "project", field] in field_errors(response)


def test_wrong_body_shapes_are_422(client: httpx.Client) -> None:
    assert ["body", "project"] in field_errors(client.post("/api/v1/risk/score", json={}))
    assert ["body", "project"] in field_errors(
        client.post("/api/v1/risk/score", json={"project": [1, 2]})
    )
    broken = client.post(
        "/api/v1/risk/score", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422


def test_quantiles_query_is_validated(client: httpx.Client) -> None:
    url = "/api/v1/risk/score"
    assert client.post(url + "?quantiles=true", json={"project": PROJECT}).status_code == 200
    bad = client.post(url + "?quantiles=maybe", json={"project": PROJECT})
    assert ["query", "quantiles"] in field_errors(bad)


def test_batch_scores_rows_in_order(client: httpx.Client) -> None:
    projects = [{**PROJECT, "key": f"R{i}", "team_size": 5 + 10 * i} for i in range(3)]
    response = client.post("/api/v1/risk/score/batch", json={"projects": projects})
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()["results"]] == ["R0", "R1", "R2"]


def test_batch_bad_row_names_row_and_field(client: httpx.Client) -> None:
    projects = [PROJECT, {"team_size": "many"}]
    response = client.post("/api/v1/risk/score/batch", json={"projects": projects})
    assert ["body", "projects", 1, "team_size"] in field_errors(response)


def test_batch_over_the_row_limit_is_refused(client: httpx.Client) -> None:
    response = client.post("/api/v1/risk/score/batch", json={"projects": [{}] * (MAX_ROWS + 1)})
    assert ["body", "projects"] in field_errors(response)


def test_body_over_the_limit_is_413(client: httpx.Client) -> None:
    padding = "x" * (MAX_BYTES + 10)
    response = client.post("/api/v1/risk/score", json={"project": {"note": padding}})
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_streamed_body_over_the_limit_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"projects": ['
        for _ in range(MAX_BYTES // 1000 + 5):
            yield b'{"team_size": 1, "note": "' + b"y" * 1000 + b'"},'
        yield b"{}]}"

    response = client.post(
        "/api/v1/risk/score/batch", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_openapi_documents_the_card_features(client: httpx.Client) -> None:
    schema = client.get("/api/openapi.json").json()
    project = schema["components"]["schemas"]["RiskProject"]["properties"]
    assert "Training range 3" in project["team_size"]["description"]
    assert "erp" in project["project_type"]["description"]
    assert {"/api/v1/risk/score", "/api/v1/risk/score/batch", "/api/v1/ask"} <= set(schema["paths"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_ask_answers_with_citations(client: httpx.Client) -> None:
    response = client.post("/api/v1/ask", json={"question": "消息队列用什么？", "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "extractive"
    assert body["citations"] and len(body["citations"]) <= 3
    assert body["citations"][0]["source"] == "alpha/meeting_notes/2025-03-03-kickoff.md"
    assert "Kafka" in body["answer"]


def test_ask_filters_by_project(client: httpx.Client) -> None:
    response = client.post("/api/v1/ask", json={"question": "vendor API late", "project": "beta"})
    citations = response.json()["citations"]
    assert citations and {c["project"] for c in citations} == {"beta"}


def test_ask_validation(client: httpx.Client) -> None:
    assert ["body", "k"] in field_errors(client.post("/api/v1/ask", json={"question": "x", "k": 0}))
    assert ["body", "question"] in field_errors(client.post("/api/v1/ask", json={"question": ""}))


def test_api_key_is_required_on_every_route(model_dir: Path, tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "ws", model_dir, api_key=SecretStr("s3cret-key"))
    routes = [
        ("GET", "/api/v1/health", None),
        ("GET", "/api/v1/risk/model", None),
        ("POST", "/api/v1/risk/model/reload", None),
        ("POST", "/api/v1/risk/score", {"project": PROJECT}),
        ("POST", "/api/v1/risk/score/batch", {"projects": [PROJECT]}),
        ("POST", "/api/v1/ask", {"question": "x"}),
    ]
    with (
        running_server(build_app(settings, with_ui=False)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        for method, path, body in routes:
            bare = http.request(method, path, json=body)
            assert bare.status_code == 401, path
            assert bare.headers["www-authenticate"] == "Bearer"
            wrong = http.request(
                method, path, json=body, headers={"Authorization": "Bearer s3cret-kez"}
            )
            assert wrong.status_code == 401, path
        good = {"Authorization": "Bearer s3cret-key"}
        assert http.get("/api/v1/health", headers=good).status_code == 200
        scored = http.post("/api/v1/risk/score", json={"project": PROJECT}, headers=good)
        assert scored.status_code == 200


def test_no_model_is_503_until_one_is_trained_and_reloaded(model_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "models" / "risk"
    settings = api_settings(tmp_path / "ws", empty)
    with (
        running_server(build_app(settings, with_ui=False)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        assert http.get("/api/v1/health").json() == {"status": "ok", "model": None, "chunks": 0}
        for response in (
            http.get("/api/v1/risk/model"),
            http.post("/api/v1/risk/score", json={"project": PROJECT}),
            http.post("/api/v1/risk/model/reload"),
        ):
            assert response.status_code == 503
            assert "pmassist risk train --data data/portfolio.csv" in response.json()["detail"]
        no_index = http.post("/api/v1/ask", json={"question": "anything"})
        assert no_index.status_code == 409
        assert "pmassist ingest" in no_index.json()["detail"]

        shutil.copytree(model_dir, empty)  # as `pmassist risk train --out` would
        reloaded = http.post("/api/v1/risk/model/reload")
        assert reloaded.status_code == 200
        assert {f["name"] for f in reloaded.json()["features"]} >= {"team_size"}
        scored = http.post("/api/v1/risk/score", json={"project": PROJECT})
        assert scored.status_code == 200
        assert http.get("/api/v1/health").json()["model"] == str(empty)


def test_a_retrained_model_is_picked_up_without_reload(model_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "model"
    settings = api_settings(tmp_path / "ws", target)
    with (
        running_server(build_app(settings, with_ui=False)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        assert http.get("/api/v1/risk/model").status_code == 503
        shutil.copytree(model_dir, target)
        assert http.get("/api/v1/risk/model").status_code == 200


@pytest.mark.parametrize("value", ["1.7976931348623157e308", "-1.7976931348623157e308"])
def test_a_number_too_extreme_for_the_model_is_422_or_a_finite_score(
    client: httpx.Client, value: str
) -> None:
    """Finite but absurd (a unit error): either the model can still use it, or its encoding
    overflows and the request is refused naming the field — never a 500 or a NaN."""
    raw = '{"project": {"requirement_volatility": ' + value + "}}"
    response = client.post(
        "/api/v1/risk/score", content=raw, headers={"content-type": "application/json"}
    )
    if response.status_code == 200:
        result = response.json()
        assert all(math.isfinite(d["effect"]) for d in result["drivers"])
        assert 0.0 <= result["delay"]["probability"] <= 1.0
    else:
        assert ["body", "project", "requirement_volatility"] in field_errors(response)
