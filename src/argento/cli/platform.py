"""``argento platform status|logs``: the platform's own processes — what ``kubectl get pods`` and ``kubectl logs -l
app=…`` show of the Argo server, Yatai and MLflow in a cluster.

``argento up`` runs the Argento server (Argo's API and controller, the model registry and Yatai's deployment
plane in one process) and the MLflow tracking server, logging to ``<ARGENTO_HOME>/logs/server.log`` and
``<ARGENTO_HOME>/mlflow/server.log``. A deployment's replicas log on their own: ``argento deployments logs NAME``.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

import click

from argento.config import Settings
from argento.errors import NotFound

#: Component → what it stands for in the cluster (``kubectl logs -l app=<one of these>``).
COMPONENTS = {
    "server": "the Argento server: Argo Server and controller, model registry, Yatai's deployment plane",
    "mlflow": "the MLflow tracking server",
}
#: ``app`` labels of the platform's Kubernetes deployments and the component that stands for each here.
APPS = {
    "yatai": "server",
    "argo-server": "server",
    "argo-workflows-server": "server",
    "workflow-controller": "server",
    "argo-workflows-workflow-controller": "server",
    "mlflow": "mlflow",
}


def log_file(settings: Settings, component: str) -> Path:
    """Where ``argento up`` logs ``component``."""
    if component == "mlflow":
        return settings.home / "mlflow" / "server.log"
    return settings.home / "logs" / "server.log"


@click.group("platform")
def platform() -> None:
    """The platform's processes (`argento up`): status and logs.

    \b
    Examples:
      argento platform status
      argento platform logs yatai --tail 50       # kubectl logs -n ml-platform -l app=yatai
    """


@platform.command("status")
def status() -> None:
    """What `argento up` started and whether it still runs."""
    from argento import procs
    from argento.cli.up import read_state

    settings = Settings.from_env()
    state = read_state(settings)
    if not state:
        click.echo(f"nothing started by `argento up` in {settings.home}")
        return
    for name in ("server", "mlflow"):
        entry = state.get(name)
        if not isinstance(entry, dict):
            continue
        alive = procs.running(int(entry.get("pid") or 0))
        click.echo(
            f"{name:<8} {'Running' if alive else 'Exited':<8} pid {entry.get('pid')}  {entry.get('url')}  "
            f"log {log_file(settings, name)}"
        )


@platform.command("logs")
@click.argument("component", default="server")
@click.option("--tail", type=int, default=100, show_default=True, help="Last N lines (0: all).")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines (Ctrl-C stops).")
def logs(component: str, tail: int, follow: bool) -> None:
    """Print the log of COMPONENT: server (also yatai, argo-server, workflow-controller) or mlflow.

    \b
    Examples:
      argento platform logs yatai --tail 50
      argento platform logs mlflow -f
    """
    name = APPS.get(component, component)
    if name not in COMPONENTS:
        known = ", ".join([*COMPONENTS, *APPS])
        raise click.UsageError(f"unknown component {component!r}; one of {known}")
    settings = Settings.from_env()
    path = log_file(settings, name)
    if not path.is_file():
        raise NotFound(f"no log of {COMPONENTS[name]} at {path} (it is written when `argento up` starts it)")
    with open(path, errors="replace") as f:
        lines = deque(f, maxlen=tail or None)
        for line in lines:
            click.echo(line.rstrip("\n"))
        while follow:
            line = f.readline()
            if line:
                click.echo(line.rstrip("\n"))
            else:
                time.sleep(0.2)


__all__ = ["APPS", "COMPONENTS", "log_file", "platform"]
