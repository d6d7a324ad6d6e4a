"""``argento serve``: serve an ``@argento.service`` class over HTTP (SPEC §3.3)."""

from __future__ import annotations

import sys

import click


@click.command("serve")
@click.argument("target")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=3000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--uds", default=None, metavar="PATH", help="Serve on a Unix domain socket instead of host:port."
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Worker processes (default: the service's)."
)
@click.option("--reload", is_flag=True, help="Restart when a .py file under the working directory changes.")
@click.option("--working-dir", default=".", show_default=True, help="Directory the module is imported from.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="One line per request.")
@click.option("--version", "version", default="dev", show_default=True, help="Version label of the metrics.")
@click.option(
    "--graceful-timeout",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds in-flight requests get to finish on SIGTERM.",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.option(
    "--reuse-env",
    is_flag=True,
    help="Bento targets: serve from this interpreter instead of the bento's isolated virtualenv (dev).",
)
def serve(
    target: str,
    host: str,
    port: int,
    uds: str | None,
    workers: int | None,
    reload: bool,
    working_dir: str,
    access_log: bool,
    version: str,
    graceful_timeout: float,
    log_level: str,
    reuse_env: bool,
) -> None:
    """Serve TARGET (module:ServiceClass, or a bento tag NAME[:VERSION]) with one route per API.

    Routes: POST /<api> per API, GET /livez /healthz /readyz (200 once models loaded and startup hooks ran),
    /metrics (Prometheus), /docs.json (OpenAPI 3) and a docs page at /. Errors are JSON {"error","detail"}.

    \b
    Example:
      python examples/train_iris.py
      argento serve examples.service:MyMLService --port 3000
      curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
    """
    from argento.deployments.find import find_bento, names_a_module

    bento = find_bento(target)
    if bento is None and not names_a_module(target):
        from argento.errors import NotFound

        raise NotFound(f"bento {target} not found (argento bentos list)")
    if bento is not None:  # a bento tag: serve it from its own environment (argento.deployments.bentos.env)
        from argento.deployments.bentos.env import exec_serve

        extra = ["--log-level", log_level, *([] if access_log else ["--no-access-log"])]
        extra += ["--workers", str(workers)] if workers else []
        extra += ["--uds", uds] if uds else []
        sys.exit(exec_serve(bento, port=port, host=host, reuse_env=reuse_env, extra=extra))
    from argento.serving.runtime import ServeOptions
    from argento.serving.runtime import serve as run

    options = ServeOptions(
        target=target,
        host=host,
        port=port,
        uds=uds,
        workers=workers,
        reload=reload,
        access_log=access_log,
        version=version,
        graceful_timeout=graceful_timeout,
        log_level=log_level,
        working_dir=working_dir,
    )
    code = run(options)
    if code:
        sys.exit(code)
