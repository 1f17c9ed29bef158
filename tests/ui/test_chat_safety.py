"""A long or hostile LLM answer cannot freeze the chat: the model is asked for at most
`llm.max_tokens`, and a streamed answer is rendered once per render tick, not at every delta."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from assistant.llm import ChatMessage, chat_model_from_settings
from assistant.settings import LLMSettings, Settings
from tests.openai_server import OpenAIServer
from tests.ui.conftest import copy_workspace
from tests.ui.test_sanitize import dangers, remote_requests
from ui.web.sanitize import safe_html
from ui.web.services import DocumentServices
from ui.web.tabs.chat import RENDER_INTERVAL, respond


def llm_settings(server: OpenAIServer, **values: Any) -> LLMSettings:
    return LLMSettings(
        provider="openai", model="fake", base_url=server.base_url, api_key="test",
        max_retries=0, **values,
    )  # fmt: skip


def test_the_model_is_asked_for_at_most_max_tokens(openai_server: OpenAIServer) -> None:
    model = chat_model_from_settings(llm_settings(openai_server, max_tokens=321))
    assert model is not None
    model.complete([ChatMessage("user", "hi")])
    list(model.stream([ChatMessage("user", "hi")]))
    for request in openai_server.chat_requests():
        body = request.body
        assert body.get("max_completion_tokens", body.get("max_tokens")) == 321


def test_max_tokens_has_a_default_cap() -> None:
    assert 0 < LLMSettings().max_tokens <= 32_000


class _Context:
    """What respond() reads from the UI context."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.docs = DocumentServices(settings)


def test_a_long_streamed_answer_is_rendered_once_per_tick(
    indexed_workspace: Path, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    workspace = copy_workspace(indexed_workspace, tmp_path / "ws")
    paragraph = "Kafka 是消息队列 [1] ![p](http://attacker.example/p.png) **风险**: 延期。\n\n"
    answer = paragraph * 150  # about 11 KB, in 4-character deltas: about 2,800 of them
    openai_server.enqueue(answer, chunk_size=4)
    settings = Settings(workspace=workspace, _env_file=None, llm=llm_settings(openai_server))
    ticks = itertools.count()
    clock = lambda: next(ticks) * RENDER_INTERVAL / 100  # noqa: E731  a tick every 100 calls

    updates = list(
        respond(_Context(settings), "消息队列用什么？", [], None, None, "中文", clock=clock)  # type: ignore[arg-type]
    )
    deltas = len(answer) // 4
    assert 2 <= len(updates) <= deltas / 50  # at most one render per tick, plus the final one
    history, _, citations = updates[-1]
    final = history[-1]["content"]
    assert "Kafka" in final and "alpha/meeting_notes" in citations
    assert remote_requests(final) == [] and dangers(final) == []
    for update in updates:  # every partial render is safe too
        assert dangers(update[0][-1]["content"]) == []


def test_the_final_answer_is_rendered_even_between_ticks(
    indexed_workspace: Path, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    workspace = copy_workspace(indexed_workspace, tmp_path / "ws")
    openai_server.enqueue("Kafka [1] 是选定的消息队列。", chunk_size=2)
    settings = Settings(workspace=workspace, _env_file=None, llm=llm_settings(openai_server))
    frozen = lambda: 0.0  # noqa: E731  the clock never advances: only the first delta renders
    updates = list(
        respond(_Context(settings), "消息队列用什么？", [], None, None, "中文", clock=frozen)  # type: ignore[arg-type]
    )
    assert len(updates) == 2
    assert updates[-1][0][-1]["content"] == safe_html("Kafka [1] 是选定的消息队列。", chat=True)
