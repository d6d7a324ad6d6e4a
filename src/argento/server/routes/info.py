"""InfoService, EventService, and the server's own endpoints (``/healthz``, ``/metrics``, ``/openapi.json``)."""

from __future__ import annotations

import platform
import sys
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from argento.server.api import OBJ, STR, Api, obj
from argento.server.context import ctx
from argento.server.events import event_metadata
from argento.server.metrics import ARGO_VERSION
from argento.server.validate import admit
from argento.server.wire import JSONResponse, apply_fields, list_body, list_query, read_json
from argento.version import __version__

api = Api()


@api.route("GET", "/healthz", "Health", tag="Server")
async def healthz(request: Request) -> Any:
    """Liveness (no authentication)."""
    return PlainTextResponse("ok")


@api.route("GET", "/metrics", "Metrics", tag="Server", produces="text/plain")
async def metrics(request: Request) -> Any:
    """Prometheus metrics: Argo's controller metrics and the workflows' own."""
    text = ctx(request).metrics.render()
    deployments = getattr(request.app.state, "deployments", None)
    if deployments is not None:  # the gateway's per-variant metrics
        text += deployments.gateway.render_metrics()
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


@api.route("GET", "/openapi.json", "OpenAPI", tag="Server")
async def openapi_document(request: Request) -> Any:
    """This document."""
    return JSONResponse(ctx(request).openapi)


def version_info() -> dict[str, str]:
    """Argo's ``Version`` (Argento reports the Argo API version it implements)."""
    return {
        "version": ARGO_VERSION,
        "buildDate": "",
        "gitCommit": f"argento-{__version__}",
        "gitTag": ARGO_VERSION,
        "gitTreeState": "clean",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": "argento",
        "platform": f"{platform.system().lower()}/{platform.machine()}",
    }


@api.route("GET", "/api/v1/version", "InfoService_GetVersion", tag="InfoService")
async def get_version(request: Request) -> Any:
    """The server's version."""
    return version_info()


@api.route("GET", "/api/v1/info", "InfoService_GetInfo", tag="InfoService")
async def get_info(request: Request) -> Any:
    """Server information for clients and the UI (an ``MLflow`` link while a tracking server is known)."""
    c = ctx(request)
    return {
        "managedNamespace": "",
        "links": _links(c.settings),
        "columns": [],
        "navColor": "",
        "modals": {},
        "namespace": c.settings.namespace,
    }


def _links(settings: Any) -> list[dict[str, str]]:
    """Argo's ``Link``s: the MLflow tracking server (``MLFLOW_TRACKING_URI``, or the one ``argento up`` runs),
    when it is a web address — the UI links a model's ``mlflow_run_id`` to its run there."""
    from argento.tracking.targets import tracking_uri

    url = tracking_uri(settings)
    if not url.startswith(("http://", "https://")):
        return []
    return [{"name": "MLflow", "scope": "mlflow", "url": url.rstrip("/")}]


@api.route("GET", "/api/v1/userinfo", "InfoService_GetUserInfo", tag="InfoService")
async def get_user_info(request: Request) -> Any:
    """Who the caller is (the token's name in client mode)."""
    who = getattr(request.state, "subject", "") or ""
    return {
        "subject": who,
        "issuer": "argento",
        "serviceAccountName": "default",
        "serviceAccountNamespace": ctx(request).settings.namespace,
    }


@api.route(
    "POST",
    "/api/v1/events/{namespace}/{discriminator}",
    "EventService_ReceiveEvent",
    tag="EventService",
    body=OBJ,
)
async def receive_event(request: Request) -> Any:
    """Receive an event; every matching WorkflowEventBinding submits its workflow."""
    c = ctx(request)
    payload = await read_json(request, required=False)
    p = request.path_params
    c.events.dispatch(p["namespace"], p["discriminator"], payload, event_metadata(request.headers))
    return {}


BINDINGS = "/api/v1/workflow-event-bindings/{namespace}"


@api.route(
    "GET",
    BINDINGS,
    "EventService_ListWorkflowEventBindings",
    tag="EventService",
    query=("listOptions.labelSelector", "listOptions.fieldSelector", "fields"),
)
async def list_bindings(request: Request) -> Any:
    """List WorkflowEventBindings."""
    c = ctx(request)
    query = list_query(request, request.path_params["namespace"])
    items = c.store.resources.list("WorkflowEventBinding", request.path_params["namespace"], query.labels)
    return apply_fields(list_body(items), request.query_params.get("fields"))


@api.route(
    "POST",
    BINDINGS,
    "EventService_CreateWorkflowEventBinding",
    tag="EventService",
    body=obj(namespace=STR, workflowEventBinding=OBJ),
)
async def create_binding(request: Request) -> Any:
    """Create a WorkflowEventBinding (an Argento addition: Argo leaves this to kubectl)."""
    c = ctx(request)
    from argento.server.wire import body_object

    body = body_object(await read_json(request))
    binding = admit(
        body,
        "workflowEventBinding",
        "WorkflowEventBinding",
        request.path_params["namespace"],
        catalog=c.catalog,
    )
    c.store.resources.create("WorkflowEventBinding", binding)
    return binding


@api.route("DELETE", BINDINGS + "/{name}", "EventService_DeleteWorkflowEventBinding", tag="EventService")
async def delete_binding(request: Request) -> Any:
    """Delete a WorkflowEventBinding (an Argento addition)."""
    p = request.path_params
    ctx(request).store.resources.delete("WorkflowEventBinding", p["namespace"], p["name"])
    return {}
