"""A real `chroma run` server on 127.0.0.1 for the server-mode tests, started from the venv's
`chroma` CLI on a free port with its data in a temp folder, and stopped (or restarted on the same
port and path) by the tests that need an outage."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chroma_cli() -> str:
    """The `chroma` script installed beside this interpreter (the project's venv)."""
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if not found:
        pytest.skip("the chroma CLI is not installed in this environment")
    return found


@dataclass
class ChromaServer:
    """One `chroma run --path PATH --host 127.0.0.1 --port PORT` process."""

    path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ChromaServer:
        """Start the server and wait until its heartbeat answers."""
        log = (self.path.parent / f"chroma-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [chroma_cli(), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer its heartbeat on {self.url}")

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and wait for it to be gone."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def reset(self) -> None:
        """Drop every collection, so each test starts from an empty server."""
        import chromadb

        client = chromadb.HttpClient(host="127.0.0.1", port=self.port)
        for collection in client.list_collections():
            client.delete_collection(collection.name)


@pytest.fixture(scope="session")
def shared_chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One server for every test that only needs *a* server (starting one takes seconds)."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def chroma_server(shared_chroma_server: ChromaServer) -> ChromaServer:
    """The shared server, emptied for this test."""
    shared_chroma_server.reset()
    return shared_chroma_server


@pytest.fixture
def own_chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server of this test alone: it may stop and restart it."""
    server = ChromaServer(tmp_path / "chroma-data").start()
    try:
        yield server
    finally:
        server.stop()


def offline_settings(workspace: Path, **values: Any) -> Settings:
    """Settings that ignore the developer's .env and PMASSIST_* variables."""
    return Settings(workspace=workspace, _env_file=None, **values)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without PMASSIST_* (a developer's settings must not leak into
    a subprocess under test), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMASSIST_")}
    env.update(extra)
    return env
