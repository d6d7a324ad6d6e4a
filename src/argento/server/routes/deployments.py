"""DeploymentService: ``/api/v1/deployments`` over :class:`argento.deployments.plane.DeploymentPlane` (SPEC §3.6).

The plane lives at ``request.app.state.deployments``; the gateway is mounted at ``/deployments`` and its
per-variant metrics are appended to ``/metrics`` (see :func:`mount`).

================  ==============================================  ==========================================
method            path                                            body / query
================  ==============================================  ==========================================
GET               /api/v1/deployments                             ``namespace``
POST              /api/v1/deployments                             a spec (or ``{"deployment": spec}``)
GET/PUT/DELETE    /api/v1/deployments/{name}                      PUT: a spec; DELETE: ``wait``
POST              /api/v1/deployments/{name}/scale                ``{"replicas": 3, "variant": "canary"}``
POST              /api/v1/deployments/{name}/traffic              ``{"weights": {"main": 90, "canary": 10}}``
POST              /api/v1/deployments/{name}/promote              ``{"variant": "canary"}``
POST              /api/v1/deployments/{name}/rollback             ``{"revision": 2}`` (default: previous)
GET               /api/v1/deployments/{name}/wait                 ``timeout`` seconds: until converged
GET               /api/v1/deployments/{name}/revisions/{rev}      one revision's spec
GET               /api/v1/deployments/{name}/compare              A/B results per variant
GET               /api/v1/deployments/{name}/render               ``target=kubernetes``: manifests
================  ==============================================  ==========================================
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request

from argento.errors import SpecError, Unavailable
from argento.server.api import OBJ, STR, Api, obj
from argento.server.wire import body_object, read_json

api = Api()
TAG = "DeploymentService"
INT: dict[str, Any] = {"type": "integer"}
_SPEC = obj(
    name=STR,
    namespace=STR,
    bento=STR,
    service=STR,
    replicas=INT,
    variants={"type": "array"},
    routing=OBJ,
    autoscaling=OBJ,
    env=OBJ,
    resources=OBJ,
)


def plane(request: Request) -> Any:
    """The server's deployment plane."""
    found = getattr(request.app.state, "deployments", None)
    if found is None:
        raise Unavailable("deployments are not enabled on this server")
    return found


def _spec_body(body: Any) -> dict[str, Any]:
    body = body_object(body)
    inner = body.get("deployment")
    return body_object(inner) if isinstance(inner, dict) else body


def _int(value: Any, path: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SpecError(f"must be an integer, not {value!r}", path=path) from None


@api.route("GET", "/api/v1/deployments", "ListDeployments", tag=TAG, query=("namespace",))
async def list_deployments(request: Request) -> Any:
    """Every deployment, with status."""
    return {"items": plane(request).list(request.query_params.get("namespace"))}


@api.route("POST", "/api/v1/deployments", "CreateDeployment", tag=TAG, body=_SPEC)
async def create_deployment(request: Request) -> Any:
    """Create a deployment (replicas start in the background; poll or GET .../wait)."""
    return await plane(request).create(_spec_body(await read_json(request)))


@api.route("GET", "/api/v1/deployments/{name}", "GetDeployment", tag=TAG)
async def get_deployment(request: Request) -> Any:
    """One deployment: spec, status (replicas, health, traffic, revision) and revision history."""
    return plane(request).view(request.path_params["name"])


@api.route("PUT", "/api/v1/deployments/{name}", "UpdateDeployment", tag=TAG, body=_SPEC)
async def update_deployment(request: Request) -> Any:
    """Replace the spec: a rolling update of every variant whose template changed."""
    return await plane(request).update(request.path_params["name"], _spec_body(await read_json(request)))


@api.route("DELETE", "/api/v1/deployments/{name}", "DeleteDeployment", tag=TAG, query=("wait",))
async def delete_deployment(request: Request) -> Any:
    """Drain and stop every replica, then delete."""
    wait = request.query_params.get("wait", "false").lower() in ("1", "true", "yes")
    return await plane(request).delete(request.path_params["name"], wait=wait)


@api.route(
    "POST",
    "/api/v1/deployments/{name}/scale",
    "ScaleDeployment",
    tag=TAG,
    body=obj(replicas=INT, variant=STR),
)
async def scale_deployment(request: Request) -> Any:
    """Set the replica count (of one variant with ``variant``)."""
    body = body_object(await read_json(request))
    if "replicas" not in body:
        raise SpecError("replicas is required", path="replicas")
    return await plane(request).scale(
        request.path_params["name"], _int(body["replicas"], "replicas"), body.get("variant") or None
    )


@api.route(
    "POST", "/api/v1/deployments/{name}/traffic", "SetDeploymentTraffic", tag=TAG, body=obj(weights=OBJ)
)
async def set_traffic(request: Request) -> Any:
    """Set the variants' weights."""
    body = body_object(await read_json(request))
    weights = body.get("weights", body)
    if not isinstance(weights, dict):
        raise SpecError("weights must be an object {variant: weight}", path="weights")
    return await plane(request).set_traffic(request.path_params["name"], weights)


@api.route("POST", "/api/v1/deployments/{name}/promote", "PromoteDeployment", tag=TAG, body=obj(variant=STR))
async def promote(request: Request) -> Any:
    """Send 100 % of the traffic to one variant and retire the others."""
    body = body_object(await read_json(request))
    if not body.get("variant"):
        raise SpecError("variant is required", path="variant")
    return await plane(request).promote(request.path_params["name"], str(body["variant"]))


@api.route(
    "POST", "/api/v1/deployments/{name}/rollback", "RollbackDeployment", tag=TAG, body=obj(revision=INT)
)
async def rollback(request: Request) -> Any:
    """Roll back to an earlier revision (the previous one by default)."""
    body = body_object(await read_json(request, required=False))
    revision = body.get("revision")
    return await plane(request).rollback(
        request.path_params["name"], None if revision in (None, "") else _int(revision, "revision")
    )


@api.route("GET", "/api/v1/deployments/{name}/wait", "WaitDeployment", tag=TAG, query=("timeout",))
async def wait_deployment(request: Request) -> Any:
    """Wait until every variant has its replicas ready at the current revision."""
    try:
        timeout = float(request.query_params.get("timeout", "120"))
    except ValueError:
        raise SpecError("timeout must be a number of seconds", path="timeout") from None
    return await plane(request).wait(request.path_params["name"], timeout=timeout)


@api.route("GET", "/api/v1/deployments/{name}/revisions/{revision}", "GetDeploymentRevision", tag=TAG)
async def get_revision(request: Request) -> Any:
    """One revision's full spec."""
    return plane(request).revision(
        request.path_params["name"], _int(request.path_params["revision"], "revision")
    )


@api.route(
    "GET", "/api/v1/deployments/{name}/logs", "DeploymentLogs", tag=TAG, query=("replica", "tailLines")
)
async def logs(request: Request) -> Any:
    """The last lines of the replicas' logs (``replica`` picks one; ``tailLines``, default 100)."""
    try:
        tail = int(request.query_params.get("tailLines", "100"))
    except ValueError:
        raise SpecError("tailLines must be an integer", path="tailLines") from None
    replica = request.query_params.get("replica") or None
    return {"items": plane(request).logs(request.path_params["name"], replica=replica, tail=tail)}


@api.route("GET", "/api/v1/deployments/{name}/compare", "CompareDeployment", tag=TAG, query=("metric",))
async def compare(request: Request) -> Any:
    """A/B results: per-variant counts, error rates, latency percentiles, business metrics, z-test."""
    from argento.deployments.compare import compare as run

    metrics = request.query_params.getlist("metric")
    return await run(plane(request), request.path_params["name"], business=metrics or None)


@api.route("GET", "/api/v1/deployments/{name}/render", "RenderDeployment", tag=TAG, query=("target",))
async def render(request: Request) -> Any:
    """Manifests for another backend (``target=kubernetes``)."""
    from argento.deployments.kubernetes import render_manifests

    target = request.query_params.get("target", "kubernetes")
    if target != "kubernetes":
        raise SpecError(f"unknown render target {target!r}; known: kubernetes", path="target")
    p = plane(request)
    return {"items": render_manifests(p.view(request.path_params["name"])["spec"], p.settings)}


def mount(app: Any, deployment_plane: Any) -> None:
    """Give a Starlette ``app`` the plane and the gateway (``/deployments/<name>/<api>``)."""
    from starlette.routing import Mount

    app.state.deployments = deployment_plane
    app.router.routes.append(Mount("/deployments", app=deployment_plane.gateway))


def standalone_app(settings: Any, deployment_plane: Any = None, *, stop_replicas: bool = False) -> Any:
    """A server with only the deployment API, the gateway and ``/metrics`` (tests, benchmarks, embedding)."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from argento.deployments.plane import DeploymentPlane
    from argento.server.api import starlette_routes

    dp = deployment_plane or DeploymentPlane(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await dp.start()
        try:
            yield
        finally:
            await dp.close(stop_replicas=stop_replicas)

    async def metrics(request: Request) -> PlainTextResponse:
        return PlainTextResponse(dp.gateway.render_metrics(), media_type="text/plain; version=0.0.4")

    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    routes = [Route("/metrics", metrics), Route("/healthz", healthz), *starlette_routes(api.endpoints)]
    app = Starlette(routes=routes, lifespan=lifespan)
    mount(app, dp)
    return app
