"""`pmassist demo --no-serve` prepares the sample workspace (incrementally); `pmassist serve`
serves the app and the API on loopback until stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.ui.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_prepares_the_workspace_once(tmp_path: Path) -> None:
    runner = CliRunner()
    workspace = tmp_path / "ws"
    first = runner.invoke(app, ["demo", "--no-serve", "--workspace", str(workspace)])
    assert first.exit_code == 0, first.output
    card = json.loads((workspace / "models" / "risk" / "model_card.json").read_text("utf-8"))
    assert {"delay", "overrun"} <= set(card["targets"])
    assert "Risk model trained" in first.output

    second = runner.invoke(app, ["demo", "--no-serve", "--workspace", str(workspace)])
    assert second.exit_code == 0, second.output
    assert "added 0, updated 0" in second.output
    assert "already present" in second.output


@pytest.mark.slow
def test_serve_answers_on_loopback_until_stopped(model_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable, "-c", "from assistant.cli import app; app()", "serve",
        "--port", str(port), "--model", str(model_dir), "--workspace", str(tmp_path / "ws"),
    ]  # fmt: skip
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        health = None
        deadline = time.monotonic() + 120
        while health is None and time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.3)
        assert health is not None and health.json()["model"] == str(model_dir)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "gradio" in page.text.lower()
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/api/docs" in errors


@pytest.mark.slow
def test_api_runs_as_several_workers(model_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "ui.server:create_api_app",
        "--workers", "2", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "PMASSIST_WORKSPACE": str(tmp_path / "ws"),
           "PMASSIST_MODEL_DIR": str(model_dir)}  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        scored: list[int] = []
        while len(scored) < 20 and time.monotonic() < deadline:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/risk/score",
                    json={"project": {"team_size": 10}},
                    timeout=30,
                )
                scored.append(response.status_code)
            except httpx.HTTPError:
                time.sleep(0.3)
        assert scored and set(scored) == {200}
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 404  # no UI
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


@pytest.mark.slow
def test_demo_retrains_a_model_it_cannot_load(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    model_dir = workspace / "models" / "risk"
    model_dir.mkdir(parents=True)
    (model_dir / "model_card.json").write_text('{"format_version": 0}', encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "retraining" in result.output and "Risk model trained" in result.output
    card = json.loads((model_dir / "model_card.json").read_text("utf-8"))
    assert card["format_version"] >= 1


HEAVY = ("gradio", "fastapi", "uvicorn", "sklearn", "chromadb", "numpy", "pandas", "jieba",
         "bm25s", "langchain", "openai", "assistant.drafts", "assistant.workspace",
         "assistant.retrieval")  # fmt: skip


@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"], ["ingest", "--help"]])
def test_a_command_starts_without_the_heavy_parts(args: list[str]) -> None:
    """What each command's help loads (the timings are in bench/startup.py): a heavy import
    at the top of a CLI module would show up here."""
    probe = (
        "import sys\nfrom assistant.cli import app\n"
        "try:\n    app(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
