"""The serving ASGI application: raw ASGI, every route precomputed at start-up (SPEC §3.3).

Per request the hot path does one dict lookup for the route, one pass over the headers, reads the body,
runs the route's precompiled parser, admits the request against ``traffic.max_concurrency``, calls the user
function under ``traffic.timeout`` (``async def`` on the loop; a sync one inline on the loop while its measured
cost is small, else in a worker thread — see :mod:`argento.serving.inline`; through the batcher if batchable),
renders the result, updates precomputed metric children and buffers the access-log line
(:mod:`argento.serving.access_log`). Every error leaves as ``{"error", "detail"}``.

The concurrency slot of a request is released when its user code truly ends: a sync function that outlives
its timeout keeps its slot (and its ``in_progress`` count) until the thread returns, so a hanging model turns
into 429s instead of an unbounded pile of threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

from argento.hosts import HostCheck
from argento.serving.access_log import AccessLog
from argento.serving.blame import request_error, track
from argento.serving.context import Context, RequestInfo, ResponseInfo
from argento.serving.decorators import ServiceSpec, get_service_spec
from argento.serving.dispatcher import BatchTimedOut
from argento.serving.errors import (
    Forbidden,
    GatewayTimeout,
    InternalError,
    InvalidInput,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestTimeout,
    RouteNotFound,
    ServiceUnavailable,
    ServingError,
    TooManyRequests,
)
from argento.serving.inline import PROBE_WAIT, needs_own_thread, timed
from argento.serving.io.base import JSON_CT
from argento.serving.lifecycle import Lifecycle
from argento.serving.metrics import METRICS_CONTENT_TYPE, ServiceMetrics
from argento.serving.routes import CompiledAPI

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

log = logging.getLogger("argento.serving")

_perf = time.perf_counter


def _call_soon_threadsafe(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed (server stopped) before the thread returned
        loop.call_soon_threadsafe(fn, *args)


class ClientDisconnected(Exception):
    """The client went away before sending its whole body."""


class ServiceApp:
    """ASGI app serving one ``@argento.service`` class.

    ``background_init`` (the runtime's default) answers ``/livez`` while ``__init__`` loads models and the
    startup hooks run; ``/readyz`` turns 200 only after both. Tests pass ``False`` so lifespan startup waits.
    ``dependency_urls`` (``{attribute: url}``, filled by the runtime) names the dependencies served by their own
    processes; the others are in-process. ``hosts`` (the runtime passes one) refuses requests whose ``Host`` the
    service does not answer, against DNS rebinding (:mod:`argento.hosts`): one cached set lookup per request.
    """

    def __init__(
        self,
        target: Any,
        *,
        version: str = "dev",
        metrics_dir: str | None = None,
        access_log: bool = True,
        background_init: bool = True,
        dependency_urls: Mapping[str, str] | None = None,
        hosts: HostCheck | None = None,
    ) -> None:
        spec = get_service_spec(target)
        if spec is None:
            raise TypeError(f"{target!r} is not an @argento.service class")
        self.spec: ServiceSpec = spec
        self.version = version
        self.hosts = hosts
        traffic = spec.traffic
        self.timeout = traffic.timeout
        self.max_body = traffic.max_body_size
        self.max_concurrency = traffic.max_concurrency or 1 << 30
        self.max_queue = traffic.max_queue
        self.access_log = access_log
        #: The buffered access log (flushed periodically and at lifespan shutdown).
        self.access = AccessLog()
        self.metrics = ServiceMetrics(spec.name, version, multiprocess_dir=metrics_dir)
        self.apis = [CompiledAPI(a) for a in spec.apis.values()]
        for api in self.apis:
            api.metrics = self.metrics.endpoint(api.name)
            if api.batchable:
                api.batch_metrics = self.metrics.batch(api.name)
        self.executor = ThreadPoolExecutor(
            max_workers=min(traffic.max_concurrency or 64, 256), thread_name_prefix="argento-api"
        )
        self.lifecycle = Lifecycle(self, background=background_init, dependency_urls=dependency_urls)
        self.inflight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._ids = itertools.count(1)
        self._id_prefix = os.urandom(4).hex()
        self._routes: dict[str, Callable[[Scope, Receive, Send], Awaitable[None]]] = {}
        for api in self.apis:
            self._routes[api.route] = self._api_handler(api)
        from argento.serving.openapi import docs_page, openapi_document

        self._docs_json = openapi_document(self)
        self._docs_html = docs_page(spec.name)
        system = {
            "/livez": self._livez,
            "/healthz": self._healthz,
            "/readyz": self._readyz,
            "/metrics": self._metrics,
            "/docs.json": self._docs,
            "/": self._index,
        }
        for path, handler in system.items():
            self._routes.setdefault(path, handler)

    # ---- ASGI entry -------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            hosts = self.hosts
            if hosts is not None:
                for key, value in scope["headers"]:
                    if key == b"host":
                        if not hosts.allows(value):
                            err = Forbidden(
                                f"host {value.decode('latin-1')!r} is not answered by this service"
                            )
                            await self._send_error(send, err, self._new_id())
                            return
                        break
            handler = self._routes.get(scope["path"])
            if handler is None:
                await self._send_error(send, RouteNotFound(f"no route {scope['path']}"), self._new_id())
                return
            await handler(scope, receive, send)
        elif kind == "lifespan":
            await self.lifecycle.lifespan(receive, send)
        else:  # websockets are not served
            await send({"type": "websocket.close", "code": 1000})

    @property
    def ready(self) -> bool:
        return self.lifecycle.ready

    # ---- API requests -----------------------------------------------------------------------------------

    def _api_handler(self, api: CompiledAPI) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            await self._handle_api(api, scope, receive, send)

        return handle

    async def _handle_api(self, api: CompiledAPI, scope: Scope, receive: Receive, send: Send) -> None:
        started = _perf()
        content_type = ""
        length: bytes | None = None
        rid: str | None = None
        for key, value in scope["headers"]:
            if key == b"content-type":
                content_type = value.decode("latin-1")
            elif key == b"content-length":
                length = value
            elif key == b"x-request-id" and 0 < len(value) <= 128 and value.isascii():
                rid = value.decode("latin-1")
        if rid is None:
            rid = f"{self._id_prefix}{next(self._ids):06x}"
        ctx = None
        status = 200
        value: Any = None
        try:
            if scope["method"] != "POST":
                raise MethodNotAllowed(f"{api.route} accepts POST, not {scope['method']}")
            if not self.lifecycle.ready:
                raise ServiceUnavailable(self.lifecycle.not_ready_reason())
            body = await self._read_body(receive, length)
            value = api.parse(body, content_type)
            if api.tracks:
                value = track(value)
            if api.wants_ctx:
                ctx = Context(RequestInfo(scope, rid), ResponseInfo(), self.lifecycle.state)
            if api.is_stream:
                await self._run_stream(api, value, ctx, send, rid)
                api.metrics.record(200, _perf() - started)  # type: ignore[union-attr]
                if self.access_log:
                    self.access.add(
                        scope.get("client"),
                        scope["method"],
                        scope["path"],
                        200,
                        (_perf() - started) * 1000,
                        rid,
                    )
                return
            result = await self._run(api, value, ctx)
            payload, ctype = api.render(result)
        except ServingError as exc:
            status = exc.http_status
            payload, ctype = exc.to_body(), JSON_CT
        except ClientDisconnected:
            api.metrics.record(499, _perf() - started)  # type: ignore[union-attr]
            return
        except Exception as exc:
            bad = request_error(exc, value, api.params, rid)  # the request's fault? (`blame`)
            if bad is not None:
                status, payload, ctype = 400, bad.to_body(), JSON_CT
            else:
                log.exception("API %s failed (request id %s)", api.name, rid)
                err = InternalError(rid)
                status, payload, ctype = 500, err.to_body(), JSON_CT
        headers = [
            (b"content-type", ctype),
            (b"content-length", str(len(payload)).encode()),
            (b"x-request-id", rid.encode()),
        ]
        if ctx is not None and status == 200:
            status = ctx.response.status_code
            headers.extend(ctx.response.encoded_headers())
        elif status == 405:
            headers.append((b"allow", b"POST"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        elapsed = _perf() - started
        api.metrics.record(status, elapsed)  # type: ignore[union-attr]
        if self.access_log:
            self.access.add(scope.get("client"), scope["method"], scope["path"], status, elapsed * 1000, rid)

    async def _read_body(self, receive: Receive, length: bytes | None) -> bytes:
        limit = self.max_body
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise InvalidInput("invalid Content-Length header") from None
            if declared > limit:
                raise PayloadTooLarge(f"the body has {declared} bytes; the limit is {limit}")
        message = await receive()
        body = message.get("body", b"")
        if not message.get("more_body", False):
            if len(body) > limit:
                raise PayloadTooLarge(f"the body is larger than {limit} bytes")
            return body
        # A body in several chunks may come from a slow client: bound the wait by traffic.timeout.
        chunks = [body]
        size = len(body)
        try:
            async with asyncio.timeout(self.timeout):
                while message.get("more_body", False):
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise ClientDisconnected
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
                    chunks.append(chunk)
        except TimeoutError:
            raise RequestTimeout(f"the body did not arrive within {self.timeout:g}s") from None
        return b"".join(chunks)

    async def _run(self, api: CompiledAPI, value: Any, ctx: Context | None) -> Any:
        """Admit, run the user code under the timeout, release the slot when the code truly ends."""
        if self.inflight >= self.max_concurrency:
            await self._wait_for_slot()
        else:
            self.inflight += 1
        gauge = api.metrics.in_progress  # type: ignore[union-attr]
        gauge.inc()
        deferred = False
        try:
            if api.dispatcher is not None:
                future, request = api.dispatcher.submit(api.batch_value(value))
                try:
                    # The dispatcher enforces traffic.timeout (one timer for all its requests).
                    return await future
                except BatchTimedOut:
                    deferred = True
                    api.dispatcher.abandon(request, lambda: self._release(gauge))
                    raise GatewayTimeout(f"{api.name} did not finish within {self.timeout:g}s") from None
            if api.is_async:
                try:
                    async with asyncio.timeout(self.timeout):
                        return await api.call(value, ctx)
                except TimeoutError:
                    raise GatewayTimeout(f"{api.name} did not finish within {self.timeout:g}s") from None
            gate = api.gate
            if gate.inline and not gate.verify:
                begun = _perf()
                try:
                    result = api.call(value, ctx)
                except BaseException as exc:
                    if not needs_own_thread(exc):
                        gate.ran_inline(_perf() - begun)
                        raise
                    gate.pin_to_threads("it needs a thread without a running event loop")
                else:
                    elapsed = _perf() - begun
                    gate.ran_inline(elapsed)
                    if elapsed > self.timeout:  # it blocked the loop: its client's deadline has passed anyway
                        raise GatewayTimeout(f"{api.name} did not finish within {self.timeout:g}s")
                    return result
            work: Any
            if gate.probe_due():
                # Wait on the loop thread (its GIL released) for at most PROBE_WAIT: the call runs uncontended
                # and its duration, measured in the thread, decides whether the API may run inline.
                box = [0.0, 0.0, 0.0]
                work = self.executor.submit(timed(api.call, box), value, ctx)
                if wait_futures((work,), PROBE_WAIT).done:
                    gate.probed(box[0], box[1], preempted=box[2] > 0)
                else:
                    gate.probed(None)
            else:
                work = self.executor.submit(api.call, value, ctx)
            try:
                if work.done():
                    return work.result()
                async with asyncio.timeout(self.timeout):
                    return await asyncio.wrap_future(work)
            except TimeoutError:
                # The thread cannot be interrupted: keep the slot until it returns.
                deferred = True
                loop = asyncio.get_running_loop()
                work.add_done_callback(lambda _: _call_soon_threadsafe(loop, self._release, gauge))
                raise GatewayTimeout(f"{api.name} did not finish within {self.timeout:g}s") from None
            finally:
                # The future holds the user's exception, whose traceback holds this frame: break the cycle
                # so a failing request frees its memory now, not at the next full GC.
                work = None
        finally:
            if not deferred:
                self._release(gauge)

    async def _wait_for_slot(self) -> None:
        if len(self._waiters) >= self.max_queue:
            raise TooManyRequests(f"over max_concurrency={self.max_concurrency}; retry later")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.timeout):
                await waiter  # _release hands its slot over (inflight stays counted)
        except TimeoutError:
            raise GatewayTimeout(f"no free slot within {self.timeout:g}s") from None
        finally:
            if not waiter.done():
                waiter.cancel()
            with_slot = waiter.done() and not waiter.cancelled()
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if not with_slot:  # pragma: no cover - cancelled by the server
            raise TooManyRequests("request cancelled while queued")

    def _release(self, gauge: Any) -> None:
        gauge.dec()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the waiter
                return
        self.inflight -= 1

    async def _run_stream(
        self, api: CompiledAPI, value: Any, ctx: Context | None, send: Send, rid: str
    ) -> None:
        """Admit a streaming API and hold its slot until the generator is exhausted or closed."""
        if self.inflight >= self.max_concurrency:
            await self._wait_for_slot()
        else:
            self.inflight += 1
        gauge = api.metrics.in_progress  # type: ignore[union-attr]
        gauge.inc()
        try:
            await self._stream(api, api.call(value, ctx), send, rid, ctx)
        finally:
            self._release(gauge)

    async def _stream(self, api: CompiledAPI, gen: Any, send: Send, rid: str, ctx: Context | None) -> None:
        """Send a generator's items as they come (chunked); str/bytes as is, other values as JSON lines."""
        from argento.serving.io.base import dumps

        headers = [(b"content-type", api.stream_ct), (b"x-request-id", rid.encode())]
        if ctx is not None:
            headers.extend(ctx.response.encoded_headers())
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        loop = asyncio.get_running_loop()
        sentinel = object()
        try:
            while True:
                if hasattr(gen, "__anext__"):
                    try:
                        item = await gen.__anext__()
                    except StopAsyncIteration:
                        break
                else:
                    item = await loop.run_in_executor(self.executor, next, gen, sentinel)
                    if item is sentinel:
                        break
                if isinstance(item, str):
                    chunk = item.encode()
                elif isinstance(item, bytes | bytearray):
                    chunk = bytes(item)
                else:
                    chunk = dumps(item) + b"\n"
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception:
            log.exception("stream of %s failed (request id %s)", api.name, rid)
        await send({"type": "http.response.body", "body": b""})

    # ---- helpers ----------------------------------------------------------------------------------------

    def _new_id(self) -> str:
        return f"{self._id_prefix}{next(self._ids):06x}"

    async def _send(
        self, send: Send, status: int, body: bytes, ctype: bytes, extra: list[Any] | None = None
    ) -> None:
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
        if extra:
            headers.extend(extra)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _send_error(
        self, send: Send, exc: ServingError, rid: str, extra: list[Any] | None = None
    ) -> None:
        await self._send(
            send, exc.http_status, exc.to_body(), JSON_CT, [(b"x-request-id", rid.encode()), *(extra or [])]
        )

    # ---- system routes ----------------------------------------------------------------------------------

    async def _get_only(self, scope: Scope, send: Send) -> bool:
        if scope["method"] in ("GET", "HEAD"):
            return True
        err = MethodNotAllowed(f"{scope['path']} accepts GET, not {scope['method']}")
        await self._send_error(send, err, self._new_id(), [(b"allow", b"GET, HEAD")])
        return False

    async def _livez(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await self._get_only(scope, send):
            await self._send(send, 200, b'{"status":"alive"}', JSON_CT)

    async def _healthz(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._get_only(scope, send):
            return
        trouble = ""
        # A served dependency crash-looping?
        if self.lifecycle.error is None and self.lifecycle.dependency_urls:
            from argento.serving.dependencies import dependency_trouble

            trouble = dependency_trouble(self.lifecycle.dependency_urls)
        if self.lifecycle.error is not None:
            await self._send_error(
                send, ServiceUnavailable(self.lifecycle.not_ready_reason()), self._new_id()
            )
        elif trouble:
            await self._send_error(send, ServiceUnavailable(trouble), self._new_id())
        else:
            await self._send(send, 200, b'{"status":"healthy"}', JSON_CT)

    async def _readyz(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._get_only(scope, send):
            return
        if self.lifecycle.ready and not self.lifecycle.draining:
            await self._send(send, 200, b'{"status":"ready"}', JSON_CT)
        else:
            await self._send_error(
                send, ServiceUnavailable(self.lifecycle.not_ready_reason()), self._new_id()
            )

    async def _metrics(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await self._get_only(scope, send):
            await self._send(send, 200, self.metrics.render(), METRICS_CONTENT_TYPE)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await self._get_only(scope, send):
            await self._send(send, 200, self._docs_json, JSON_CT)

    async def _index(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await self._get_only(scope, send):
            await self._send(send, 200, self._docs_html, b"text/html; charset=utf-8")
