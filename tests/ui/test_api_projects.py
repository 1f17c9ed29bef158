"""/api/v1/projects over the sample corpus, against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from tests.ui.conftest import running_server
from ui.server import build_app

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = Settings(workspace=tmp_path_factory.mktemp("projects") / "ws")
    assert not ingest_into_workspace(settings, [SAMPLES]).failed
    return settings.workspace


@pytest.fixture(scope="module")
def client(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    settings = Settings(workspace=workspace, model_dir=tmp_path_factory.mktemp("no-model"))
    app = build_app(settings, with_ui=False)
    with running_server(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        yield http


def test_every_project_has_a_status(client: httpx.Client) -> None:
    found = client.get("/api/v1/projects", params={"as_of": "2026-04-12"})
    assert found.status_code == 200, found.text
    names = {p["project"]: p for p in found.json()["projects"]}
    assert {"smart-gov-cloud", "erp-rollout", "retail-crm-migration"} <= set(names)
    assert names["smart-gov-cloud"]["health"] in ("amber", "red")
    assert names["smart-gov-cloud"]["health_reasons"]


def test_status_matches_the_contract_shape(client: httpx.Client) -> None:
    found = client.get("/api/v1/projects/smart-gov-cloud/status", params={"as_of": "2026-04-12"})
    body = found.json()
    assert set(body) == {"project", "as_of", "health", "health_reasons", "progress",
                         "milestones", "counts", "risk"}  # fmt: skip
    assert body["progress"]["spi"] == 0.86
    m2 = next(m for m in body["milestones"] if m["id"] == "M2")
    assert m2["slip_days"] == 11


def test_register_filters(client: httpx.Client) -> None:
    found = client.get(
        "/api/v1/projects/smart-gov-cloud/register",
        params={"kind": "action", "overdue": "true", "as_of": "2026-04-20"},
    )
    items = {i["id"]: i for i in found.json()["items"]}
    assert {"A-14", "A-15", "A-16"} <= set(items)
    assert items["A-14"]["status"] == "未开始"
    assert all(i["kind"] == "action" for i in items.values())


def test_bad_input_is_4xx_naming_the_field(client: httpx.Client) -> None:
    bad_date = client.get("/api/v1/projects/smart-gov-cloud/register", params={"as_of": "x"})
    assert bad_date.status_code == 422 and bad_date.json()["detail"][0]["loc"][-1] == "as_of"
    bad_kind = client.get("/api/v1/projects/smart-gov-cloud/register", params={"kind": "task"})
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["detail"][0]["loc"]
    assert client.get("/api/v1/projects/nope/status").status_code == 404


def test_api_key_applies(workspace: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=workspace, model_dir=tmp_path, api_key=SecretStr("k3y"))
    with (
        running_server(build_app(settings, with_ui=False)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        assert http.get("/api/v1/projects").status_code == 401
        good = http.get("/api/v1/projects", headers={"Authorization": "Bearer k3y"})
        assert good.status_code == 200


def test_status_carries_the_risk_models_probabilities(workspace: Path, model_dir: Path) -> None:
    settings = Settings(workspace=workspace, model_dir=model_dir)
    with (
        running_server(build_app(settings, with_ui=False)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        body = http.get("/api/v1/projects/smart-gov-cloud/status").json()
    # project.toml states team_size and project_type, which this small model uses.
    assert set(body["risk"]) == {"delay"} and 0.0 <= body["risk"]["delay"] <= 1.0
