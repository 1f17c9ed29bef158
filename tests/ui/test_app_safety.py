"""The mounted Gradio app is safe by default: it serves only its upload folder, refuses
uploads over the size limit, and does not offer share links or analytics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.settings import ServerSettings, Settings
from tests.ui.conftest import running_server
from ui.server import build_app, upload_dir

pytestmark = pytest.mark.slow  # builds the whole Gradio app


@pytest.fixture(scope="module")
def app_server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    workspace = tmp_path_factory.mktemp("safety") / "ws"
    settings = Settings(
        workspace=workspace, model_dir=model_dir, server=ServerSettings(max_upload_mb=0.01)
    )
    with (
        running_server(build_app(settings)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        yield http, settings


def test_the_app_and_the_api_share_one_server(app_server: tuple) -> None:
    http, _ = app_server
    assert http.get("/").status_code == 200
    assert http.get("/api/v1/health").json()["status"] == "ok"
    config = http.get("/config").json()
    assert config.get("share_url") in (None, "")
    assert config.get("analytics_enabled") is False


def test_files_outside_the_upload_folder_are_not_served(app_server: tuple) -> None:
    http, settings = app_server
    card = (settings.risk_model_dir / "model_card.json").resolve()
    for path in ("/etc/passwd", str(card), str(Path(__file__).resolve())):
        response = http.get(f"/gradio_api/file={path}")
        assert response.status_code in (403, 404), path


def test_uploads_land_in_the_workspace_and_respect_the_size_limit(app_server: tuple) -> None:
    http, settings = app_server
    small = http.post("/gradio_api/upload", files={"files": ("a.md", b"# ok\n", "text/markdown")})
    assert small.status_code == 200, small.text
    stored = Path(small.json()[0])
    assert upload_dir(settings) in stored.resolve().parents
    served = http.get(f"/gradio_api/file={stored}")
    assert served.status_code == 200 and served.content == b"# ok\n"

    big = b"x" * (20 * 1024)  # over max_upload_mb = 0.01 (about 10 KB)
    refused = http.post("/gradio_api/upload", files={"files": ("b.md", big, "text/markdown")})
    assert refused.status_code == 413


def test_with_an_api_key_the_web_app_asks_for_it(model_dir: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws", model_dir=model_dir, api_key="k3y-123")
    with (
        running_server(build_app(settings)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):
        assert http.get("/config").status_code == 401
        assert http.post("/login", data={"username": "pm", "password": "wrong"}).status_code == 400
        signed_in = http.post("/login", data={"username": "pm", "password": "k3y-123"})
        assert signed_in.status_code == 200
        assert http.get("/config").status_code == 200  # the session cookie is kept
        assert http.get("/api/v1/health").status_code == 401  # the API still wants the header
