"""API key check for every /api/v1 route, and the request body size limit."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

# Declares the scheme in OpenAPI (so /api/docs has an "Authorize" button); the check is ours.
bearer_scheme = HTTPBearer(auto_error=False, description="Needed when PMASSIST_API_KEY is set.")


def api_key_dependency(
    api_key: SecretStr | None,
) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency that refuses requests without `Authorization: Bearer <key>`."""
    expected = api_key.get_secret_value().encode() if api_key else None

    async def require_api_key(request: Request) -> None:
        if expected is None:
            return
        credentials: HTTPAuthorizationCredentials | None = await bearer_scheme(request)
        given = credentials.credentials.encode() if credentials else b""
        # compare_digest takes the same time whatever the first wrong byte is.
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="missing or wrong API key — send `Authorization: Bearer <PMASSIST_API_KEY>`",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return require_api_key


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _BodyTooLarge(HTTPException):
    """Raised from `receive`: FastAPI re-raises HTTPExceptions met while reading a body."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=_too_large_detail(max_bytes))


def _too_large_detail(max_bytes: int) -> list[dict[str, Any]]:
    return [
        {
            "loc": ["body"],
            "msg": f"request body larger than {max_bytes} bytes — send fewer projects per request",
            "type": "too_large",
        }
    ]


class BodySizeLimit:
    """ASGI middleware: 413 for a body over `max_bytes` under `path_prefix`.

    A declared Content-Length is refused before reading; a chunked (streamed) body is counted
    as it arrives and refused as soon as it passes the limit, before the route sees it.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, path_prefix: str = "/api/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": _too_large_detail(self.max_bytes)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
