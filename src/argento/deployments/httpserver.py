"""A minimal HTTP/1.1 server for a deployment's own gateway port: asyncio protocol + ``httptools`` parser.

The gateway hop must stay under a millisecond (SPEC §5 P9); on its own port it skips the ASGI layer: each
request is parsed straight into ``(method, path, query, headers, body)``, handed to one coroutine, and its
answer written back with a single ``write``. Keep-alive and pipelining are honoured (requests of one
connection are answered in order); a malformed request gets 400 and the connection closes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from http import HTTPStatus
from typing import Any

import httptools

from argento.deployments.upstream import UpstreamError
from argento.serving.errors import BadRequest, InternalError, PayloadTooLarge, ServingError

log = logging.getLogger("argento.deployments.httpserver")
Answer = tuple[int, list[tuple[bytes, bytes]], "bytes | AsyncIterator[bytes]"]
Handler = Callable[[bytes, bytes, bytes, list[tuple[bytes, bytes]], bytes], Awaitable[Answer]]
MAX_BODY = 64 * 1024 * 1024
_REASONS = {s.value: s.phrase.encode() for s in HTTPStatus}


class _Request:
    __slots__ = ("body", "headers", "keep_alive", "method", "url")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.method = b""
        self.keep_alive = True


class _Protocol(asyncio.Protocol):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.current = _Request()
        self.size = 0
        self.pending: deque[_Request] = deque()
        self.busy = False

    # -- asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject(BadRequest("upgrades are not supported"))
        except httptools.HttpParserError as exc:
            self._reject(BadRequest(f"malformed HTTP request: {exc}"))

    # -- httptools
    def on_message_begin(self) -> None:
        self.current = _Request()
        self.size = 0

    def on_url(self, url: bytes) -> None:
        self.current.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.current.headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > MAX_BODY:
            self._reject(PayloadTooLarge(f"the body is larger than {MAX_BODY} bytes"))
            return
        self.current.body.append(body)

    def on_message_complete(self) -> None:
        req = self.current
        req.method = self.parser.get_method()
        req.keep_alive = self.parser.should_keep_alive()
        self.pending.append(req)
        if not self.busy:
            self.busy = True
            asyncio.get_running_loop().create_task(self._serve())

    # -- answering
    async def _serve(self) -> None:
        try:
            while self.pending and self.transport is not None:
                req = self.pending.popleft()
                path, _, query = req.url.partition(b"?")
                try:
                    status, headers, body = await self.handler(
                        req.method, path, query, req.headers, b"".join(req.body)
                    )
                except Exception:  # a bug in the handler must not hang the client; the trace goes to the log
                    rid = uuid.uuid4().hex[:12]
                    log.exception(
                        "gateway handler failed on %s %s (request id %s)",
                        req.method.decode(),
                        path.decode("latin-1"),
                        rid,
                    )
                    err = InternalError(rid, "the gateway failed")
                    status, headers, body = (
                        err.http_status,
                        [(b"content-type", b"application/json")],
                        err.to_body(),
                    )
                if isinstance(body, bytes):
                    self._write(status, headers, body, req.keep_alive)
                elif not await self._write_stream(status, headers, body, req.keep_alive):
                    break
                if not req.keep_alive:
                    break
        finally:
            self.busy = False

    def _write(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, keep_alive: bool) -> None:
        if self.transport is None:
            return
        parts = [b"HTTP/1.1 ", str(status).encode(), b" ", _REASONS.get(status, b"Unknown"), b"\r\n"]
        for name, value in headers:
            if name != b"content-length":
                parts += [name, b": ", value, b"\r\n"]
        parts += [b"content-length: ", str(len(body)).encode(), b"\r\n"]
        if not keep_alive:
            parts.append(b"connection: close\r\n")
        parts += [b"\r\n", body]
        self.transport.write(b"".join(parts))
        if not keep_alive:
            self.transport.close()

    async def _write_stream(
        self, status: int, headers: list[tuple[bytes, bytes]], chunks: AsyncIterator[bytes], keep_alive: bool
    ) -> bool:
        """Send a streamed answer with chunked transfer coding; False if the connection had to close."""
        if self.transport is None:
            return False
        parts = [b"HTTP/1.1 ", str(status).encode(), b" ", _REASONS.get(status, b"Unknown"), b"\r\n"]
        for name, value in headers:
            if name not in (b"content-length", b"transfer-encoding"):
                parts += [name, b": ", value, b"\r\n"]
        parts.append(b"transfer-encoding: chunked\r\n\r\n")
        self.transport.write(b"".join(parts))
        try:
            async for chunk in chunks:
                if chunk and self.transport is not None:
                    self.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        except (
            Exception
        ) as exc:  # the replica broke off: end the connection so the client sees a truncated body
            log.warning(
                "a streamed answer broke off: %s", exc, exc_info=not isinstance(exc, OSError | UpstreamError)
            )
            if self.transport is not None:
                self.transport.close()
            return False
        if self.transport is None:
            return False
        self.transport.write(b"0\r\n\r\n")
        if not keep_alive:
            self.transport.close()
        return True

    def _reject(self, err: ServingError) -> None:
        """Answer ``err`` and close the connection (what follows in the stream cannot be trusted)."""
        self.pending.clear()
        self._write(err.http_status, [(b"content-type", b"application/json")], err.to_body(), False)


async def start_server(handler: Handler, host: str, port: int, **kwargs: Any) -> asyncio.Server:
    """Listen on ``host:port``; every request goes to ``handler(method, path, query, headers, body)``."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: _Protocol(handler), host, port, reuse_address=True, backlog=1024, **kwargs
    )
