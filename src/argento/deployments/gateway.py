"""The gateway: one HTTP entry per deployment (SPEC §3.6).

Mounted on the server at ``/deployments/<name>/<api-route>`` (:meth:`Gateway.__call__`, a raw ASGI app) and,
when a deployment asks for ``gateway_port``, on its own port (:meth:`Gateway.port_handler` behind the
minimal HTTP/1.1 server of :mod:`.httpserver`: ``/<api-route>`` plus ``/readyz`` and ``/metrics``). Per request: pick a variant (:mod:`.routing`), pick the
ready replica with the fewest in-flight requests, forward over a keep-alive pool (:mod:`.upstream`), and
answer with the replica's response plus ``x-argento-variant``.

Retries: a request that got no complete answer is sent again to another replica (then another variant) when
that is safe — the replica refused the connection, a reused keep-alive connection was already closed, or the
method is idempotent or the deployment says its POST APIs are (``retry_post``, the default: model inference
is a pure function of its input); for those, also when the replica died halfway through its answer, which the
client never saw (RFC 9110 §9.2.2: an idempotent request may be retried after its connection fails). A 502/503 from a replica that is going away is retried the same way. A
timeout is never retried (the work may still be running). A replica that failed a request without an answer
is marked unhealthy at once (:attr:`Endpoint.healthy`: no further request goes there) and the controller is
told to check it now (:attr:`Gateway.on_failure`). When no healthy replica is left, a request waits up to
:data:`WAIT_READY` seconds for one (a restart, a replacement) and is then answered ``503`` with
``Retry-After``. Shadow traffic is a fire-and-forget copy to the shadow variant; its answers only feed that
variant's metrics.

Authentication: on the server the gateway is behind the server's own middleware; a deployment's own port
checks :attr:`Gateway.authorize` (set by the server in ``client`` auth mode: the same tokens) on every
path but the health probes ``/livez``, ``/readyz`` and ``/healthz``.

Streamed answers (a generator API: chunked, no ``content-length``) are passed on chunk by chunk as they
arrive; they are retried only before their headers came.

Business metrics: a service may report numbers per response in ``x-argento-metric-<name>`` headers (say
``x-argento-metric-conversions: 1``); the gateway sums them per variant for ``argento deployments compare``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from argento.deployments.metrics import VariantMetrics, render
from argento.deployments.routing import DeploymentRoute, Endpoint, VariantRoute
from argento.deployments.upstream import HOP_BY_HOP, Response, UpstreamError
from argento.hosts import HostCheck, header
from argento.serving.errors import (
    BadGateway,
    Forbidden,
    GatewayTimeout,
    PayloadTooLarge,
    RouteNotFound,
    ServiceUnavailable,
    ServingError,
    Unauthorized,
)

log = logging.getLogger("argento.deployments.gateway")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

#: An answer's body: complete, or streamed chunk by chunk (generator APIs).
Body = bytes | AsyncIterator[bytes]
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS"})
MAX_BODY = 64 * 1024 * 1024
MAX_ATTEMPTS = 4
#: How long a request waits for a ready replica when a deployment momentarily has none (a restart).
WAIT_READY = 5.0
_JSON = b"application/json"
_perf = time.perf_counter


def _error(err: ServingError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The answer for ``err``: the serving runtime's one error shape, from the one error tree."""
    return err.http_status, [(b"content-type", _JSON)], err.to_body()


class Gateway:
    """Routes requests of every deployment; the controller owns :attr:`routes`.

    A deployment's own port (bound to 127.0.0.1) answers only the ``Host`` names of :mod:`argento.hosts`
    (loopback and ``allowed_hosts``), against DNS rebinding; under the server, the server's guard checks.
    """

    def __init__(self, *, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.own_hosts = HostCheck("127.0.0.1", allowed_hosts)
        self.routes: dict[str, DeploymentRoute] = {}
        self.metrics: dict[tuple[str, str], VariantMetrics] = {}
        self.replica_states: dict[tuple[str, str, str], int] = {}
        self.weights: dict[tuple[str, str], float] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._ports: dict[str, asyncio.Server] = {}
        #: Called with an endpoint a request could not reach (the controller probes its replica at once).
        self.on_failure: Callable[[Endpoint], None] | None = None
        #: Seconds a client should wait when nothing is ready (the controller knows its restart back-off).
        self.retry_after: Callable[[str], float] | None = None
        #: Checks the request headers of a deployment's own port (``None``: no authentication, server mode).
        self.authorize: Callable[[list[tuple[bytes, bytes]]], bool] | None = None

    # ---- tables ---------------------------------------------------------------------------------------------

    def metrics_for(self, deployment: str, variant: str, *, shadow: bool = False) -> VariantMetrics:
        """The (long-lived) metrics of one variant."""
        key = (deployment, variant)
        m = self.metrics.get(key)
        if m is None:
            m = self.metrics[key] = VariantMetrics(deployment, variant, shadow=shadow)
        m.shadow = shadow
        return m

    def forget(self, deployment: str) -> None:
        """Drop a deleted deployment's route and metrics."""
        self.routes.pop(deployment, None)
        for table in (self.metrics, self.weights):
            for key in [k for k in table if k[0] == deployment]:
                del table[key]
        for key in [k for k in self.replica_states if k[0] == deployment]:
            del self.replica_states[key]

    def render_metrics(self) -> str:
        """Prometheus text of every deployment (the server appends it to its ``/metrics``)."""
        return render(self.metrics.values(), self.replica_states, self.weights)

    # ---- ASGI ---------------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``/<deployment>/<api-route>`` (mounted under ``/deployments`` on the server)."""
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # Starlette's Mount keeps the full path and sets root_path
            path = path[len(root) :]
        name, _, rest = path.lstrip("/").partition("/")
        await self.handle(name, "/" + rest, scope, receive, send)

    async def handle(self, name: str, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI: route one request of deployment ``name`` to ``path`` on a replica."""
        body = await _read_body(receive)
        if body is None:
            await _send(send, *_error(PayloadTooLarge(f"the body is larger than {MAX_BODY} bytes")))
            return
        answer = await self.proxy(
            name,
            scope["method"].encode(),
            path.encode(),
            scope.get("query_string", b""),
            scope["headers"],
            body,
        )
        await _send(send, *answer)

    async def proxy(
        self,
        name: str,
        method: bytes,
        path: bytes,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> tuple[int, list[tuple[bytes, bytes]], Body]:
        """Route one request; returns the answer (status, headers, body). Shared by every front end."""
        started = _perf()
        route = self.routes.get(name)
        if route is None:
            return _error(RouteNotFound(f"no deployment {name!r}"))
        target = path + (b"?" + query if query else b"")
        variant = route.choose(headers, query)
        shadow = route.mirror()
        if shadow is not None and shadow is not variant:
            task = asyncio.create_task(self._shadow(route, shadow, method, target, headers, body))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        status, out_headers, payload, served_by = await self._forward(
            name, route, variant, method, target, headers, body
        )
        if served_by is None:
            return status, out_headers, payload
        out_headers.append((b"x-argento-variant", served_by.name.encode()))
        served_by.metrics.record(status, _perf() - started)
        return status, out_headers, payload

    async def port_handler(
        self,
        name: str,
        method: bytes,
        path: bytes,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> tuple[int, list[tuple[bytes, bytes]], Body]:
        """The raw front end of a deployment's own port: ``/<api-route>``, ``/readyz``, ``/metrics``."""
        if not self.own_hosts.allows(header(headers, b"host")):
            return _error(Forbidden("this host name is not answered here (ARGENTO_ALLOWED_HOSTS)"))
        if method == b"GET" and path in (b"/readyz", b"/livez", b"/healthz"):
            route = self.routes.get(name)
            if route is not None and (route.ready or path == b"/livez"):
                return 200, [(b"content-type", _JSON)], b'{"status":"ready"}'
            return _error(ServiceUnavailable("no ready replica"))
        if self.authorize is not None and not self.authorize(headers):
            status, out, payload = _error(Unauthorized("token not valid (use `argento auth token create`)"))
            return status, [*out, (b"www-authenticate", b"Bearer")], payload
        if method == b"GET" and path == b"/metrics":
            return 200, [(b"content-type", b"text/plain; version=0.0.4")], self.render_metrics().encode()
        return await self.proxy(name, method, path, query, headers, body)

    async def _forward(
        self,
        name: str,
        route: DeploymentRoute,
        variant: VariantRoute | None,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> tuple[int, list[tuple[bytes, bytes]], Body, VariantRoute | None]:
        tried: set[str] = set()
        current = variant
        answer: tuple[int, list[tuple[bytes, bytes]], bytes] | None = None  # a replica's 502/503
        failure = "no ready replica"
        may_resend = method in IDEMPOTENT or route.retry_post
        deadline = _perf() + WAIT_READY
        for attempt in range(MAX_ATTEMPTS):
            ep = current.pick(tried) if current is not None else None
            if ep is None:
                nxt = self._fallback(route, tried)
                if nxt is None:  # nothing healthy left to try: wait (bounded) for a restart or replacement
                    route, nxt = await self._wait_endpoint(name, route, tried, deadline)
                    if nxt is None:
                        break
                current, ep = nxt
            if attempt:
                current.metrics.retries += 1
            tried.add(ep.replica_id)
            try:
                response = await self._send_to(ep, method, target, headers, body, route.timeout)
            except UpstreamError as exc:
                if exc.timeout:
                    return (*_error(GatewayTimeout(f"replica {ep.replica_id}: {exc}")), current)
                self._suspect(ep)
                failure = f"replica {ep.replica_id}: {exc}"
                # A complete answer is buffered before anything reaches the client (a streamed one fails later,
                # in its stream): an idempotent request may go again even if part of an answer had come.
                if exc.unsent or may_resend:
                    answer = None
                    continue
                return (*_error(BadGateway(failure)), current)
            streamed = response.chunks is not None
            if response.status in (502, 503) and may_resend and attempt + 1 < MAX_ATTEMPTS and not streamed:
                answer = (response.status, _response_headers(response), response.body)
                continue
            return (
                response.status,
                _response_headers(response, current.metrics.business),
                response.stream() if streamed else response.body,
                current,
            )
        if answer is not None:
            return (*answer, current)
        return (*self._unavailable(name, failure), current)

    def _unavailable(self, name: str, detail: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """503 with ``Retry-After``: no replica could take the request (none ready, or all failed)."""
        wait = self.retry_after(name) if self.retry_after is not None else 1.0
        status, headers, body = _error(
            ServiceUnavailable(f"deployment {name!r} has no ready replica to serve this ({detail})")
        )
        return status, [*headers, (b"retry-after", str(max(1, math.ceil(wait))).encode())], body

    def _suspect(self, ep: Endpoint) -> None:
        """A request to ``ep`` failed without an answer: route around it now and have it checked."""
        if ep.healthy:
            ep.healthy = False
            if self.on_failure is not None:
                self.on_failure(ep)

    async def _wait_endpoint(
        self, name: str, route: DeploymentRoute, tried: set[str], deadline: float
    ) -> tuple[DeploymentRoute, tuple[VariantRoute, Endpoint] | None]:
        """A healthy replica not tried yet, once one is ready (``None`` after ``deadline``)."""
        while _perf() < deadline:
            await asyncio.sleep(0.02)
            route = self.routes.get(name) or route
            if name not in self.routes:
                return route, None
            chosen = route.choose([], b"")
            ep = chosen.pick(tried) if chosen is not None else None
            if chosen is not None and ep is not None:
                return route, (chosen, ep)
            nxt = self._fallback(route, tried)
            if nxt is not None:
                return route, nxt
        return route, None

    def _fallback(self, route: DeploymentRoute, tried: set[str]) -> tuple[VariantRoute, Endpoint] | None:
        # Every replica of the chosen variant failed: any other variant beats an error.
        for other in route.variants:
            ep = other.pick(tried)
            if ep is not None:
                return other, ep
        return None

    @staticmethod
    async def _send_to(
        ep: Endpoint,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        timeout: float,
    ) -> Response:
        ep.inflight += 1
        try:
            return await ep.pool.request(method, target, headers, body, timeout=timeout)
        finally:
            ep.inflight -= 1

    async def _shadow(
        self,
        route: DeploymentRoute,
        shadow: VariantRoute,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        started = _perf()
        ep = shadow.pick()
        if ep is None:
            return
        try:
            response = await self._send_to(ep, method, target, headers, body, route.timeout)
            status = response.status
            _response_headers(response, shadow.metrics.business)
            if response.chunks is not None:  # read a streamed answer to its end, then forget it
                async for _ in response.stream():
                    pass
        except UpstreamError:
            status = 0
        shadow.metrics.record(status, _perf() - started)

    # ---- own ports ----------------------------------------------------------------------------------------

    async def open_port(self, name: str, port: int, host: str = "127.0.0.1") -> None:
        """Serve deployment ``name`` on its own port too (a raw HTTP/1.1 server on this event loop)."""
        if name in self._ports:
            return
        from argento.deployments.httpserver import start_server

        async def handler(*request: Any) -> tuple[int, list[tuple[bytes, bytes]], Body]:
            return await self.port_handler(name, *request)

        try:
            self._ports[name] = await start_server(handler, host, port)
        except OSError as exc:
            log.error("gateway port %s of %s: %s", port, name, exc)

    async def close_port(self, name: str) -> None:
        """Stop serving ``name`` on its own port."""
        server = self._ports.pop(name, None)
        if server is not None:
            server.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await server.wait_closed()

    async def close(self) -> None:
        """Stop own ports, cancel shadow copies in flight and close every pool."""
        for name in list(self._ports):
            await self.close_port(name)
        for task in list(self._background):
            task.cancel()
        for route in self.routes.values():
            for v in [*route.variants, *([route.shadow] if route.shadow else [])]:
                for ep in v.endpoints:
                    ep.pool.close()


_METRIC_PREFIX = b"x-argento-metric-"
#: The gateway's own server writes ``date`` and ``server``.
_NOT_FORWARDED = HOP_BY_HOP | {b"date", b"server"}


def _response_headers(
    response: Response, business: dict[str, float] | None = None
) -> list[tuple[bytes, bytes]]:
    out = []
    for k, v in response.headers:
        if k in _NOT_FORWARDED:
            continue
        if business is not None and k.startswith(_METRIC_PREFIX):
            # A business metric the service reports per response (e.g. x-argento-metric-conversions: 1).
            name = k[len(_METRIC_PREFIX) :].decode("latin-1")
            with contextlib.suppress(ValueError):
                business[name] = business.get(name, 0.0) + float(v)
        out.append((k, v))
    if response.chunks is None:
        out.append((b"content-length", str(len(response.body)).encode()))
    return out


async def _read_body(receive: Receive) -> bytes | None:
    message = await receive()
    body = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    chunks = [body]
    size = len(body)
    while message.get("more_body", False):
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: Body) -> None:
    if not isinstance(body, bytes):  # a streamed answer: pass the chunks on as they come
        await send({"type": "http.response.start", "status": status, "headers": headers})
        try:
            async for chunk in body:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except UpstreamError as exc:
            log.warning("stream from a replica broke off: %s", exc)
        await send({"type": "http.response.body", "body": b""})
        return
    if not any(k == b"content-length" for k, _ in headers):
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
