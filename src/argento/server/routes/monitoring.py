"""Prometheus service discovery: ``GET /api/v1/monitoring/targets`` lists what to scrape (``http_sd_configs``).

The deployments' replicas each serve ``/metrics`` (``argento_service_*``) on a port that changes when a replica
restarts, so a static scrape config goes stale; Prometheus' HTTP service discovery reads this list instead
(`argento monitoring prometheus-config` renders the config that points at it). The body is Prometheus'
``[{"targets": ["host:port"], "labels": {…}}]``; ``app`` (a deployment name) and ``namespace`` filter it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.server.api import Api

api = Api()
TAG = "MonitoringService"


@api.route(
    "GET", "/api/v1/monitoring/targets", "MonitoringService_Targets", tag=TAG, query=("app", "namespace")
)
async def targets(request: Request) -> Any:
    """Every ready replica of every deployment, labelled with its deployment, namespace, variant and replica."""
    plane = getattr(request.app.state, "deployments", None)
    if plane is None:
        return []
    app = request.query_params.get("app") or None
    namespace = request.query_params.get("namespace") or None
    groups = []
    for view in plane.list(namespace):
        if app is not None and view["name"] != app:
            continue
        for replica in view["status"].get("replicas") or []:
            if replica.get("state") != "ready" or not replica.get("port"):
                continue
            url = str(replica.get("url") or "")
            host = url.split("://", 1)[-1].rsplit(":", 1)[0] if url else "127.0.0.1"
            groups.append(
                {
                    "targets": [f"{host}:{replica['port']}"],
                    "labels": {
                        "app": view["name"],
                        "deployment": view["name"],
                        "namespace": view["namespace"],
                        "variant": str(replica.get("variant") or ""),
                        "replica": str(replica.get("id") or ""),
                    },
                }
            )
    return groups
