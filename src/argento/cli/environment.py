"""``argento exec -- CMD…`` and ``argento aliases``: run a command with Argento's environment, show the alias table.

The environment a command gets (:func:`platform_environ`) is what a workflow step gets: the server
(``ARGENTO_SERVER``, and ``ARGO_SERVER`` for the ``argo`` CLI), ``ARGENTO_HOME``, ``MLFLOW_TRACKING_URI`` of the
tracking server, the in-cluster addresses of its variables rewritten through the service-alias table
(``MLFLOW_TRACKING_URI=http://mlflow.ml-platform:5000`` → the local MLflow), Argento's virtualenv first on
``PATH`` (``python`` is the one Argento runs in), and ``import bentoml`` / the ``bentoml`` command of the
compatibility layer when the real BentoML is not installed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping

import click

from argento.config import Settings
from argento.errors import ArgentoError, NotFound

#: Variables that name a service a client connects to: an unmapped in-cluster address there is an error.
CLIENT_VARIABLES = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
    "MLFLOW_S3_ENDPOINT_URL",
    "RAY_ADDRESS",
    "ARGO_SERVER",
    "YATAI_ENDPOINT",
    "ARGENTO_SERVER",
)


def platform_environ(
    settings: Settings, base: Mapping[str, str], *, namespace: str | None = None
) -> dict[str, str]:
    """``base`` plus Argento's variables, with in-cluster addresses resolved (see the module docstring)."""
    from argento import compat
    from argento.tracking.targets import Targets, tracking_uri

    targets = Targets(settings)
    env = dict(base)
    for key, value in base.items():
        if key in CLIENT_VARIABLES:
            env[key] = targets.table.rewrite(value, targets)
            continue
        with contextlib.suppress(
            ArgentoError
        ):  # a service that is not there: an error only for a client variable
            env[key] = targets.table.rewrite(value, targets, strict=False)
    env.update(ARGENTO_HOME=str(settings.home), ARGENTO_SERVER=settings.server, ARGENTO_PYTHON=sys.executable)
    if namespace:
        env["ARGENTO_NAMESPACE"] = namespace
    if not env.get("MLFLOW_TRACKING_URI") and (uri := tracking_uri(settings)):
        env["MLFLOW_TRACKING_URI"] = uri
    if "ARGO_SERVER" not in base:  # the argo CLI, pointed at this server
        scheme, _, rest = settings.server.partition("://")
        env.update(
            ARGO_SERVER=rest.split("/", 1)[0], ARGO_HTTP1="true", ARGO_SECURE=str(scheme == "https").lower()
        )
        if settings.token:
            env.setdefault("ARGO_TOKEN", f"Bearer {settings.token}")
    if sys.prefix != sys.base_prefix:  # Argento's virtualenv first, as if activated: `python` has argento
        bindir = os.path.dirname(sys.executable)
        parts = [p for p in (env.get("PATH") or os.defpath).split(os.pathsep) if p and p != bindir]
        env.update(PATH=os.pathsep.join([bindir, *parts]), VIRTUAL_ENV=sys.prefix)
    env.update(compat.environ(env))
    return env


@click.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--server", default=None, metavar="URL", help="Argento server  [env ARGENTO_SERVER]")
@click.option(
    "-n", "--namespace", default=None, help="ARGENTO_NAMESPACE of the command (deployments, workflows)."
)
@click.option("--print-env", is_flag=True, help="Print the variables Argento sets or changes, then exit.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def exec_(server: str | None, namespace: str | None, print_env: bool, command: tuple[str, ...]) -> None:
    """Run COMMAND with Argento's environment: server, tracking URI, aliases and `import bentoml`.

    \b
    Examples:
      argento exec -- python deploy.py                  # bentoml.YataiClient() talks to the Argento server
      argento exec -- bentoml models list
      MLFLOW_TRACKING_URI=http://mlflow.ml-platform:5000 argento exec -- python train.py
      argento exec --print-env
    """
    base = dict(os.environ)
    if server:
        base["ARGENTO_SERVER"] = server
    settings = Settings.from_env(base)
    env = platform_environ(settings, base, namespace=namespace)
    if print_env:
        for key in sorted(env):
            if env[key] != base.get(key):
                click.echo(f"{key}={env[key]}")
        return
    if not command:
        raise click.UsageError("give the command to run: argento exec -- CMD [ARGS]…")
    sys.stdout.flush()
    try:
        os.execvpe(command[0], list(command), env)
    except FileNotFoundError:
        raise NotFound(f"exec: {command[0]!r}: command not found") from None
    except PermissionError:
        raise ArgentoError(f"exec: {command[0]!r}: permission denied") from None


@click.command("aliases")
@click.argument("addresses", nargs=-1)
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def aliases(addresses: tuple[str, ...], output: str) -> None:
    """Show the service-alias table (in-cluster names → local services), or resolve ADDRESSES through it.

    \b
    Examples:
      argento aliases
      argento aliases http://mlflow.ml-platform:5000 minio.data-services:9000
    """
    import json

    from argento.cluster import SERVICES
    from argento.tracking.targets import Targets

    settings = Settings.from_env()
    targets = Targets(settings)
    if addresses:
        resolved = {a: targets.table.rewrite(a, targets) for a in addresses}
        if output == "json":
            click.echo(json.dumps(resolved, indent=2))
        else:
            for address, url in resolved.items():
                click.echo(f"{address} -> {url}")
        return
    rows = []
    for entry in targets.table.entries:
        try:
            now = targets(entry) if entry.service != "artifacts" else _artifacts_now(settings)
        except ArgentoError as exc:
            now = f"({str(exc).split(':')[0]})" if entry.service != "mlflow" else "(not running: argento up)"
        rows.append({"pattern": entry.pattern, "target": entry.target, "now": now, "source": entry.source})
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from argento.cli.remote import echo_lines, table

    echo_lines(
        table(
            ["PATTERN", "TARGET", "RESOLVES TO", "SOURCE"],
            [[r["pattern"], r["target"], r["now"], r["source"]] for r in rows],
        )
    )
    click.echo("")
    for name, meaning in SERVICES.items():
        click.echo(f"{name}: {meaning}")


def _artifacts_now(settings: Settings) -> str:
    from argento.artifacts.config import default_repository

    repo = default_repository(settings)
    if repo.kind == "s3":
        s3 = repo.spec["s3"]
        return f"s3 {s3.get('endpoint') or 'AWS'} (bucket from the artifact)"
    return f"local folder {repo.local_path(settings)} (<bucket>/<key>)"


__all__ = ["CLIENT_VARIABLES", "aliases", "exec_", "platform_environ"]
