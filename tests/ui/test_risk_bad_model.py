"""A bad model directory must not take the server down (#17 point 6): the real server starts,
document routes answer, the risk routes answer 503 naming the reason; the real CLI exits 2."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.settings import Settings
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app


def broken_model(model_dir: Path, target: Path, content: bytes = b"this is not a zip") -> Path:
    """The trained model, its file replaced by `content` and the card's hash updated to match."""
    shutil.copytree(model_dir, target)
    (target / "model.skops").write_bytes(content)
    card_path = target / "model_card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["model_sha256"] = hashlib.sha256(content).hexdigest()
    card_path.write_text(json.dumps(card), encoding="utf-8")
    return target


def test_server_starts_and_only_the_risk_routes_answer_503(
    model_dir: Path, indexed_workspace: Path, tmp_path: Path
) -> None:
    bad = broken_model(model_dir, tmp_path / "bad-model")
    workspace = copy_workspace(indexed_workspace, tmp_path / "ws")
    application = build_app(Settings(workspace=workspace, model_dir=bad), with_ui=True)
    with running_server(application) as base, httpx.Client(base_url=base, timeout=60) as http:
        health = http.get("/api/v1/health")
        assert health.status_code == 200 and health.json()["model"] is None
        asked = http.post("/api/v1/ask", json={"question": "Which message queue?", "k": 3})
        assert asked.status_code == 200, asked.text
        for method, path, body in [
            ("GET", "/api/v1/risk/model", None),
            ("POST", "/api/v1/risk/model/reload", None),
            ("POST", "/api/v1/risk/score", {"project": {"team_size": 5}}),
        ]:
            response = http.request(method, path, json=body)
            assert response.status_code == 503, (path, response.text)
            assert "not a skops model archive" in response.json()["detail"]
        assert http.get("/").status_code == 200  # the UI is mounted and serves its page


def test_card_pointing_outside_the_model_dir_gives_503(
    model_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "escape"
    shutil.copytree(model_dir, bad)
    card_path = bad / "model_card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["model_file"] = "../../../../etc/passwd"
    card_path.write_text(json.dumps(card), encoding="utf-8")
    application = build_app(Settings(workspace=tmp_path / "ws", model_dir=bad), with_ui=False)
    with running_server(application) as base, httpx.Client(base_url=base, timeout=60) as http:
        response = http.post("/api/v1/risk/model/reload")
        assert response.status_code == 503
        assert "only a file name inside the model directory" in response.json()["detail"]


@pytest.mark.parametrize("as_json", [False, True])
def test_cli_exits_2_with_the_reason(model_dir: Path, tmp_path: Path, as_json: bool) -> None:
    bad = broken_model(model_dir, tmp_path / "bad-model")
    projects = tmp_path / "p.csv"
    projects.write_text("key,team_size\nA,5\n", encoding="utf-8")
    args = ["risk", "score", "--model", str(bad), "--input", str(projects)]
    if as_json:
        args.append("--json")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "not a skops model archive" in result.output
    assert "Traceback" not in result.output
