"""``argento deploy`` and ``argento deployments …``: deployments on an Argento server (SPEC §3.6).

The server (``--server``, ``ARGENTO_SERVER``) runs the replicas and the gateway; these commands are its
client. The answer of every change is the deployment's new state (``-o json|yaml`` for all of it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from argento.errors import SpecError

F = TypeVar("F", bound=Callable[..., Any])
_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "json", "yaml"]),
    default="table",
    show_default=True,
    help="Output format.",
)


def server_options(func: F) -> F:
    """``--server``/``--token`` (defaults from ARGENTO_SERVER/ARGENTO_TOKEN); passes ``api``."""

    @click.option("--server", default=None, metavar="URL", help="Server URL  [env ARGENTO_SERVER]")
    @click.option("--token", default=None, help="Bearer token  [env ARGENTO_TOKEN]")
    @functools.wraps(func)
    def wrapper(*args: Any, server: str | None, token: str | None, **kwargs: Any) -> Any:
        from argento.client.platform import Client

        ctx = click.get_current_context()
        transport = (ctx.obj or {}).get("transport") if ctx.obj else None
        extra = {"transport": transport} if transport is not None else {}
        client = Client(server, token=token, **extra)
        return func(*args, api=client.deployments, **kwargs)

    return wrapper  # type: ignore[return-value]


def _dump(data: Any, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        click.echo("   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _show(view: dict[str, Any], output: str) -> None:
    if output != "table":
        _dump(view, output)
        return
    status = view["status"]
    click.echo(f"Name:       {view['name']}  (namespace {view['namespace']})")
    click.echo(f"Status:     {status['phase']}   revision {view['revision']}")
    click.echo(
        f"URL:        {status.get('url')}"
        + (f"   {status['gateway_url']}" if status.get("gateway_url") else "")
    )
    rows = []
    for v in view["spec"]["variants"]:
        vs = status["variants"].get(v["name"], {})
        rows.append(
            [
                v["name"],
                v.get("bento") or v.get("service") or "",
                f"{status['traffic'].get(v['name'], 0):g}%",
                f"{vs.get('ready', 0)}/{vs.get('desired', 0)}",
                str(vs.get("restarts", 0)),
            ]
        )
    _table(["VARIANT", "TARGET", "TRAFFIC", "READY", "RESTARTS"], rows)
    if status.get("message"):
        click.echo(f"Reason:     {status.get('reason', '')}: {status['message']}")
    for v_name, vs in status["variants"].items():
        last = vs.get("last_exit") or {}
        if vs.get("phase") == "Degraded" and last.get("log"):
            click.echo(f"\nLast lines of {last.get('replica')} ({v_name}):")
            for line in last["log"]:
                click.echo(f"  | {line}")
    if status.get("replicas"):
        click.echo("")
        _table(
            ["REPLICA", "VARIANT", "STATE", "URL", "PID"],
            [[r["id"], r["variant"], r["state"], r["url"], str(r["pid"])] for r in status["replicas"]],
        )


@click.command("deploy")
@click.argument("bento", required=False)
@click.option("--name", default=None, help="Deployment name (default: the bento's name).")
@click.option(
    "--replicas",
    default=None,
    type=click.IntRange(0, 256),
    help="Replicas of the main variant [default: 1 for a new deployment; an existing one keeps every "
    "variant's count].",
)
@click.option("--canary", default=None, metavar="BENTO", help="A canary variant serving this bento.")
@click.option(
    "--weight",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0, 100),
    help="Percentage of traffic for the canary.",
)
@click.option("--service", default=None, metavar="MODULE:CLASS", help="Deploy a service instead of a bento.")
@click.option(
    "--mlflow",
    "mlflow_uri",
    default=None,
    metavar="URI",
    help="Deploy an MLflow model (models:/NAME@ALIAS, models:/NAME/STAGE, runs:/…); --canary takes one too.",
)
@click.option("--working-dir", default=None, help="Folder the --service module is imported from.")
@click.option("-n", "--namespace", default=None, help="Namespace  [env ARGENTO_NAMESPACE; default argo]")
@click.option("--env", "env", multiple=True, metavar="K=V", help="Environment of the replicas (repeatable).")
@click.option("--gateway-port", type=int, default=None, help="Also serve the deployment on its own port.")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until it is available.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds --wait waits.")
@server_options
@_OUTPUT
def deploy(
    bento: str | None,
    name: str | None,
    replicas: int | None,
    canary: str | None,
    weight: float,
    service: str | None,
    mlflow_uri: str | None,
    working_dir: str | None,
    namespace: str | None,
    env: tuple[str, ...],
    gateway_port: int | None,
    wait: bool,
    timeout: float,
    api: Any,
    output: str,
) -> None:
    """Deploy BENTO (or --service) on the server; an existing deployment of that name is updated (rolling).

    \b
    Examples:
      argento deploy iris-classifier:latest --name iris --replicas 2
      argento deploy iris-classifier:v1 --name iris --canary iris-classifier:v2 --weight 10
      curl -s $ARGENTO_SERVER/deployments/iris/predict -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
      argento deploy --mlflow models:/iris@champion --name iris --replicas 2
      argento deploy --name iris --canary models:/iris@challenger --weight 10
    """
    import os

    from argento.client.platform import deploy as do_deploy
    from argento.tracking.uris import is_mlflow_ref

    if mlflow_uri or is_mlflow_ref(canary):  # MLflow models become bentos first (argento.tracking.deploy)
        from argento.tracking.deploy import bento_for, main_target

        bento = bento_for(mlflow_uri) if mlflow_uri else bento
        canary = bento_for(canary) if is_mlflow_ref(canary) else canary
        if not bento and not service and name:  # a canary beside the deployment's current main variant
            main = main_target(api.get(name))
            bento, service, working_dir = main.get("bento"), main.get("service"), main.get("working_dir")

    if not bento and not service:
        raise SpecError("give a BENTO tag or --service module:Class")
    extra: dict[str, Any] = {}
    if env:
        pairs = [e.partition("=") for e in env]
        if any(not sep for _, sep, _ in pairs):
            raise SpecError("--env takes K=V", path="env")
        extra["env"] = {k: v for k, _, v in pairs}
    if service:
        extra.update(service=service, working_dir=os.path.abspath(working_dir or "."))
    if gateway_port:
        extra["gateway_port"] = gateway_port
    view = do_deploy(
        bento,
        name=name,
        replicas=replicas,
        canary=canary,
        canary_weight=weight,
        namespace=namespace,
        server=api.http.server,
        wait=wait,
        timeout=timeout,
        **extra,
    )
    _show(view, output)


@click.group("deployments")
def deployments() -> None:
    """Inspect and change deployments: list, get, scale, set-traffic, promote, rollback, delete, compare, logs, render.

    \b
    Examples:
      argento deployments list
      argento deployments set-traffic iris main=50 canary=50
      argento deployments compare iris
      argento deployments promote iris canary
      argento deployments rollback iris --revision 1
    """


@deployments.command("list")
@click.option("-n", "--namespace", default=None)
@server_options
@_OUTPUT
def list_cmd(namespace: str | None, api: Any, output: str) -> None:
    """List deployments.

    \b
    Example:
      argento deployments list -o json
    """
    items = api.list(namespace=namespace)
    if output != "table":
        _dump(items, output)
        return
    rows = []
    for d in items:
        st = d["status"]
        ready = sum(v["ready"] for v in st["variants"].values())
        desired = sum(v["desired"] for v in st["variants"].values())
        traffic = ",".join(f"{k}={v:g}%" for k, v in st["traffic"].items())
        rows.append(
            [d["name"], d["namespace"], st["phase"], f"{ready}/{desired}", traffic, str(d["revision"])]
        )
    _table(["NAME", "NAMESPACE", "STATUS", "READY", "TRAFFIC", "REVISION"], rows)


@deployments.command("get")
@click.argument("name")
@server_options
@_OUTPUT
def get_cmd(name: str, api: Any, output: str) -> None:
    """Show a deployment: variants, traffic, replicas and their health.

    \b
    Example:
      argento deployments get iris -o yaml
    """
    _show(api.get(name), output)


@deployments.command("scale")
@click.argument("name")
@click.argument("replicas", type=click.IntRange(0, 256))
@click.option("--variant", default=None, help="Scale one variant only.")
@server_options
@_OUTPUT
def scale_cmd(name: str, replicas: int, variant: str | None, api: Any, output: str) -> None:
    """Set the replica count.

    \b
    Example:
      argento deployments scale iris 3
    """
    _show(api.scale(name, replicas, variant=variant), output)


@deployments.command("set-traffic")
@click.argument("name")
@click.argument("weights", nargs=-1, required=True, metavar="VARIANT=WEIGHT...")
@server_options
@_OUTPUT
def set_traffic_cmd(name: str, weights: tuple[str, ...], api: Any, output: str) -> None:
    """Set variant weights (percentages).

    \b
    Example:
      argento deployments set-traffic iris main=90 canary=10
    """
    parsed: dict[str, float] = {}
    for item in weights:
        key, sep, value = item.partition("=")
        try:
            parsed[key] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise SpecError(f"expected VARIANT=WEIGHT, got {item!r}", path="weights")
    _show(api.set_traffic(name, parsed), output)


@deployments.command("promote")
@click.argument("name")
@click.argument("variant", default="canary")
@server_options
@_OUTPUT
def promote_cmd(name: str, variant: str, api: Any, output: str) -> None:
    """Send 100 % of the traffic to VARIANT (default canary) and retire the others.

    \b
    Example:
      argento deployments promote iris canary
    """
    _show(api.promote(name, variant), output)


@deployments.command("rollback")
@click.argument("name")
@click.option("--revision", type=int, default=None, help="Revision to go back to (default: the previous).")
@server_options
@_OUTPUT
def rollback_cmd(name: str, revision: int | None, api: Any, output: str) -> None:
    """Roll back to an earlier revision.

    \b
    Example:
      argento deployments rollback iris --revision 1
    """
    _show(api.rollback(name, revision), output)


@deployments.command("delete")
@click.argument("name")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until every replica stopped.")
@server_options
def delete_cmd(name: str, wait: bool, api: Any) -> None:
    """Drain and delete a deployment.

    \b
    Example:
      argento deployments delete iris
    """
    api.delete(name, wait=wait)
    click.echo(f"deployment {name} deleted")


@deployments.command("endpoints")
@click.option("-n", "--namespace", default=None, help="Only this namespace (default: all).")
@server_options
@_OUTPUT
def endpoints_cmd(namespace: str | None, api: Any, output: str) -> None:
    """The addresses serving each deployment (like `kubectl get endpoints`): ready replicas and the gateway URL.

    \b
    Example:
      argento deployments endpoints -n ml-platform
    """
    rows = []
    for d in api.list(namespace=namespace):
        ready = [r for r in d["status"].get("replicas") or [] if r.get("state") == "ready"]
        addresses = [str(r.get("url") or "").split("://", 1)[-1] for r in ready]
        rows.append(
            {
                "name": d["name"],
                "namespace": d["namespace"],
                "endpoints": addresses,
                "gateway": api.url(d["name"]),
            }
        )
    if output != "table":
        _dump(rows, output)
        return
    _table(
        ["NAME", "NAMESPACE", "ENDPOINTS", "GATEWAY"],
        [[r["name"], r["namespace"], ",".join(r["endpoints"]) or "<none>", r["gateway"]] for r in rows],
    )


@deployments.command("logs")
@click.argument("name")
@click.option("--replica", default=None, help="One replica (default: the newest few, crashed ones included).")
@click.option(
    "--tail", default=100, show_default=True, type=click.IntRange(1, 100_000), help="Lines per replica."
)
@server_options
@_OUTPUT
def logs_cmd(name: str, replica: str | None, tail: int, api: Any, output: str) -> None:
    """Show the last lines of a deployment's replica logs (why a replica crashed, what it printed).

    \b
    Example:
      argento deployments logs iris --tail 20
    """
    items = api.logs(name, replica=replica, tail=tail)
    if output != "table":
        _dump(items, output)
        return
    for item in items:
        click.echo(f"==> {item['replica']} ({item['state']}) <==")
        for line in item["lines"]:
            click.echo(line)


@deployments.command("compare")
@click.argument("name")
@click.option("--metric", "metrics", multiple=True, help="Business metric(s) to report (default: all).")
@server_options
@_OUTPUT
def compare_cmd(name: str, metrics: tuple[str, ...], api: Any, output: str) -> None:
    """A/B results: requests, error rate, latency p50/p95/p99, business metrics, z-test of error rates.

    \b
    Example:
      argento deployments compare iris
    """
    result = api.compare(name, metrics=list(metrics) or None)
    if output != "table":
        _dump(result, output)
        return
    rows = []
    for r in result["variants"]:
        lat = r["latency_ms"]
        fmt = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
        business = " ".join(
            f"{k}={v['value']:g}" + (f" ({v['per_request']:.3f}/req)" if v["per_request"] is not None else "")
            for k, v in r["business"].items()
        )
        rows.append(
            [
                r["variant"] + (" (shadow)" if r["shadow"] else ""),
                f"{r['weight']:g}%",
                str(r["requests"]),
                f"{100 * r['error_rate']:.2f}%",
                fmt(lat["p50"]),
                fmt(lat["p95"]),
                fmt(lat["p99"]),
                business or "-",
            ]
        )
    _table(["VARIANT", "WEIGHT", "REQUESTS", "ERRORS", "P50 MS", "P95 MS", "P99 MS", "BUSINESS"], rows)
    for t in result["tests"]:
        verdict = "significant" if t["significant"] else "not significant"
        click.echo(
            f"\nerror rate {t['variant']} vs {t['baseline']}: {100 * t['error_rate_difference']:+.2f} pp, "
            f"z = {t['z']:.2f}, p = {t['p_value']:.4f} ({verdict} at 5%)"
        )


@deployments.command("render")
@click.argument("name")
@click.option("--target", type=click.Choice(["kubernetes"]), default="kubernetes", show_default=True)
@click.option(
    "--output-dir", "-d", default=None, help="Write the manifests here (a folder, or a .yaml file)."
)
@server_options
def render_cmd(name: str, target: str, output_dir: str | None, api: Any) -> None:
    """Render Kubernetes manifests (Deployment, Service, HPA, HTTPRoute) validated against the Kubernetes models.

    \b
    Example:
      argento deployments render iris --target kubernetes -d k8s/
      kubectl apply -f k8s/
    """
    from argento.deployments.kubernetes import write_manifests

    manifests = api.render(name, target=target)
    text = write_manifests(manifests, output_dir)
    if output_dir:
        click.echo(f"wrote {len(manifests)} manifests to {output_dir}")
    else:
        click.echo(text.rstrip())
