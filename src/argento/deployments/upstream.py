"""A minimal HTTP/1.1 client for the gateway: keep-alive connection pools to replicas on asyncio protocols.

The gateway's budget is ≤ 1 ms p50 on top of a direct call (SPEC §5 P9), so the proxy hop avoids a general
client's per-request machinery: one pool of idle connections per replica, requests written as one buffer,
responses parsed by ``httptools`` (uvicorn's parser) straight from ``data_received`` into one future.

Failures say whether the replica can have processed the request: not when it never left (connect refused)
or went out on a reused keep-alive connection the replica had just closed before answering (*unsent*: safe to
send again whatever the method).

Streamed answers (chunked, no ``content-length``: a generator API) are handed over as soon as their headers
arrive; their chunks are passed on as they come (:meth:`Response.stream`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httptools

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"expect",
    }
)


class UpstreamError(Exception):
    """A request to a replica failed without a complete response."""

    def __init__(self, message: str, *, unsent: bool, timeout: bool = False) -> None:
        super().__init__(message)
        self.unsent = unsent  # the replica cannot have processed it (connect failed / stale keep-alive)
        self.timeout = timeout


_END = object()


@dataclass(slots=True)
class Response:
    """An upstream response: complete (``body``), or streamed (``chunks`` set: a chunked answer without
    ``content-length``, e.g. a generator API) — then iterate :meth:`stream` to the end."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    chunks: asyncio.Queue[Any] | None = None
    done: Callable[[bool], None] | None = None

    async def stream(self) -> AsyncIterator[bytes]:
        """The body chunks as they arrive; the connection goes back to its pool (or closes) at the end."""
        assert self.chunks is not None
        complete = False
        try:
            while True:
                item = await self.chunks.get()
                if item is _END:
                    complete = True
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            if self.done is not None:
                self.done(complete)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request at a time."""

    __slots__ = (
        "_body",
        "_chunks",
        "_headers",
        "_keep_alive",
        "_started",
        "_waiter",
        "closed",
        "parser",
        "transport",
        "used",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._chunks: asyncio.Queue[Any] | None = None
        self._started = False
        self._keep_alive = True
        self.closed = False
        self.used = 0

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # pragma: no cover - replicas never upgrade
            self._fail("unexpected upgrade")
        except httptools.HttpParserError as exc:
            self._fail(f"malformed response: {exc}")

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(f"connection closed{': ' + str(exc) if exc else ''}")

    # -- httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self._started = True
        if any(name == b"transfer-encoding" for name, _ in self._headers) and not any(
            name == b"content-length" for name, _ in self._headers
        ):
            # A streamed answer: hand it over now and pass the chunks on as they come.
            waiter, self._waiter = self._waiter, None
            self._chunks = asyncio.Queue()
            if waiter is not None and not waiter.done():
                status = self.parser.get_status_code()
                waiter.set_result(Response(status, self._headers, b"", self._chunks))

    def on_body(self, body: bytes) -> None:
        if self._chunks is not None:
            self._chunks.put_nowait(body)
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        self._keep_alive = self.parser.should_keep_alive()
        if self._chunks is not None:
            self._chunks.put_nowait(_END)
            self._chunks = None
            return
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(Response(self.parser.get_status_code(), self._headers, b"".join(self._body)))

    # -- use
    def _fail(self, message: str) -> None:
        if self._chunks is not None:  # mid-stream: the consumer sees the error after the chunks so far
            self._chunks.put_nowait(UpstreamError(message, unsent=False))
            self._chunks = None
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            # nothing came back on a kept-alive connection: the replica had closed it before reading the request
            waiter.set_exception(UpstreamError(message, unsent=not self._started and self.used > 1))
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    async def request(self, data: bytes, timeout: float) -> Response:
        assert self.transport is not None
        self._headers, self._body, self._started, self.used = [], [], False, self.used + 1
        self._chunks = None
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except TimeoutError:
            self.close()
            raise UpstreamError(
                f"no response within {timeout:g}s", unsent=False, timeout=True
            ) from None

    @property
    def reusable(self) -> bool:
        return self._keep_alive and not self.closed


class Pool:
    """Idle keep-alive connections to one replica."""

    def __init__(self, host: str, port: int, *, max_idle: int = 64) -> None:
        self.host = host
        self.port = port
        self.max_idle = max_idle
        self.authority = f"{host}:{port}".encode()
        self._idle: list[_Connection] = []

    async def _connect(self, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(_Connection, self.host, self.port)
        except (OSError, TimeoutError) as exc:
            raise UpstreamError(
                f"cannot connect to {self.host}:{self.port}: {exc}", unsent=True
            ) from None
        return conn

    async def request(
        self,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 2.0,
    ) -> Response:
        """Send one request and wait for the whole response."""
        parts = [method, b" ", target, b" HTTP/1.1\r\nhost: ", self.authority, b"\r\n"]
        for name, value in headers:
            if name not in HOP_BY_HOP:
                parts += [name, b": ", value, b"\r\n"]
        parts += [b"content-length: ", str(len(body)).encode(), b"\r\n\r\n", body]
        data = b"".join(parts)
        while self._idle:
            conn = self._idle.pop()
            if conn.closed:
                continue
            try:
                response = await conn.request(data, timeout)
            except UpstreamError as exc:
                if exc.unsent:  # a stale keep-alive connection: try the next one, or a new one
                    continue
                raise
            return self._finish(conn, response)
        conn = await self._connect(connect_timeout)
        conn.used = 0
        try:
            response = await conn.request(data, timeout)
        except UpstreamError:
            conn.close()
            raise
        return self._finish(conn, response)

    def _finish(self, conn: _Connection, response: Response) -> Response:
        if response.chunks is None:
            self._release(conn)
        else:  # the connection is busy until the stream ends; an abandoned stream closes it
            response.done = lambda complete: self._release(conn) if complete else conn.close()
        return response

    def _release(self, conn: _Connection) -> None:
        if conn.reusable and len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        """Close every idle connection."""
        for conn in self._idle:
            with contextlib.suppress(Exception):
                conn.close()
        self._idle.clear()
