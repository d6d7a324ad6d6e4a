"""What every client command shares: the connection options, the client they build, and output helpers.

``--server`` / ``--token`` / ``-n`` default to ``ARGENTO_SERVER`` / ``ARGENTO_TOKEN`` / ``ARGENTO_NAMESPACE``
through :class:`argento.config.Settings`. Tests inject an ``httpx`` transport through the root context
object (``CliRunner().invoke(cli, args, obj={"transport": fake.transport})``).

Tables are printed like Go's ``tabwriter`` with a padding of 3, as the ``argo`` CLI prints them, and ages
and durations as Argo's ``humanize.RelativeDurationShort`` (``5s``, ``3m``, ``2h``, ``4d``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from argento.cli.tree import render_summary, render_tree
from argento.client import ArgoClient
from argento.config import Settings
from argento.errors import SpecError

F = TypeVar("F", bound=Callable[..., Any])

#: Output formats of commands that print resources.
OUTPUTS = ("wide", "json", "yaml", "name")


def connection_options(func: F) -> F:
    """Add ``--server``, ``--token``, ``-n/--namespace`` and ``-k``; pass an :class:`ArgoClient` as ``client``."""

    @click.option(
        "--server",
        default=None,
        metavar="URL",
        help="Argento (or Argo) server URL  [env ARGENTO_SERVER; default http://127.0.0.1:2746]",
    )
    @click.option("--token", default=None, help="Bearer token  [env ARGENTO_TOKEN]")
    @click.option("-n", "--namespace", default=None, help="Namespace  [env ARGENTO_NAMESPACE; default argo]")
    @click.option(
        "-k", "--insecure-skip-tls-verify", "insecure", is_flag=True, help="Accept any TLS certificate."
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any,
        server: str | None,
        token: str | None,
        namespace: str | None,
        insecure: bool,
        **kwargs: Any,
    ) -> Any:
        # `submit --argo-server URL` points the same client at a real Argo Server (https by default).
        argo_server = kwargs.get("argo_server")
        client = make_client(
            server=argo_server or server,
            token=token,
            namespace=namespace,
            insecure=insecure,
            default_scheme="https" if argo_server else "http",
        )
        with client:
            return func(*args, client=client, **kwargs)

    return wrapper  # type: ignore[return-value]


#: Options shared by the commands that act on several workflows (``argo stop|terminate|retry|resubmit`` and
#: their ``archive`` forms), spelled as Argo's flags.
selector_option = click.option("-l", "--selector", default="", help="Label selector (k=v,k2!=v2).")
field_selector_option = click.option(
    "--field-selector", default="", help="Field selector (metadata.name=…, metadata.namespace=…)."
)
parameters_option = click.option(
    "-p", "--parameter", "parameters", multiple=True, metavar="NAME=VALUE", help="Override a parameter."
)
wait_option = click.option(
    "-w", "--wait", is_flag=True, help="Wait for the workflow to complete; exit 0 iff it Succeeded."
)
watch_option = click.option("--watch", is_flag=True, help="Watch the workflow until it completes.")


def make_client(
    *,
    server: str | None = None,
    token: str | None = None,
    namespace: str | None = None,
    insecure: bool = False,
    default_scheme: str = "http",
) -> ArgoClient:
    """An :class:`ArgoClient` from the options, the environment and the injected test transport."""
    import os

    from argento.client.http import normalize_server

    settings = Settings.from_env()
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().obj if ctx is not None else None
    transport = root.get("transport") if isinstance(root, dict) else None
    client = ArgoClient(
        normalize_server(server or settings.server, default_scheme=default_scheme),
        token=settings.token if token is None else token,
        namespace=namespace or settings.namespace,
        verify=not insecure,
        transport=transport,
    )
    client.explicit_namespace = bool(namespace or os.environ.get("ARGENTO_NAMESPACE"))
    return client


def locate(client: ArgoClient, name: str) -> str:
    """``name``, after pointing the client's workflow calls at the namespace it is in when ``-n`` was not given
    and it is not in the default namespace but in exactly one other (a manifest's ``metadata.namespace``).
    With ``-n``, or when it is nowhere, the calls that follow fail with a ``NotFound`` that says where it is."""
    from argento.client.workflows import LATEST
    from argento.errors import NotFound

    if name == LATEST or getattr(client, "explicit_namespace", True):
        return name
    try:
        client.workflows.http.get(
            f"/api/v1/workflows/{client.workflows.namespace}/{name}", {"fields": "metadata.name"}
        )
    except NotFound:
        elsewhere = client.workflows.namespaces_of(name)
        if len(elsewhere) == 1:
            client.workflows.namespace = elsewhere[0]
    return name


def locate_namespaces(client: ArgoClient) -> list[str]:
    """Where to look for something by name: ``-n``'s namespace; without ``-n``, the default one first, then
    every other namespace that has workflows."""
    from argento.errors import ArgentoError

    first = client.workflows.namespace
    if getattr(client, "explicit_namespace", True):
        return [first]
    try:
        page = client.http.get("/api/v1/workflows/", {"fields": "items.metadata.namespace"})
    except ArgentoError:
        return [first]
    others = {str((i.get("metadata") or {}).get("namespace") or "") for i in page.get("items") or []}
    return [first, *sorted(n for n in others if n and n != first)]


def output_option(choices: Sequence[str] = OUTPUTS, default: str | None = None) -> Callable[[F], F]:
    """``-o/--output`` limited to ``choices``."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(list(choices)),
        default=default,
        help=f"Output format: {'|'.join(choices)}.",
    )


def emit(data: Any, fmt: str) -> None:
    """Print ``data`` as JSON (indented) or YAML."""
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip("\n"))


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Lines of a table padded like Go's ``tabwriter`` (minimum padding 3)."""
    rows = [[str(c) for c in r] for r in rows]
    cells = [list(header), *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return ["   ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]


def echo_lines(lines: Iterable[str]) -> None:
    """Print lines."""
    for line in lines:
        click.echo(line)


def parse_time(value: str | None) -> datetime | None:
    """A Kubernetes RFC 3339 timestamp (``Z`` or offset, optional fraction) as an aware datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def short_duration(seconds: float | None) -> str:
    """Argo's ``RelativeDurationShort``: the largest unit only (``45s``, ``3m``, ``2h``, ``4d``)."""
    if seconds is None:
        return ""
    secs = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def since(value: str | None, until: str | None = None) -> str:
    """Short duration from timestamp ``value`` to ``until`` (or now); empty without a start."""
    start = parse_time(value)
    if start is None:
        return ""
    end = parse_time(until) or datetime.now(UTC)
    return short_duration((end - start).total_seconds())


def parse_duration(text: str) -> float:
    """``90s``, ``10m``, ``1h30m``, ``2d`` → seconds (a bare number is seconds); see :mod:`argento.durations`."""
    from argento.durations import parse_duration as seconds_of

    try:
        seconds = seconds_of(text) if text.strip() else -1.0
    except SpecError:
        seconds = -1.0
    if seconds < 0:
        raise SpecError(f"invalid duration {text!r} (use e.g. 30s, 10m, 3h, 1d)")
    return seconds


def name_of(resource: dict[str, Any]) -> str:
    """``metadata.name``."""
    return str((resource.get("metadata") or {}).get("name", ""))


def print_workflow(wf: dict[str, Any], output: str | None, *, tree: bool = True) -> None:
    """A workflow as ``argo get`` prints it (summary and node tree), or as ``json``/``yaml``/``name``."""
    if output in ("json", "yaml"):
        emit(wf, output)
    elif output == "name":
        click.echo(name_of(wf))
    else:
        echo_lines(render_summary(wf))
        lines = render_tree(wf, wide=output == "wide") if tree else []
        if lines:
            click.echo("")
            echo_lines(lines)
