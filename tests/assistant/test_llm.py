"""The chat-model port and the OpenAI-compatible embedder, against a real loopback server."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.llm import (
    ChatMessage,
    FakeChatModel,
    LLMError,
    OpenAIChatModel,
    chat_model_from_settings,
)
from assistant.settings import LLMSettings
from ingest.openai_embedder import EmbeddingServiceError, OpenAIEmbedder
from tests.openai_server import OpenAIServer

MESSAGES = [ChatMessage("system", "Be brief."), ChatMessage("user", "里程碑 M2 何时完成？")]


def test_fake_chat_model_replays_and_records() -> None:
    model = FakeChatModel("first").enqueue("second reply")
    assert model.complete(MESSAGES) == "first"
    assert "".join(model.stream(MESSAGES)) == "second reply"
    assert model.requests == [MESSAGES, MESSAGES]
    with pytest.raises(AssertionError, match="no reply queued"):
        model.complete(MESSAGES)


def test_no_provider_means_no_chat_model() -> None:
    assert chat_model_from_settings(LLMSettings()) is None
    model = chat_model_from_settings(
        LLMSettings(provider="openai", model="qwen", base_url="http://127.0.0.1:9/v1")
    )
    assert isinstance(model, OpenAIChatModel) and model.name == "qwen"


def test_complete_speaks_chat_completions(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("5 月 31 日 [1]")
    model = OpenAIChatModel("deepseek-chat", base_url=openai_server.base_url, api_key="sk-test")
    assert model.complete(MESSAGES) == "5 月 31 日 [1]"
    (request,) = openai_server.chat_requests()
    assert request.body["model"] == "deepseek-chat"
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "里程碑 M2 何时完成？"},
    ]
    assert request.headers["authorization"] == "Bearer sk-test"


def test_stream_yields_deltas_until_done(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("The cutover moved to 12 April [2].", chunk_size=5)
    model = OpenAIChatModel("gpt-4o-mini", base_url=openai_server.base_url)
    deltas = list(model.stream(MESSAGES))
    assert len(deltas) > 3
    assert "".join(deltas) == "The cutover moved to 12 April [2]."
    assert openai_server.chat_requests()[0].body["stream"] is True


def test_server_errors_become_user_errors(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(status=401)
    model = OpenAIChatModel("m", base_url=openai_server.base_url, max_retries=0)
    with pytest.raises(LLMError, match="API key"):
        model.complete(MESSAGES)
    openai_server.enqueue(status=503, retry_after=0)
    with pytest.raises(LLMError, match="HTTP 503"):
        model.complete(MESSAGES)


def test_retry_after_is_honoured_then_the_reply_arrives(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(status=429, retry_after=0).enqueue("recovered")
    model = OpenAIChatModel("m", base_url=openai_server.base_url, max_retries=1)
    assert model.complete(MESSAGES) == "recovered"
    assert len(openai_server.chat_requests()) == 2


def test_a_stream_cut_midway_is_an_error_not_a_short_answer(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("a long answer that never finishes", cut_after=2)
    model = OpenAIChatModel("m", base_url=openai_server.base_url, max_retries=0)
    received: list[str] = []
    with pytest.raises(LLMError):
        for delta in model.stream(MESSAGES):
            received.append(delta)
    assert "".join(received) == "a long a"


def test_unreachable_server_names_the_url() -> None:
    model = OpenAIChatModel("m", base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    with pytest.raises(LLMError, match=r"127\.0\.0\.1:9"):
        model.complete(MESSAGES)


def test_openai_embedder_batches_and_normalises(openai_server: OpenAIServer) -> None:
    embedder = OpenAIEmbedder(
        "text-embedding-3-small", base_url=openai_server.base_url, api_key="k", batch_size=2
    )
    texts = ["消息队列压测", "message queue load test", "消息队列压测", "invoices"]
    vectors = embedder.embed_batch(texts)
    assert vectors.shape == (4, openai_server.embedding_dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2])
    assert np.allclose(vectors[0], np.asarray(openai_server.embed(texts[0])), atol=1e-5)
    batches = [r.body["input"] for r in openai_server.requests if r.path.endswith("/embeddings")]
    assert [len(b) for b in batches] == [2, 2]
    assert embedder.id == "openai:text-embedding-3-small"
    assert embedder.dim == openai_server.embedding_dim


def test_openai_embedder_errors_are_ingest_errors(openai_server: OpenAIServer) -> None:
    openai_server.enqueue_embedding_fault(status=500)
    embedder = OpenAIEmbedder("e", base_url=openai_server.base_url, max_retries=0)
    with pytest.raises(EmbeddingServiceError, match="HTTP 500"):
        embedder.embed_batch(["x"])
