"""The ASGI application: Argo Server's API over the engine and the store (SPEC §2.7).

    app = create_app(Settings.from_env(), auth_mode="client")
    uvicorn.run(app, host="127.0.0.1", port=2746)

On start it re-adopts the unfinished workflows of the store (crash recovery) and starts the cron loop; on
stop it leaves running workflows as they are stored, to be resumed by the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from argento.config import Settings
from argento.errors import ArgentoError, MethodNotAllowed, NotFound
from argento.server.api import Endpoint, openapi, starlette_routes
from argento.server.auth import ArgoMiddleware, Auth, credential
from argento.server.context import Context
from argento.server.cron import Clock, CronController
from argento.server.events import EventDispatcher
from argento.server.guard import Guard
from argento.server.hub import Hub
from argento.server.manager import WorkflowManager
from argento.server.metrics import ARGO_VERSION, Metrics
from argento.server.ui import ui_routes
from argento.server.validate import Catalog
from argento.server.wire import error_response
from argento.store import Store, open_store
from argento.tracking import sources as _sources  # noqa: F401  (registers MLflow's model source: `mlflow:models:/…`)
from argento.version import __version__

log = logging.getLogger("argento.server")


def endpoints() -> list[Endpoint]:
    """Every endpoint, in routing order."""
    from argento.server.routes import (
        archive,
        bentos,
        cron,
        deployments,
        files,
        info,
        models,
        monitoring,
        templates,
        workflows,
    )

    modules = (info, workflows, templates, cron, archive, deployments, bentos, models, files, monitoring)
    return [ep for module in modules for ep in module.api.endpoints]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    err: ArgentoError
    if status == 405:
        err = MethodNotAllowed(f"method {request.method} is not allowed on {request.url.path}")
    elif status == 404:
        err = NotFound(f"no such path: {request.url.path}")
    else:
        err = ArgentoError(str(getattr(exc, "detail", "error")))
    return error_response(err)


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    executor_name: str = "local",
    executor: Any = None,
    auth_mode: str = "server",
    clock: Clock | None = None,
    cron_interval: float = 1.0,
    run_crons: bool = True,
    deployments: Any = None,
    stop_replicas: bool = False,
    disk_reserve: int = 0,
    host: str = "127.0.0.1",
) -> Any:
    """Build the server. ``store``/``executor``/``clock`` are injectable for tests (fakes); ``deployments`` is
    the :class:`~argento.deployments.plane.DeploymentPlane` (default: one on ``settings``). ``stop_replicas``: stop
    the deployments' replica processes at shutdown (``argento server``); else they keep serving and the next
    start re-adopts them. ``disk_reserve``: bytes the SQLite store keeps in reserve to record end states when
    the disk is full (`argento.store.reserve`). ``host`` is the address the server is bound to (the ``Host``
    names it answers depend on it, see :mod:`argento.server.guard`)."""
    from argento.deployments.plane import DeploymentPlane
    from argento.deployments.state import ResourceStateStore
    from argento.server.routes.deployments import mount as mount_deployments

    owned = store is None
    store = store if store is not None else open_store(settings)
    if owned and disk_reserve and hasattr(store, "keep_reserve"):
        store.keep_reserve(disk_reserve)
    auth = Auth(store, auth_mode)
    # Steps authenticate with the server's step token (ARGENTO_TOKEN in their environment).
    if auth.step_token:
        settings = dataclasses.replace(settings, token=auth.step_token)
    catalog = Catalog(store)
    hub = Hub()
    metrics = Metrics(store.workflows.count_by_phase)
    manager = WorkflowManager(
        settings,
        store,
        catalog=catalog,
        hub=hub,
        metrics=metrics,
        executor_name=executor_name,
        executor=executor,
    )
    crons = CronController(store, manager, catalog, metrics, clock=clock, interval=cron_interval)
    events = EventDispatcher(store, manager, catalog, metrics)
    eps = endpoints()
    doc = openapi(eps, title="Argento (Argo Workflows API)", version=__version__)
    context = Context(settings, store, catalog, hub, metrics, manager, crons, events, auth, doc)
    if deployments is None:  # deployment records live in the server's store, beside the workflows
        state = ResourceStateStore(store.resources, settings.home / "deployments")
        deployments = DeploymentPlane(settings, state=state)
    plane = deployments
    if auth.mode == "client":  # a deployment's own gateway port asks for the same tokens as the server
        plane.gateway.authorize = functools.partial(_own_port_authorized, auth)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        recovered = manager.recover()
        if recovered:
            log.info("resumed %d unfinished workflow(s)", recovered)
        manager.schedule_ttls()  # completed workflows with a ttlStrategy: deleted when it runs out, as before
        await plane.start()  # deployments: re-adopt running replicas, reconcile
        cron_task = asyncio.create_task(crons.run(), name="cron") if run_crons else None
        try:
            yield
        finally:
            if cron_task is not None:
                cron_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await cron_task
            await plane.close(stop_replicas=stop_replicas)  # kept ones are re-adopted by the next start
            await manager.close()
            if owned:
                store.close()

    app = Starlette(
        routes=[*starlette_routes(eps), *ui_routes()],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.ctx = context
    mount_deployments(app, plane)  # /api/v1/deployments state + the gateway at /deployments/<name>/<api>
    return Guard(ArgoMiddleware(app, auth, ARGO_VERSION), settings, host)


def starlette_app(app: Any) -> Starlette:
    """The Starlette app inside the middlewares of an app made by :func:`create_app`."""
    while not isinstance(app, Starlette):
        app = app.app
    return app


def context_of(app: Any) -> Context:
    """The :class:`Context` of an app made by :func:`create_app` (tests reach the manager through it)."""
    return starlette_app(app).state.ctx  # type: ignore[no-any-return]


def _own_port_authorized(auth: Auth, headers: list[tuple[bytes, bytes]]) -> bool:
    """A deployment's own port takes the token from the ``Authorization`` header only. Browsers send cookies to
    every port of a host, so the UI's ``authorization`` cookie would let any page on localhost (another port,
    another origin) call the deployment with the user's session; the port has no CSRF token to stop that."""
    token, from_cookie = credential(dict(headers))
    return bool(token) and not from_cookie and auth.verify(token) is not None
