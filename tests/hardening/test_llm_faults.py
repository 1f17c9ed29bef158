"""The LLM endpoint misbehaving (issue #8, point 3): timeouts, 429 with Retry-After, 500, a
stream cut midway, invalid JSON for a draft. Each ends in bounded retries and then a clear
error (AssistantError -> CLI exit 2 / HTTP 4xx-5xx with a message) or the documented fallback
(drafts fall back to extraction), never a hang: every test runs under a pytest-timeout and
asserts an upper bound on the attempts the server received."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.answer import answer
from assistant.cli import app
from assistant.errors import AssistantError
from assistant.factory import ingest_config, open_index
from assistant.llm import LLMError, chat_model_from_settings
from assistant.retrieval import open_retriever
from assistant.settings import LLMSettings, Settings
from ingest.pipeline import ingest_paths
from tests.hardening.conftest import offline_settings
from tests.hardening.helpers import write_corpus
from tests.openai_server import OpenAIServer
from ui.server import build_app
from ui.web.services import DocumentServices

pytestmark = pytest.mark.timeout(90)

QUESTION = "消息队列选用什么？"
MAX_RETRIES = 2
MANY = 12  # more faults queued than any bounded client may consume


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("llm-faults")
    settings = offline_settings(base / "ws")
    index = open_index(settings, create=True, lazy=True)
    try:
        ingest_paths([write_corpus(base / "corpus")], store=index.store, embedder=index.embedder,
                     manifest=index.manifest, config=ingest_config(settings))  # fmt: skip
    finally:
        index.close()
    return settings.workspace


def llm_settings(server: OpenAIServer, **values: Any) -> LLMSettings:
    fields: dict[str, Any] = dict(provider="openai", model="fake", base_url=server.base_url,
                                  api_key="test", timeout=5.0, max_retries=MAX_RETRIES)  # fmt: skip
    fields.update(values)
    return LLMSettings(**fields)


def with_llm(workspace: Path, server: OpenAIServer, **values: Any) -> Settings:
    return offline_settings(workspace, llm=llm_settings(server, **values))


def llm_env(server: OpenAIServer, **values: str) -> dict[str, str]:
    env = {"PMASSIST_LLM__PROVIDER": "openai", "PMASSIST_LLM__MODEL": "fake",
           "PMASSIST_LLM__BASE_URL": server.base_url, "PMASSIST_LLM__API_KEY": "test",
           "PMASSIST_LLM__MAX_RETRIES": str(MAX_RETRIES), "PMASSIST_LLM__TIMEOUT": "5"}  # fmt: skip
    env.update(values)
    return env


def ask_once(settings: Settings) -> Any:
    return answer(QUESTION, retriever=open_retriever(settings),
                  chat_model=chat_model_from_settings(settings.llm), k=3)  # fmt: skip


def attempts(server: OpenAIServer) -> int:
    return len(server.chat_requests())


# -- answers ----------------------------------------------------------------------------------


def test_a_model_that_never_answers_times_out_after_bounded_retries(
    openai_server: OpenAIServer, indexed: Path
) -> None:
    for _ in range(MANY):
        openai_server.enqueue("late [1]", delay=3.0)
    settings = with_llm(indexed, openai_server, timeout=0.5, max_retries=1)
    with pytest.raises(LLMError, match=openai_server.base_url):
        ask_once(settings)
    assert attempts(openai_server) == 2  # the first try and one retry, then it gave up


def test_429_with_retry_after_is_honoured_then_the_answer_arrives(
    openai_server: OpenAIServer, indexed: Path
) -> None:
    openai_server.enqueue(status=429, retry_after=0.2).enqueue("RocketMQ 已选定 [1]")
    result = ask_once(with_llm(indexed, openai_server))
    assert result.mode == "llm" and "RocketMQ" in result.answer and result.citations
    assert attempts(openai_server) == 2


def test_endless_429_is_a_clear_cli_error_after_bounded_retries(
    openai_server: OpenAIServer, indexed: Path
) -> None:
    # An absurd Retry-After must not make the client sleep for an hour either.
    for _ in range(MANY):
        openai_server.enqueue(status=429, retry_after=3600)
    env = llm_env(openai_server, PMASSIST_LLM__MAX_RETRIES="1")
    result = CliRunner().invoke(app, ["ask", QUESTION, "--json", "--workspace", str(indexed)],
                                env=env)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "429" in result.stderr and openai_server.base_url in result.stderr
    assert result.stdout == ""  # no half JSON document
    # openai gives up at once when asked to wait longer than it is willing to (60 s).
    assert 1 <= attempts(openai_server) <= 2


def test_500_is_a_502_with_a_message_from_the_api(
    openai_server: OpenAIServer, indexed: Path
) -> None:
    for _ in range(MANY):
        openai_server.enqueue(status=500)
    app_ = build_app(with_llm(indexed, openai_server), with_ui=False)
    response = TestClient(app_, raise_server_exceptions=False).post(
        "/api/v1/ask", json={"question": QUESTION, "k": 3}
    )
    assert response.status_code == 502  # the upstream failed, not the client's request
    detail = response.json()["detail"]
    assert "500" in detail and openai_server.base_url in detail
    assert attempts(openai_server) == MAX_RETRIES + 1


def test_a_stream_cut_midway_is_an_error_not_a_short_answer(
    openai_server: OpenAIServer, indexed: Path
) -> None:
    openai_server.enqueue("消息队列选用 RocketMQ，负责人张伟 [1]。", cut_after=3)
    docs = DocumentServices(with_llm(indexed, openai_server))
    seen: list[Any] = []
    with pytest.raises(AssistantError):
        for piece in docs.stream_ask(QUESTION, project=None, doc_type=None, k=3):
            seen.append(piece)
    assert not any(isinstance(piece, dict) for piece in seen)  # no final answer was produced
    assert attempts(openai_server) <= MAX_RETRIES + 1


def test_the_chat_tab_shows_a_cut_stream_as_an_error(
    openai_server: OpenAIServer, indexed: Path
) -> None:
    import gradio as gr

    from ui.web.tabs.chat import respond

    openai_server.enqueue("消息队列选用 RocketMQ，负责人张伟 [1]。", cut_after=2)
    settings = with_llm(indexed, openai_server)

    class Context:  # what respond() reads from the UI context
        docs = DocumentServices(settings)

    Context.settings = settings  # type: ignore[attr-defined]
    with pytest.raises(gr.Error):
        list(respond(Context(), QUESTION, [], None, None, "中文"))  # type: ignore[arg-type]
    assert attempts(openai_server) <= MAX_RETRIES + 1


# -- drafts -----------------------------------------------------------------------------------


def draft(server: OpenAIServer, workspace: Path, out: Path) -> Any:
    return CliRunner().invoke(
        app,
        ["draft", "weekly-report", "--project", "智慧政务", "--lang", "zh", "--json",
         "--out", str(out), "--workspace", str(workspace)],
        env=llm_env(server),
    )  # fmt: skip


def test_invalid_json_for_a_draft_is_retried_once_then_extracted(
    openai_server: OpenAIServer, indexed: Path, tmp_path: Path
) -> None:
    for _ in range(MANY):
        openai_server.enqueue('{"items": [{"section": "progress", "text": "ok", "sources": [')
    result = draft(openai_server, indexed, tmp_path / "weekly.md")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["mode"] == "extractive" and document["warnings"]
    assert any("RocketMQ" in item["text"] for item in document["items"])  # extraction worked
    assert (tmp_path / "weekly.md").read_text(encoding="utf-8") == document["markdown"]
    assert attempts(openai_server) == 2  # one try, one retry with the error, then fallback


def test_a_failing_server_makes_the_draft_fall_back_after_bounded_retries(
    openai_server: OpenAIServer, indexed: Path, tmp_path: Path
) -> None:
    for _ in range(MANY):
        openai_server.enqueue(status=503, retry_after=0.1)
    result = draft(openai_server, indexed, tmp_path / "weekly.md")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["mode"] == "extractive" and document["warnings"]
    assert attempts(openai_server) == MAX_RETRIES + 1
