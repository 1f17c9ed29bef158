"""Deadlines for slow or half-sent requests, which uvicorn does not have on its own.

uvicorn closes idle keep-alive connections, but a client that sends half a request line or
half a body and then waits keeps its connection, and a task, forever (1,000 such connections
stayed open 70 s in the attack on issue #17). `with_deadlines(protocol)` adds two limits to
uvicorn's HTTP protocol class (h11 or httptools, whichever uvicorn picked):

- the request line and headers must arrive within `header_timeout` seconds of their first byte
  (or of the connection opening);
- while the server waits for the client (headers or body), `read_timeout` seconds without a
  byte closes the connection. Time the application spends answering does not count: a long
  answer streamed to the client is never cut.
"""

from __future__ import annotations

import asyncio
from typing import Any


class _Deadlines:
    header_timeout = 10.0
    read_timeout = 30.0

    # attributes of uvicorn's protocol classes used here
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        now = self.loop.time()
        self._last_byte = now
        self._headers_started: float | None = now  # a connection that sends nothing counts
        self._watchdog: asyncio.TimerHandle | None = None
        self._schedule_check()

    def data_received(self, data: bytes) -> None:
        now = self.loop.time()
        self._last_byte = now
        if self._headers_started is None and self._waiting_for_headers():
            self._headers_started = now
        super().data_received(data)  # type: ignore[misc]
        if not self._waiting_for_headers():
            self._headers_started = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _waiting_for_client(self) -> bool:
        """True unless the application holds a complete request (working or streaming)."""
        if self._waiting_for_headers():
            return True
        return bool(self.cycle.more_body) and not self.cycle.response_complete

    def _schedule_check(self) -> None:
        tick = max(0.25, min(self.header_timeout, self.read_timeout) / 4)
        self._watchdog = self.loop.call_later(tick, self._check)

    def _check(self) -> None:
        now = self.loop.time()
        started = self._headers_started
        headers_late = started is not None and now - started > self.header_timeout
        if headers_late and self._waiting_for_headers():
            self._close()
            return
        if self._waiting_for_client() and now - self._last_byte > self.read_timeout:
            self._close()
            return
        if not self.transport.is_closing():
            self._schedule_check()

    def _close(self) -> None:
        # After an upgrade (WebSocket) the transport belongs to another protocol: leave it.
        if self.transport.get_protocol() is self and not self.transport.is_closing():
            self.transport.close()


def with_deadlines(
    protocol: type[asyncio.Protocol], *, header_timeout: float, read_timeout: float
) -> type[asyncio.Protocol]:
    """`protocol` (a uvicorn HTTP protocol class) with the two deadlines above."""
    return type(
        f"Timed{protocol.__name__}",
        (_Deadlines, protocol),
        {"header_timeout": header_timeout, "read_timeout": read_timeout},
    )
