"""The server as `pmassist serve` runs it (ui.server.uvicorn_config), on loopback, attacked
with real sockets: half-sent requests are closed within their deadlines while the server keeps
answering, and a lone UTF-16 surrogate in JSON is 422 naming the field on every route."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from assistant.settings import ServerSettings, Settings
from tests.ui.conftest import free_port
from ui.server import build_app, uvicorn_config
from ui.timeouts import with_deadlines

HEADER_TIMEOUT = 1.0
READ_TIMEOUT = 2.0


@contextmanager
def served(
    app: Any, settings: Settings, protocol: type[asyncio.Protocol] | None = None
) -> Iterator[tuple[str, int]]:
    port = free_port()
    config = uvicorn_config(app, settings, host="127.0.0.1", port=port)
    if protocol is not None:  # the other HTTP implementation than the one uvicorn picked
        server_settings = settings.server
        config.http = with_deadlines(
            protocol,
            header_timeout=server_settings.header_timeout,
            read_timeout=server_settings.read_timeout,
        )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def timed_settings(workspace: Path, **values: Any) -> Settings:
    server = ServerSettings(header_timeout=HEADER_TIMEOUT, read_timeout=READ_TIMEOUT)
    return Settings(workspace=workspace, _env_file=None, server=server, **values)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[tuple[str, int]]:
    settings = timed_settings(tmp_path_factory.mktemp("http") / "ws", model_dir=model_dir)
    with served(build_app(settings, with_ui=False), settings) as address:
        yield address


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closes `sock` (EOF or reset) within `within` seconds."""
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def open_partial(address: tuple[str, int], payload: bytes) -> socket.socket:
    sock = socket.create_connection(address, timeout=5)
    if payload:
        sock.sendall(payload)
    return sock


PARTIAL_REQUESTS = {
    "nothing sent": b"",
    "half a request line": b"GET /api/v1/hea",
    "headers without the blank line": b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n",
    "half a body": (
        b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{\"question\": "
    ),
}


@pytest.mark.slow  # waits out the deadlines
@pytest.mark.parametrize("payload", list(PARTIAL_REQUESTS.values()), ids=list(PARTIAL_REQUESTS))
def test_a_half_sent_request_is_closed(api: tuple[str, int], payload: bytes) -> None:
    sock = open_partial(api, payload)
    try:
        assert closed_by_server(sock, within=READ_TIMEOUT + 3)
    finally:
        sock.close()


@pytest.mark.slow  # waits out the deadlines
def test_the_deadlines_hold_with_h11_too(tmp_path: Path) -> None:
    """uvicorn uses httptools when installed, h11 otherwise: both get the deadlines."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    settings = timed_settings(tmp_path / "ws")
    with served(build_app(settings, with_ui=False), settings, H11Protocol) as address:
        sockets = [open_partial(address, payload) for payload in PARTIAL_REQUESTS.values()]
        try:
            assert all(closed_by_server(sock, within=READ_TIMEOUT + 3) for sock in sockets)
        finally:
            for sock in sockets:
                sock.close()


@pytest.mark.slow  # waits out the deadlines
def test_dribbling_headers_does_not_keep_a_connection(api: tuple[str, int]) -> None:
    """One header byte every half second: each byte is fresh, but the headers are too slow."""
    sock = open_partial(api, b"GET /api/v1/health HTTP/1.1\r\n")
    started = time.monotonic()
    try:
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while time.monotonic() - started < HEADER_TIMEOUT + 5:
                sock.sendall(b"X")
                time.sleep(0.5)
                sock.settimeout(0.01)
                try:
                    if sock.recv(1) == b"":
                        raise ConnectionResetError("closed by the server")
                except TimeoutError:
                    pass
        assert time.monotonic() - started < HEADER_TIMEOUT + 4
    finally:
        sock.close()


@pytest.mark.slow  # waits out the deadlines
def test_many_partial_connections_are_dropped_and_the_server_still_answers(
    api: tuple[str, int],
) -> None:
    sockets = [open_partial(api, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n") for _ in range(200)]
    try:
        host, port = api
        with httpx.Client(base_url=f"http://{host}:{port}", timeout=10) as http:
            assert http.get("/api/v1/health").status_code == 200  # served meanwhile
        time.sleep(READ_TIMEOUT + 1.5)
        assert all(closed_by_server(sock, within=0.5) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow  # waits out the deadlines
def test_a_slow_answer_is_not_cut(tmp_path: Path) -> None:
    """Deadlines count the client's silence, never the time the application takes."""

    async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await asyncio.sleep(READ_TIMEOUT + 1.5)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(3):  # a stream with pauses longer than the read deadline
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await asyncio.sleep(READ_TIMEOUT + 0.5)
        await send({"type": "http.response.body", "body": b"done"})

    settings = timed_settings(tmp_path / "ws")
    with served(slow_app, settings) as (host, port):
        response = httpx.get(f"http://{host}:{port}/", timeout=30)
    assert response.status_code == 200 and response.text == "xxxdone"


def raw_json(api: tuple[str, int], path: str, body: str) -> httpx.Response:
    host, port = api
    return httpx.post(
        f"http://{host}:{port}{path}",
        content=body.encode("ascii"),
        headers={"content-type": "application/json"},
        timeout=30,
    )


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/v1/ask", '{"question": "\\ud800"}', ["body", "question"]),
        ("/api/v1/ask", '{"question": "q", "history": [{"question": "a\\udfff", "answer": "b"}]}',
         ["body", "history", 0, "question"]),
        ("/api/v1/risk/score", '{"project": {"team_size": 3, "project_type": "\\ud800"}}',
         ["body", "project", "project_type"]),
        ("/api/v1/risk/score", '{"project": {"\\udc00x": 1}}', ["body", "project", "\\udc00x"]),
        ("/api/v1/risk/score/batch", '{"projects": [{}, {"project_type": "\\ud83d"}]}',
         ["body", "projects", 1, "project_type"]),
    ],
)  # fmt: skip
def test_a_lone_surrogate_is_422_naming_the_field(
    api: tuple[str, int], path: str, body: str, loc: list[Any]
) -> None:
    response = raw_json(api, path, body)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == loc
    assert "surrogate" in error["msg"]


def test_a_surrogate_pair_is_a_character_not_an_error(api: tuple[str, int]) -> None:
    body = json.dumps({"project": {"team_size": 3, "project_type": "web 😀"}})
    assert "\\ud83d\\ude00" in body  # json escapes the emoji as a valid pair
    assert raw_json(api, "/api/v1/risk/score", body).status_code == 200
