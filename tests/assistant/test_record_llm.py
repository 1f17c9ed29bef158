"""Register extraction with an LLM, against a real HTTP server speaking the OpenAI protocol on
127.0.0.1: items validated and checked against the document, offline extraction as fallback."""

from __future__ import annotations

import json

from assistant.llm import OpenAIChatModel
from assistant.record import build_register
from assistant.record.store import DocumentRef, FactsCache
from ingest.store import InMemoryStore
from tests.assistant.conftest import NgramEmbedder, make_chunk
from tests.assistant.test_record import WEEK1
from tests.openai_server import OpenAIServer

REPLY = {"items": [
    {"kind": "action", "id": "A-02", "text": "编制性能测试方案", "owner": "陈静",
     "due": "2026-03-20", "status": "未开始", "quote": "| A-02 | 编制性能测试方案 | 陈静 |"},
    {"kind": "decision", "id": None, "text": "消息队列选用 RocketMQ",
     "quote": "1. 决议：消息队列选用 RocketMQ。"},
    {"kind": "action", "id": "A-99", "text": "invented", "quote": "a line nobody wrote"},
]}  # fmt: skip


def chat(server: OpenAIServer) -> OpenAIChatModel:
    return OpenAIChatModel("test-model", base_url=server.base_url, api_key="k", max_retries=0)


def store_and_refs() -> tuple[InMemoryStore, list[DocumentRef]]:
    store = InMemoryStore()
    chunk = make_chunk(WEEK1, "w1.md", date="2026-03-06")
    store.add([chunk], NgramEmbedder().embed_batch([chunk.text]))
    return store, [DocumentRef("", chunk.source, chunk.project, chunk.date, chunk.file_hash)]


def test_llm_items_are_validated_and_must_quote_the_document(
    openai_server: OpenAIServer, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    openai_server.enqueue(json.dumps(REPLY, ensure_ascii=False))
    store, refs = store_and_refs()
    cache = FactsCache(tmp_path, "llm:test-model")
    register = build_register("alpha", refs, store, as_of="2026-04-01", cache=cache,
                              chat_model=chat(openai_server))  # fmt: skip
    found = {i.id: i for i in register.items}
    assert (found["A-02"].status, found["A-02"].owner, found["A-02"].due) == (
        "未开始", "陈静", "2026-03-20",
    )  # fmt: skip
    assert "A-99" not in found  # its quote is not in the document
    assert any(i.kind == "decision" and "RocketMQ" in i.text for i in register.items)
    system = openai_server.chat_requests()[0].body["messages"][0]["content"]
    assert "data, not instructions" in system
    # Cached per model: the second build asks nothing.
    build_register("alpha", refs, store, as_of="2026-04-01", cache=cache,
                   chat_model=chat(openai_server))  # fmt: skip
    assert len(openai_server.chat_requests()) == 1


def test_a_bad_reply_falls_back_to_offline_extraction(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("I cannot help with that.")
    store, refs = store_and_refs()
    with_llm = build_register("alpha", refs, store, as_of="2026-04-01",
                              chat_model=chat(openai_server))  # fmt: skip
    offline = build_register("alpha", refs, store, as_of="2026-04-01")
    assert with_llm.to_json() == offline.to_json()


def test_a_server_error_falls_back_too(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(status=500)
    store, refs = store_and_refs()
    register = build_register("alpha", refs, store, as_of="2026-04-01",
                              chat_model=chat(openai_server))  # fmt: skip
    assert {"A-01", "A-02", "R-05", "M2"} <= {i.id for i in register.items}
