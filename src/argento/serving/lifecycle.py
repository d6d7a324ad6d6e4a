"""Start-up and shutdown of a served service: the ASGI lifespan, readiness and draining.

Start-up, in order: resolve the model references declared on the class (a missing model fails fast with its
tag), connect to the dependencies served by their own processes (waiting for their ``/readyz``), create
in-process dependencies and run their startup hooks, create the service instance (``__init__`` loads models),
bind the APIs and start the batching dispatchers, run ``@on_startup`` hooks — then ready.
Sync steps run in a thread so that the event loop keeps answering ``/livez`` meanwhile.
Shutdown: mark draining (``/readyz`` 503), stop the dispatchers, run ``@on_shutdown`` hooks, flush the access log.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Protocol

from argento.serving.decorators import ServiceSpec, create_instance, get_service_spec

if TYPE_CHECKING:
    from argento.serving.access_log import AccessLog
    from argento.serving.dependencies import RemoteService
    from argento.serving.routes import CompiledAPI

log = logging.getLogger("argento.serving")


async def _call_hook(fn: Callable[[], Any]) -> None:
    if inspect.iscoroutinefunction(fn):
        await fn()
    else:
        result = await asyncio.to_thread(fn)
        if inspect.isawaitable(result):
            await result


class ServedApp(Protocol):
    """What the lifecycle drives of :class:`argento.serving.app.ServiceApp` (which owns the lifecycle)."""

    spec: ServiceSpec
    apis: list[CompiledAPI]
    executor: Executor
    timeout: float
    access: AccessLog


class Lifecycle:
    """Readiness state of one :class:`~argento.serving.app.ServiceApp` and the code that moves it."""

    def __init__(
        self, app: ServedApp, *, background: bool = True, dependency_urls: Mapping[str, str] | None = None
    ) -> None:
        self.app = app
        self.background = background
        self.dependency_urls = dict(dependency_urls or {})
        self.ready = False
        self.draining = False
        self.error: BaseException | None = None
        self.instance: Any = None
        #: Service-wide state shared with every ``ctx`` (``ctx.state``).
        self.state: dict[str, Any] = {}
        self.started_at = time.monotonic()
        self.ready_after: float | None = None
        #: Called with the exception when background initialisation fails (the runtime exits on it).
        self.on_failure: Callable[[BaseException], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._dependencies: list[Any] = []
        self._remotes: dict[str, RemoteService] = {}

    def not_ready_reason(self) -> str:
        if self.error is not None:
            return f"startup failed: {type(self.error).__name__}: {self.error}"
        if self.draining:
            return "the service is shutting down"
        return "the service is starting (models loading)"

    async def lifespan(self, receive: Any, send: Any) -> None:
        """Answer the ASGI lifespan protocol."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except BaseException as exc:
                    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        """Initialise now, or in the background (then ``/readyz`` reports progress)."""
        self.started_at = time.monotonic()
        if self.background:
            self._task = asyncio.get_running_loop().create_task(self._initialize_guarded())
        else:
            await self.initialize()

    async def _initialize_guarded(self) -> None:
        try:
            await self.initialize()
        except Exception as exc:
            self.error = exc
            log.error(
                "service %s failed to start: %s: %s",
                self.app.spec.name,
                type(exc).__name__,
                exc,
                exc_info=True,
            )
            if self.on_failure is not None:
                self.on_failure(exc)

    async def initialize(self) -> None:
        """Load models, create the instance, bind APIs, run startup hooks; then mark ready."""
        app = self.app
        spec = app.spec
        for ref in spec.models:
            await asyncio.to_thread(ref.resolve)
        if self.dependency_urls:
            await asyncio.to_thread(self._connect_served)
        for attr, dep in spec.dependencies.items():
            if dep.url is None and attr not in self._remotes:
                other = await asyncio.to_thread(dep.resolve)
                dep_spec = get_service_spec(other)
                for hook in dep_spec.startup if dep_spec else ():
                    await _call_hook(getattr(other, hook))
                self._dependencies.append(other)
        self.instance = await asyncio.to_thread(create_instance, spec.cls, self._remotes)
        for api in app.apis:
            api.bind(self.instance, app.executor)
            api.start_batching(app.timeout)
        for hook in spec.startup:
            await _call_hook(getattr(self.instance, hook))
        # Everything allocated so far (modules, the model, the app) lives as long as the process: move it out of
        # the collector's reach, or every full collection re-scans it and stalls all requests for ~70 ms.
        gc.freeze()
        self.ready = True
        self.ready_after = time.monotonic() - self.started_at
        log.info("service %s ready in %.2fs", spec.name, self.ready_after)

    def _connect_served(self) -> None:
        """A :class:`RemoteService` per dependency served by its own process, once it answers ``/readyz``."""
        from argento.serving.dependencies import READY_TIMEOUT, RemoteService

        for attr, url in self.dependency_urls.items():
            target = self.app.spec.dependencies[attr].target
            assert target is not None
            self._remotes[attr] = RemoteService(url, target, wait_ready=READY_TIMEOUT)

    async def shutdown(self) -> None:
        """Stop dispatchers and run shutdown hooks (in-flight requests were drained by the server)."""
        self.draining = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        for api in self.app.apis:
            if api.dispatcher is not None:
                await api.dispatcher.stop()
        if self.instance is not None:
            for hook in self.app.spec.shutdown:
                try:
                    await _call_hook(getattr(self.instance, hook))
                except Exception:
                    log.exception("shutdown hook %s failed", hook)
        for other in self._dependencies:
            dep_spec = get_service_spec(other)
            for hook in dep_spec.shutdown if dep_spec else ():
                try:
                    await _call_hook(getattr(other, hook))
                except Exception:
                    log.exception("shutdown hook %s of a dependency failed", hook)
        for remote in self._remotes.values():
            await remote.aclose()
        self.app.executor.shutdown(wait=False, cancel_futures=True)
        self.app.access.close()  # the requests drained before shutdown: their lines are all buffered
