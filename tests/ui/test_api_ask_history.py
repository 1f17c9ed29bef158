"""POST /api/v1/ask with `history`: a follow-up question resolved against earlier turns (#14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ui.conftest import copy_workspace, running_server
from tests.ui.test_api import api_settings, field_errors
from ui.server import build_app


@pytest.fixture(scope="module")
def client(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("history") / "ws")
    app = build_app(api_settings(workspace, model_dir), with_ui=False)
    with running_server(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        yield http


def test_a_follow_up_uses_the_history(client: httpx.Client) -> None:
    first = client.post("/api/v1/ask", json={"question": "消息队列用什么？"}).json()
    assert "Kafka" in first["answer"]
    turn = {"question": first["question"], "answer": first["answer"]}
    follow = client.post(
        "/api/v1/ask", json={"question": "它的负责人是谁？", "history": [turn]}
    )
    assert follow.status_code == 200, follow.text
    body = follow.json()
    assert body["answer"].splitlines()[0] == "答：张伟 [1]"
    assert body["citations"][0]["source"] == "alpha/meeting_notes/2025-03-03-kickoff.md"
    # a question with no words of its own is answered only through the history
    alone = client.post("/api/v1/ask", json={"question": "那它呢？"}).json()
    assert alone["citations"] == []
    again = client.post("/api/v1/ask", json={"question": "那它呢？", "history": [turn]}).json()
    assert "Kafka" in again["answer"] and again["citations"]


def test_history_is_optional_and_validated(client: httpx.Client) -> None:
    assert client.post("/api/v1/ask", json={"question": "消息队列用什么？"}).status_code == 200
    bad = client.post("/api/v1/ask", json={"question": "x", "history": [{"question": "q"}]})
    assert ["body", "history", 0, "answer"] in field_errors(bad)
    assert ["body", "history"] in field_errors(
        client.post("/api/v1/ask", json={"question": "x", "history": "not a list"})
    )
