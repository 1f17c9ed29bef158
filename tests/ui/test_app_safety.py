"""The mounted Gradio app is safe by default: it serves only its upload folder, refuses
uploads over the size limit, and does not offer share links or analytics; uploaded files come
back as sandboxed downloads, other websites cannot upload or read answers with the user's
cookies, and password guessing at the login is slowed down (issue #17)."""

from __future__ import annotations

import time
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
    server = ServerSettings(max_upload_mb=0.01, max_uploads_total_mb=1)
    settings = Settings(workspace=workspace, model_dir=model_dir, server=server)
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


def upload(http: httpx.Client, name: str, body: bytes, **headers: str) -> httpx.Response:
    return http.post("/gradio_api/upload", files={"files": (name, body)}, headers=headers)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("page.html", b"<html><script>fetch('/config')</script></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("notes.txt", b"<script>alert(1)</script>"),
        ("page.xhtml", b'<html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>'),
    ],
)
def test_uploaded_files_come_back_as_sandboxed_downloads(
    app_server: tuple, name: str, body: bytes
) -> None:
    http, _ = app_server
    stored = upload(http, name, body).json()[0]
    for served in (http.get(f"/gradio_api/file={stored}"), http.get(f"/gradio_api/file/{stored}")):
        assert served.status_code == 200 and served.content == body
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["content-disposition"].startswith("attachment")
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]


def test_an_uploaded_picture_still_shows_inline(app_server: tuple) -> None:
    http, _ = app_server
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    stored = upload(http, "chart.png", png).json()[0]
    served = http.get(f"/gradio_api/file={stored}")
    assert served.headers["content-type"] == "image/png"
    assert not served.headers.get("content-disposition", "inline").startswith("attachment")
    assert served.headers["x-content-type-options"] == "nosniff"


def test_every_response_says_nosniff(app_server: tuple) -> None:
    http, _ = app_server
    for path in ("/", "/config", "/api/v1/health", "/api/openapi.json"):
        assert http.get(path).headers["x-content-type-options"] == "nosniff", path


def test_another_website_cannot_upload_or_ingest(app_server: tuple) -> None:
    http, settings = app_server
    before = sorted(upload_dir(settings).rglob("*"))
    for origin in ("http://evil.example", "http://localhost:9999", "null"):
        refused = upload(http, "x.md", b"# x\n", origin=origin)
        assert refused.status_code == 403, origin
        assert "cross-origin" in refused.json()["detail"]
    by_referer = upload(http, "x.md", b"# x\n", referer="http://evil.example/page.html")
    assert by_referer.status_code == 403
    ingest = http.post(
        "/api/v1/documents",
        files={"files": ("x.md", b"# x\n")},
        data={"project": "p"},
        headers={"origin": "http://evil.example"},
    )
    assert ingest.status_code == 403
    assert sorted(upload_dir(settings).rglob("*")) == before  # nothing was stored
    own_origin = str(http.base_url).rstrip("/")
    assert upload(http, "x.md", b"# x\n", origin=own_origin).status_code == 200
    assert upload(http, "x.md", b"# x\n").status_code == 200  # a program, not a web page


def test_other_local_pages_cannot_read_answers_with_cookies(app_server: tuple) -> None:
    http, _ = app_server
    for path in ("/config", "/api/v1/health"):
        response = http.get(path, headers={"origin": "http://localhost:3000"})
        assert "access-control-allow-origin" not in response.headers, path
    preflight = http.options(
        "/gradio_api/upload",
        headers={"origin": "http://127.0.0.1:3000", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_uploads_stop_when_the_folder_is_full(app_server: tuple) -> None:
    http, settings = app_server
    filler = upload_dir(settings) / "filler.bin"
    filler.write_bytes(b"\0" * (1024 * 1024 + 1))  # over max_uploads_total_mb = 1
    try:
        full = upload(http, "x.md", b"# x\n")
        assert full.status_code == 507 and "MAX_UPLOADS_TOTAL_MB" in full.json()["detail"]
    finally:
        filler.unlink()
    assert upload(http, "x.md", b"# x\n").status_code == 200


def test_password_guessing_at_the_login_is_slowed_down(model_dir: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws", model_dir=model_dir, api_key="k3y-123")
    with (
        running_server(build_app(settings)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
    ):

        def login(password: str) -> httpx.Response:
            return http.post("/login", data={"username": "pm", "password": password})

        statuses = [login(f"guess-{i}").status_code for i in range(6)]
        assert statuses == [400] * 6  # five free failures, the sixth locks this client out
        locked = login("k3y-123")  # even the right key waits out the lock
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
        time.sleep(1.2)
        assert login("guess-6").status_code == 400  # the next failure locks for longer (2 s)
        assert login("k3y-123").status_code == 429
        time.sleep(2.2)
        assert login("k3y-123").status_code == 200  # success clears the record
        assert login("guess-7").status_code == 400


def test_only_our_api_is_documented_and_it_says_what_to_sanitise(app_server: tuple) -> None:
    http, _ = app_server
    for path in ("/openapi.json", "/docs"):  # Gradio's own schema of its internal routes
        assert http.get(path).status_code == 404, path
    schema = http.get("/api/openapi.json").json()
    ask = schema["paths"]["/api/v1/ask"]["post"]["description"]
    assert "untrusted Markdown" in ask and "images not" in ask
    assert "PMASSIST_API_KEY" in schema["info"]["description"]
