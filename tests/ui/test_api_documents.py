"""REST parity with the CLI against a real uvicorn server: upload and ingest, list, remove (with
the chunk count), drafts with the DOCX downloadable, batch reports; the same errors (422 naming
the field) and the same API key rule; Swagger UI and ReDoc served from local assets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.settings import Settings
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

NOTE = "# 周报 2025-03-10\n\n本周完成接口联调。风险：供应商延期交付，负责人：李娜。\n" * 3


@pytest.fixture(scope="module")
def served(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, Path]]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("docs-api") / "ws")
    app = build_app(Settings(workspace=workspace, model_dir=model_dir), with_ui=False)
    with running_server(app) as base_url, httpx.Client(base_url=base_url, timeout=120) as http:
        yield http, workspace


def locs(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def test_upload_ingests_like_the_cli_then_delete_removes_its_chunks(
    served: tuple[httpx.Client, Path],
) -> None:
    http, workspace = served
    files = [("files", ("周报-2025-03-10.md", NOTE.encode(), "text/markdown"))]
    uploaded = http.post("/api/v1/documents", data={"project": "gamma"}, files=files)
    assert uploaded.status_code == 200, uploaded.text
    report = uploaded.json()
    assert set(report) == {"added", "updated", "unchanged", "deleted", "chunks", "failed",
                           "seconds"}  # fmt: skip
    assert report["added"] == 1 and report["chunks"] >= 1 and report["failed"] == []
    assert (workspace / "documents" / "gamma" / "周报-2025-03-10.md").is_file()

    listed = http.get("/api/v1/documents", params={"project": "gamma"}).json()["documents"]
    assert [d["source"] for d in listed] == ["gamma/周报-2025-03-10.md"]
    answer = http.post("/api/v1/ask", json={"question": "供应商延期", "project": "gamma"}).json()
    assert answer["citations"][0]["source"] == "gamma/周报-2025-03-10.md"

    body = {"project": "gamma", "source": "gamma/周报-2025-03-10.md"}
    removed = http.request("DELETE", "/api/v1/documents", json=body)
    assert removed.json() == {"deleted": 1, "chunks": listed[0]["chunks"]}
    assert http.get("/api/v1/documents", params={"project": "gamma"}).json()["documents"] == []
    again = http.request("DELETE", "/api/v1/documents", json=body)
    assert again.json() == {"deleted": 0, "chunks": 0}


def test_bad_uploads_are_422_naming_the_field(served: tuple[httpx.Client, Path]) -> None:
    http, _ = served
    note = [("files", ("a.md", b"# x\n", "text/markdown"))]
    assert ["body", "project"] in locs(
        http.post("/api/v1/documents", data={"project": "../up"}, files=note)
    )
    assert ["body", "files"] in locs(http.post("/api/v1/documents", data={"project": "p"}))
    sheet = [("files", ("plan.xlsx", b"PK\x03\x04", "application/octet-stream"))]
    refused = http.post("/api/v1/documents", data={"project": "p"}, files=sheet)
    assert ["body", "files"] in locs(refused) and "plan.xlsx" in refused.text
    assert ["body", "source"] in locs(
        http.request("DELETE", "/api/v1/documents", json={"project": "p"})
    )


def test_draft_matches_the_cli_and_its_docx_downloads(
    served: tuple[httpx.Client, Path], tmp_path: Path
) -> None:
    http, workspace = served
    response = http.post(
        "/api/v1/drafts", json={"kind": "weekly-report", "project": "alpha", "lang": "zh"}
    )
    assert response.status_code == 200, response.text
    draft = response.json()
    cli_run = CliRunner().invoke(
        cli, ["draft", "weekly-report", "--project", "alpha", "--lang", "zh", "--json",
              "--workspace", str(workspace)],
    )  # fmt: skip
    assert cli_run.exit_code == 0, cli_run.output
    by_cli = json.loads(cli_run.stdout)
    for key in ("kind", "project", "lang", "mode", "markdown", "items"):
        assert draft[key] == by_cli[key], key
    docx = http.get(draft["output"])
    assert docx.status_code == 200 and docx.content[:2] == b"PK"  # a zip: the DOCX
    assert "Kafka" in http.get(draft["downloads"]["md"]).text


def test_draft_errors_name_the_field(served: tuple[httpx.Client, Path]) -> None:
    http, _ = served
    assert ["body", "kind"] in locs(
        http.post("/api/v1/drafts", json={"kind": "monthly", "project": "alpha"})
    )
    assert ["body", "since"] in locs(
        http.post(
            "/api/v1/drafts", json={"kind": "requirements", "project": "alpha", "since": "03/01"}
        )
    )
    assert ["body", "project"] in locs(
        http.post("/api/v1/drafts", json={"kind": "requirements", "project": "nowhere"})
    )


def test_batch_report_writes_downloadable_files(served: tuple[httpx.Client, Path]) -> None:
    http, _ = served
    response = http.post(
        "/api/v1/reports", json={"kind": "risk-list", "projects": ["alpha", "nowhere"],
                                 "formats": ["md"], "lang": "en", "until": "2026-03-15"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    result = response.json()
    names = [url.rsplit("/", 1)[-1] for url in result["written"]]
    assert names == ["Risk-register_alpha_2026-03-15.md"]
    assert [f["project"] for f in result["failed"]] == ["nowhere"]
    assert http.get(result["written"][0]).status_code == 200
    assert http.get("/api/v1/files/not-a-folder/alpha-risk-list.md").status_code == 404
    assert http.get("/api/v1/files/" + "0" * 32 + "/..%2F..%2Fmodel_card.json").status_code == 404


def test_the_new_routes_need_the_api_key(model_dir: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws", model_dir=model_dir,
                        api_key=SecretStr("s3cret-key"))  # fmt: skip
    routes = [
        ("GET", "/api/v1/documents", None),
        ("POST", "/api/v1/documents", None),
        ("DELETE", "/api/v1/documents", {"project": "p", "source": "s"}),
        ("POST", "/api/v1/drafts", {"kind": "requirements", "project": "p"}),
        ("POST", "/api/v1/reports", {"kind": "requirements"}),
        ("GET", "/api/v1/files/" + "0" * 32 + "/x.md", None),
    ]
    with (
        running_server(build_app(settings, with_ui=False)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        for method, path, body in routes:
            assert http.request(method, path, json=body).status_code == 401, path
        good = {"Authorization": "Bearer s3cret-key"}
        assert http.get("/api/v1/documents", headers=good).json() == {"documents": []}
        # The documentation pages stay readable without the key (they hold no data).
        assert http.get("/api/docs").status_code == 200


def test_api_docs_load_only_local_assets(served: tuple[httpx.Client, Path]) -> None:
    http, _ = served
    for page in ("/api/docs", "/api/redoc"):
        html = http.get(page).text
        assert "http://" not in html and "https://" not in html, page
    assert http.get("/api/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert http.get("/api/docs-assets/redoc.standalone.js").status_code == 200
