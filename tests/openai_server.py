"""A real HTTP server on 127.0.0.1 that speaks the OpenAI protocol, for end-to-end tests.

Serves POST /v1/chat/completions (plain and streaming SSE ending in `data: [DONE]`),
POST /v1/embeddings (float or base64) and GET /v1/models. Replies are scripted with
`enqueue(...)`; when the queue is empty the chat endpoint answers `default_reply`. Every request
is recorded in `requests`. Faults for hardening tests: an HTTP status with Retry-After, a delay
before answering, and a stream cut off midway (no terminating chunk, no [DONE]).

    def test_x(openai_server):
        openai_server.enqueue("Hello [1]")
        client = OpenAI(base_url=openai_server.base_url, api_key="test")
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest


@dataclass
class ScriptedReply:
    content: str = ""
    status: int = 200
    retry_after: float | None = None
    delay: float = 0.0  # seconds to wait before answering
    cut_after: int | None = None  # streaming: drop the connection after this many chunks
    chunk_size: int = 4  # streaming: characters per delta


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]


@dataclass
class OpenAIServer:
    host: str = "127.0.0.1"
    port: int = 0
    default_reply: str = "OK"
    embedding_dim: int = 32
    requests: list[RecordedRequest] = field(default_factory=list)
    _chat: list[ScriptedReply] = field(default_factory=list)
    _embedding_faults: list[ScriptedReply] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def enqueue(self, content: str = "", **fault: Any) -> OpenAIServer:
        """Queue the next chat reply (or fault: status=429, retry_after=1, delay=, cut_after=)."""
        with self._lock:
            self._chat.append(ScriptedReply(content, **fault))
        return self

    def enqueue_embedding_fault(self, status: int, retry_after: float | None = None) -> None:
        with self._lock:
            self._embedding_faults.append(ScriptedReply(status=status, retry_after=retry_after))

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def next_chat(self) -> ScriptedReply:
        with self._lock:
            return self._chat.pop(0) if self._chat else ScriptedReply(self.default_reply)

    def next_embedding_fault(self) -> ScriptedReply | None:
        with self._lock:
            return self._embedding_faults.pop(0) if self._embedding_faults else None

    def embed(self, text: str) -> list[float]:
        """Deterministic: hashed character bigrams, L2-normalised (similar texts, similar)."""
        vector = np.zeros(self.embedding_dim, dtype=np.float32)
        for i in range(max(1, len(text) - 1)):
            digest = hashlib.md5(text[i : i + 2].encode()).digest()
            vector[int.from_bytes(digest[:4], "little") % self.embedding_dim] += 1
        norm = float(np.linalg.norm(vector)) or 1.0
        return (vector / norm).tolist()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _record(self, body: dict[str, Any]) -> None:
        self.server.fake.requests.append(
            RecordedRequest(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
        )

    def _send_json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_fault(self, reply: ScriptedReply) -> None:
        headers = {} if reply.retry_after is None else {"Retry-After": str(reply.retry_after)}
        error = {"message": f"scripted fault {reply.status}", "type": "server_error"}
        self._send_json(reply.status, {"error": error}, headers)

    def do_GET(self) -> None:
        self._record({})
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self._record(body)
        if self.path.endswith("/chat/completions"):
            self._chat(body)
        elif self.path.endswith("/embeddings"):
            self._embeddings(body)
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def _chat(self, body: dict[str, Any]) -> None:
        reply = self.server.fake.next_chat()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            self._send_fault(reply)
        elif body.get("stream"):
            self._stream(body, reply)
        else:
            message = {"role": "assistant", "content": reply.content}
            self._send_json(200, _completion(body, message))

    def _stream(self, body: dict[str, Any], reply: ScriptedReply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for n, piece in enumerate(_pieces(reply.content, reply.chunk_size)):
            if reply.cut_after is not None and n >= reply.cut_after:
                self.close_connection = True  # no terminating chunk: the client sees a cut
                return
            self._sse(_chunk(body, {"role": "assistant", "content": piece}, None))
        self._sse(_chunk(body, {}, "stop"))
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _sse(self, document: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(document).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _embeddings(self, body: dict[str, Any]) -> None:
        fault = self.server.fake.next_embedding_fault()
        if fault is not None:
            self._send_fault(fault)
            return
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        data = []
        for i, text in enumerate(texts):
            vector = self.server.fake.embed(str(text))
            if body.get("encoding_format") == "base64":
                raw = np.asarray(vector, dtype="<f4").tobytes()
                embedding: Any = base64.b64encode(raw).decode()
            else:
                embedding = vector
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
        self._send_json(
            200, {"object": "list", "data": data, "model": body.get("model"), "usage": usage}
        )


def _pieces(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), max(1, size)):
        yield text[start : start + size]


def _completion(body: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: OpenAIServer


def start_openai_server(fake: OpenAIServer | None = None) -> tuple[OpenAIServer, _Server]:
    fake = fake or OpenAIServer()
    httpd = _Server((fake.host, fake.port), _Handler)
    httpd.fake = fake
    fake.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, name="openai-fake", daemon=True).start()
    return fake, httpd


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    fake, httpd = start_openai_server()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
