"""The ``bentoml`` command of the compatibility layer (``argento exec``, steps of ``bentoml/bentoml*`` images).

.. code-block:: bash

    bentoml deploy --yatai-endpoint=http://yatai.ml-platform:3000 my-model:latest   # the guide's pipeline step
    bentoml build [BUILD_CTX] [-f bentofile.yaml] [--version V]
    bentoml serve [service:Class | TAG] [--port 3000]
    bentoml models list [NAME]          bentoml list [NAME]          bentoml models get TAG

Failures print one line ``error: …`` and exit with the code Argento uses (2: not found, 3: unavailable, …).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from argento.errors import ArgentoError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArgentoError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _EQUIVALENTS:
            raise click.UsageError(
                f"`bentoml {cmd_name}` is not provided by Argento: use {_EQUIVALENTS[cmd_name]}"
            )
        return command


_EQUIVALENTS = {
    "containerize": "`argento containerize TAG`",
    "push": "`argento bentos export TAG DEST`",
    "pull": "`argento bentos import FILE`",
    "cloud": "the Argento server (ARGENTO_SERVER); `argento deployments …`",
    "deployment": "`bentoml deploy` or `argento deployments …`",
    "export": "`argento bentos export TAG DEST`",
    "import": "`argento bentos import FILE`",
}


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    message="bentoml, Argento's compatibility layer %(version)s", version=__import__("argento").__version__
)
def cli() -> None:
    """BentoML's command, backed by Argento (models, bentos and deployments of ARGENTO_HOME / ARGENTO_SERVER)."""


@cli.command("deploy")
@click.argument("bento", required=False)
@click.option("-n", "--name", default=None, help="Deployment name (default: the bento's or model's name).")
@click.option("--namespace", default=None, help="Namespace  [env ARGENTO_NAMESPACE]")
@click.option("--replicas", type=click.IntRange(0, 256), default=None, help="Replica count (default 1).")
@click.option("--scaling-min", type=int, default=None, help="Autoscaling: minimum replicas.")
@click.option("--scaling-max", type=int, default=None, help="Autoscaling: maximum replicas.")
@click.option("--env", "envs", multiple=True, metavar="KEY=VALUE", help="Replica environment (repeatable).")
@click.option(
    "--yatai-endpoint",
    "--endpoint",
    "endpoint",
    default=None,
    metavar="URL",
    help="Yatai endpoint: resolved through the service-alias table to the Argento server.",
)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the deployment serves.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds --wait waits.")
def deploy_cmd(
    bento: str | None,
    name: str | None,
    namespace: str | None,
    replicas: int | None,
    scaling_min: int | None,
    scaling_max: int | None,
    envs: tuple[str, ...],
    endpoint: str | None,
    wait: bool,
    timeout: float,
) -> None:
    """Deploy BENTO (a bento or model tag, or a folder with a bentofile; default: this folder)."""
    from argento.compat.bentoml.yatai import deploy

    pairs = [e.partition("=") for e in envs]
    if any(not sep for _, sep, _ in pairs):
        raise click.UsageError("--env takes KEY=VALUE")
    view = deploy(
        bento or ".",
        name,
        namespace=namespace,
        replicas=replicas,
        scaling_min=scaling_min,
        scaling_max=scaling_max,
        envs={k: v for k, _, v in pairs} or None,
        endpoint=endpoint,
        wait=wait,
        timeout=timeout,
    )
    status = view.get("status") or {}
    ready = sum(v.get("ready", 0) for v in (status.get("variants") or {}).values())
    click.echo(
        f"deployment {view['name']} (namespace {view.get('namespace')}): {status.get('phase', 'created')}, "
        f"{ready} replica(s) ready"
    )


@cli.command("build")
@click.argument("build_ctx", required=False, default=".")
@click.option(
    "-f", "--bentofile", default=None, help="Build file (default: bentofile.yaml, then argento.yaml)."
)
@click.option("--version", default=None, help="Bento version (default: generated).")
@click.option("--name", default=None, help="Bento name.")
@click.option("-o", "--output", type=click.Choice(["default", "tag"]), default="default", show_default=True)
def build_cmd(
    build_ctx: str, bentofile: str | None, version: str | None, name: str | None, output: str
) -> None:
    """Build a bento from BUILD_CTX's bentofile.yaml (or argento.yaml)."""
    from argento.compat.bentoml.bentos import build

    bento = build(build_ctx=build_ctx, bentofile=bentofile, version=version, name=name)
    click.echo(
        bento.tag if output == "tag" else f'Successfully built Bento(tag="{bento.tag}") at {bento.path}'
    )


@cli.command("serve", context_settings={"ignore_unknown_options": True})
@click.argument("target", required=False)
@click.option("-p", "--port", default=3000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--working-dir", default=".", show_default=True)
def serve_cmd(target: str | None, port: int, host: str, working_dir: str) -> None:
    """Serve TARGET (service:Class, a bento tag, or the service of this folder's bentofile) with `argento serve`."""
    if not target or target == ".":
        from argento.compat.bentoml.bentos import BUILD_FILES
        from argento.deployments.bentos import BuildConfig

        file = next(
            (
                os.path.join(working_dir, f)
                for f in BUILD_FILES
                if os.path.isfile(os.path.join(working_dir, f))
            ),
            None,
        )
        if file is None:
            raise click.UsageError(
                "give a service (module:Class) or a bento tag, or run where a bentofile.yaml is"
            )
        target = BuildConfig.load(file).service
    argv = [
        sys.executable,
        "-m",
        "argento",
        "serve",
        target,
        "--port",
        str(port),
        "--host",
        host,
        "--working-dir",
        working_dir,
    ]
    os.execv(argv[0], argv)


@cli.group("models", cls=_Group)
def models() -> None:
    """The model store: list, get, delete."""


@models.command("list")
@click.argument("name", required=False)
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def models_list(name: str | None, output: str) -> None:
    """List models (of NAME), newest first."""
    from argento.compat.bentoml import models as store

    items = store.list(name)
    if output == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "tag": m.tag,
                        "framework": m.framework,
                        "size": m.size_bytes,
                        "creation_time": m.created_at.isoformat(),
                    }
                    for m in items
                ],
                indent=2,
            )
        )
        return
    _table(
        ["Tag", "Module", "Size", "Creation Time"],
        [
            [m.tag, f"bentoml.{m.framework}", str(m.size_bytes), m.created_at.strftime("%Y-%m-%d %H:%M:%S")]
            for m in items
        ],
    )


@models.command("get")
@click.argument("tag")
def models_get(tag: str) -> None:
    """Show one model version."""
    from argento.compat.bentoml import models as store

    click.echo(json.dumps(store.get(tag).to_dict(), indent=2, default=str))


@models.command("delete")
@click.argument("tag")
@click.option("-y", "--yes", is_flag=True, help="Do not ask.")
def models_delete(tag: str, yes: bool) -> None:
    """Delete a model version."""
    from argento.compat.bentoml import models as store

    store.delete(tag)
    click.echo(f"Model({tag}) deleted")


@cli.command("list")
@click.argument("name", required=False)
def bentos_list(name: str | None) -> None:
    """List bentos (of NAME), newest first."""
    from argento.compat.bentoml.bentos import list as bentos

    _table(
        ["Tag", "Service", "Creation Time"],
        [[b.tag, b.service, b.created_at.strftime("%Y-%m-%d %H:%M:%S")] for b in bentos(name)],
    )


@cli.command("get")
@click.argument("tag")
def bentos_get(tag: str) -> None:
    """Show one bento."""
    from argento.compat.bentoml.bentos import get

    click.echo(json.dumps(get(tag).to_dict(), indent=2, default=str))


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code. With the real BentoML installed, its command runs instead."""
    from argento.compat import real_bentoml_installed

    if real_bentoml_installed():
        args = sys.argv[1:] if argv is None else argv
        os.execv(sys.executable, [sys.executable, "-m", "bentoml", *args])
    try:
        cli.main(args=argv, prog_name="bentoml", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
