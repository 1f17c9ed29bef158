"""HTTP guards in front of the whole server (Gradio app and REST API), as plain ASGI middleware.

- `SecurityHeaders`: `X-Content-Type-Options: nosniff` on every response; files served back by
  Gradio (`/gradio_api/file=...`) come as downloads in a sandbox, never as a page: an uploaded
  HTML or SVG file would otherwise run its script in the app's origin.
- `SameOriginWrites`: a browser may change state (POST, PUT, PATCH, DELETE) only from a page
  of this server; otherwise any website could upload files or run the app in a visitor's name.
- `RejectLoneSurrogates`: a JSON body whose strings hold a lone UTF-16 surrogate ("\\ud800")
  is 422 naming the field, instead of a 500 when the text is first encoded.
- `LoginThrottle`: failed UI logins from one client are slowed down exponentially.
- `UploadQuota`: Gradio uploads stop when the upload folder holds more than a set total.

Each answers with a JSON `{"detail": ...}` like FastAPI's own errors.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ui.auth import ASGIApp, Message, Receive, Scope, Send

FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")
# Types a browser shows inline without running anything; every other file is a download.
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/", "video/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SURROGATE = re.compile("[\ud800-\udfff]")


async def send_json(
    send: Send, status: int, detail: Any, headers: Iterable[tuple[str, str]] = ()
) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=True).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *((name.encode(), value.encode()) for name, value in headers),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class SecurityHeaders:
    """nosniff everywhere; files from Gradio's file routes as sandboxed downloads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_file = scope["path"].startswith(FILE_ROUTES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(list(message.get("headers", [])), is_file)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secured(headers: list[tuple[bytes, bytes]], is_file: bool) -> list[tuple[bytes, bytes]]:
    out = [(k, v) for k, v in headers if k.lower() != b"x-content-type-options"]
    out.append((b"x-content-type-options", b"nosniff"))
    if not is_file:
        return out
    # Even a file opened directly runs nothing and reaches nothing in this origin.
    out.append((b"content-security-policy", b"sandbox; default-src 'none'"))
    content_type = next((v for k, v in out if k.lower() == b"content-type"), b"").decode()
    if content_type.startswith(INLINE_TYPES):
        return out
    replaced = (b"content-type", b"content-disposition")
    downloads = [(k, v) for k, v in out if k.lower() not in replaced]
    disposition = next((v for k, v in out if k.lower() == b"content-disposition"), b"")
    filename = disposition[disposition.find(b";") :] if b";" in disposition else b""
    return [
        *downloads,
        (b"content-type", b"application/octet-stream"),
        (b"content-disposition", b"attachment" + filename),
    ]


class SameOriginWrites:
    """403 for a state-changing browser request whose Origin (or Referer) is another site.

    Requests without either header come from programs, not from a page a website controls, and
    pass (the API key, when set, is their check). `allowed_origins` adds origins such as the
    public address of a reverse proxy that rewrites the Host header."""

    def __init__(self, app: ASGIApp, *, allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = {origin.rstrip("/").lower() for origin in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            refused = self._refusal(scope)
            if refused:
                await send_json(send, 403, refused)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        origin = header(scope, b"origin") or _origin_of(header(scope, b"referer"))
        if origin is None:
            return None
        origin = origin.rstrip("/").lower()
        if origin in self.allowed:
            return None
        names = (b"host", b"x-forwarded-host")
        hosts = {value.lower() for value in (header(scope, name) for name in names) if value}
        try:
            netloc = urlsplit(origin).netloc
        except ValueError:
            netloc = ""
        if netloc and netloc in hosts:
            return None
        return (
            f"cross-origin request refused: the page at {origin!r} is not this server "
            f"({', '.join(sorted(hosts)) or 'no Host header'}); open the app from its own "
            "address, or list the origin in PMASSIST_SERVER__ALLOWED_ORIGINS"
        )


def _origin_of(referer: str | None) -> str | None:
    if not referer:
        return None
    try:
        parts = urlsplit(referer)
    except ValueError:
        return "null"
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"


class RejectLoneSurrogates:
    """422 naming the field when a JSON body holds a lone UTF-16 surrogate."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = header(scope, b"content-type") or "" if scope["type"] == "http" else ""
        if "json" not in content_type.lower():
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        where = _surrogate_path(body)
        if where is not None:
            await send_json(send, 422, [_surrogate_error(where)])
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _surrogate_path(body: bytes) -> list[str | int] | None:
    """Where in a JSON document the first lone surrogate is (keys included), or None."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None  # not JSON: the route reports that itself
    return _find_surrogate(document, ["body"])


def _find_surrogate(value: Any, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        if isinstance(key, str) and _SURROGATE.search(key):
            return [*path, key]
        found = _find_surrogate(item, [*path, key])
        if found is not None:
            return found
    return None


def _printable(name: str) -> str:
    return name.encode("utf-8", "backslashreplace").decode()


def _surrogate_error(path: list[str | int]) -> dict[str, Any]:
    loc = [_printable(p) if isinstance(p, str) else p for p in path]
    return {
        "loc": loc,
        "msg": "text holds a lone UTF-16 surrogate (e.g. \\ud800), which is not a character; "
        "send valid Unicode (pair surrogates or use the character itself)",
        "type": "unicode_surrogate",
    }


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Slows down password guessing at Gradio's `/login`: after `free` failures from one client
    each further failure locks that client out for 1, 2, 4, ... seconds (at most `max_delay`);
    a success clears its record. Behind a proxy every client is the proxy's address unless
    uvicorn trusts X-Forwarded-For (`--forwarded-allow-ips`)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        free: int = 5,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.free = free
        self.max_delay = max_delay
        self.clock = clock
        self.failures: dict[str, _Failures] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_login(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        record = self.failures.get(client)
        now = self.clock()
        if record and record.locked_until > now:
            wait = math.ceil(record.locked_until - now)
            detail = f"too many failed sign-ins from this address; try again in {wait} s"
            await send_json(send, 429, detail, [("retry-after", str(wait))])
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        self._record(client, status[0] if status else 500)

    def _record(self, client: str, status: int) -> None:
        if status < 400:
            self.failures.pop(client, None)
            return
        if status not in (400, 401, 403):
            return
        if len(self.failures) > 10_000:  # forget the oldest rather than grow without bound
            self.failures.pop(next(iter(self.failures)))
        record = self.failures.setdefault(client, _Failures())
        record.count += 1
        if record.count > self.free:
            delay = min(self.max_delay, 2.0 ** (record.count - self.free - 1))
            record.locked_until = self.clock() + delay


def _is_login(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and scope["path"].rstrip("/").endswith("/login")
        and not scope["path"].startswith("/api/")
    )


class UploadQuota:
    """507 for a Gradio upload when `folder` already holds more than `max_bytes`."""

    def __init__(self, app: ASGIApp, *, folder: Path, max_bytes: int) -> None:
        self.app = app
        self.folder = folder
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].rstrip("/") == "/gradio_api/upload"
            and folder_bytes(self.folder) > self.max_bytes
        ):
            detail = (
                f"the upload folder {self.folder} holds more than {self.max_bytes} bytes; "
                "delete old uploads or raise PMASSIST_SERVER__MAX_UPLOADS_TOTAL_MB"
            )
            await send_json(send, 507, detail)
            return
        await self.app(scope, receive, send)


def folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total
