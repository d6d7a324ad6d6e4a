"""``argento monitoring prometheus-config``: what a Prometheus should scrape, rendered from Argento's state or from
the platform's ``ServiceMonitor`` manifests (the guide's "Argo Workflows Metrics").

Without files the config scrapes the server (``/metrics``: Argo's ``argo_workflows_*`` controller metrics, the
gateway's ``argento_deployment_*``), every ready replica of every deployment through HTTP service discovery
(``/api/v1/monitoring/targets``; each serves ``argento_service_*``), and the ``--service`` targets of
``argento serve`` processes. Each ``ServiceMonitor`` given becomes one job per endpoint, named as the
Prometheus Operator names it (``serviceMonitor/<namespace>/<name>/<i>``), with its ``interval``, ``path`` and
``scheme``; its ``selector.matchLabels`` picks the Argento targets: an ``app`` naming Argo's controller or server
(``argo-workflows-controller-metrics``, ``argo-server``, …) is the Argento server, one naming Yatai/BentoML is
every deployment's replicas, any other value is the deployment of that name. The deployments' replicas are
scraped in any case (services expose their metrics whatever else is monitored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from argento.config import Settings
from argento.errors import SpecError
from argento.yamlsafe import safe_load_all

#: ``app`` label values that mean the Argento server (Argo's controller metrics Service and its server).
SERVER_APPS = ("argo", "workflow-controller", "argento")
#: ``app`` label values that mean the deployments' replicas (the serving platform).
SERVING_APPS = ("yatai", "bento")


def _selector_app(monitor: dict[str, Any], where: str) -> str:
    selector = (monitor.get("spec") or {}).get("selector") or {}
    if selector.get("matchExpressions"):
        raise SpecError(
            "matchExpressions is not supported: select with matchLabels", path=f"{where}.spec.selector"
        )
    labels = selector.get("matchLabels") or {}
    app = (
        labels.get("app") or labels.get("app.kubernetes.io/name") or labels.get("app.kubernetes.io/instance")
    )
    if not app:
        raise SpecError("needs matchLabels app (or app.kubernetes.io/name)", path=f"{where}.spec.selector")
    return str(app)


def _server_target(server: str) -> tuple[str, str]:
    scheme, _, rest = server.partition("://")
    return scheme or "http", rest.split("/", 1)[0]


def _sd(server: str, token: str, **query: str) -> dict[str, Any]:
    params = "&".join(f"{k}={v}" for k, v in query.items() if v)
    sd: dict[str, Any] = {
        "url": f"{server}/api/v1/monitoring/targets{'?' + params if params else ''}",
        "refresh_interval": "15s",
    }
    if token:
        sd["authorization"] = {"credentials": token}
    return sd


def _auth(job: dict[str, Any], token: str) -> dict[str, Any]:
    if token:
        job["authorization"] = {"credentials": token}
    return job


def render(
    settings: Settings,
    monitors: list[dict[str, Any]] | None = None,
    *,
    services: tuple[str, ...] = (),
    interval: str = "15s",
) -> dict[str, Any]:
    """The Prometheus configuration (see the module docstring)."""
    scheme, target = _server_target(settings.server)
    token = settings.token
    jobs: list[dict[str, Any]] = []
    if not monitors:
        jobs.append(
            _auth(
                {
                    "job_name": "argento-server",
                    "scheme": scheme,
                    "metrics_path": "/metrics",
                    "static_configs": [{"targets": [target]}],
                },
                token,
            )
        )
    serving = False  # whether a ServiceMonitor already selects every deployment's replicas
    for i, monitor in enumerate(monitors or []):
        where = f"ServiceMonitor[{i}]"
        if monitor.get("kind") != "ServiceMonitor":
            raise SpecError(
                f"expected kind ServiceMonitor, got {monitor.get('kind')!r}", path=f"{where}.kind"
            )
        meta = monitor.get("metadata") or {}
        namespace, name = (
            str(meta.get("namespace") or settings.namespace),
            str(meta.get("name") or f"monitor-{i}"),
        )
        app = _selector_app(monitor, where)
        endpoints = (monitor.get("spec") or {}).get("endpoints") or [{}]
        for j, endpoint in enumerate(endpoints):
            job: dict[str, Any] = {"job_name": f"serviceMonitor/{namespace}/{name}/{j}"}
            if endpoint.get("interval"):
                job["scrape_interval"] = str(endpoint["interval"])
            job["metrics_path"] = str(endpoint.get("path") or "/metrics")
            lowered = app.lower()
            if any(k in lowered for k in SERVER_APPS):
                job["scheme"] = str(endpoint.get("scheme") or scheme)
                job["static_configs"] = [
                    {"targets": [target], "labels": {"namespace": namespace, "service": app}}
                ]
                _auth(job, token)
            elif any(k in lowered for k in SERVING_APPS):
                job["http_sd_configs"] = [_sd(settings.server, token)]
                serving = True
            else:
                job["http_sd_configs"] = [_sd(settings.server, token, app=app)]
            jobs.append(job)
    if (
        not serving
    ):  # services expose their metrics whatever selects the rest (the guide's "BentoML Service Metrics")
        jobs.append({"job_name": "argento-deployments", "http_sd_configs": [_sd(settings.server, token)]})
    if services:
        jobs.append({"job_name": "argento-services", "static_configs": [{"targets": list(services)}]})
    return {"global": {"scrape_interval": interval, "evaluation_interval": interval}, "scrape_configs": jobs}


@click.group("monitoring")
def monitoring() -> None:
    """Monitoring: Prometheus configuration for the server, deployments and services.

    \b
    Example:
      argento monitoring prometheus-config > prometheus.yml && prometheus --config.file=prometheus.yml
    """


@monitoring.command("prometheus-config")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--server", default=None, metavar="URL", help="Argento server  [env ARGENTO_SERVER]")
@click.option(
    "--service",
    "services",
    multiple=True,
    metavar="HOST:PORT",
    help="Also scrape an `argento serve` process (repeatable).",
)
@click.option("--interval", default="15s", show_default=True, help="Default scrape interval.")
@click.option(
    "-o", "--output", "out", default=None, type=click.Path(dir_okay=False), help="Write to this file."
)
def prometheus_config(
    files: tuple[str, ...], server: str | None, services: tuple[str, ...], interval: str, out: str | None
) -> None:
    """Print a Prometheus config scraping Argento, or the targets of the ServiceMonitors in FILES.

    \b
    Examples:
      argento monitoring prometheus-config -o prometheus.yml
      argento monitoring prometheus-config servicemonitor.yaml --service 127.0.0.1:3000
    """
    import os

    env = dict(os.environ)
    if server:
        env["ARGENTO_SERVER"] = server
    settings = Settings.from_env(env)
    monitors: list[dict[str, Any]] = []
    for file in files:
        try:
            docs = [d for d in safe_load_all(Path(file).read_text(), file) if d]
        except yaml.YAMLError as exc:
            raise SpecError(f"cannot parse: {exc}", location=file) from None
        monitors.extend(d for d in docs if isinstance(d, dict))
    text = yaml.safe_dump(render(settings, monitors, services=services, interval=interval), sort_keys=False)
    if out:
        Path(out).write_text(text)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text.rstrip())


__all__ = ["monitoring", "render"]
