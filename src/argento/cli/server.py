"""``argento server``: serve Argo Server's REST API, run workflows, crons and events (SPEC §2.7)."""

from __future__ import annotations

import contextlib

import click

from argento.config import Settings


@click.command("server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=2746, show_default=True, type=click.IntRange(0, 65535), help="Port to bind.")
@click.option(
    "--auth-mode",
    type=click.Choice(["server", "client"]),
    default="server",
    show_default=True,
    help="client: every request needs a token from `argento auth token create`.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "fake", "ray"]),
    default="local",
    show_default=True,
    help="Where workflow steps run.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
)
@click.option(
    "--keep-deployments",
    is_flag=True,
    help="On exit, leave the deployments' replica processes serving (the next server re-adopts them; "
    "`argento down` stops them).",
)
@click.option(
    "--strict-images",
    is_flag=True,
    default=None,
    help="Refuse images with no local runtime mapping instead of running them on the host  "
    "[env ARGENTO_STRICT_IMAGES].",
)
def server(
    host: str,
    port: int,
    auth_mode: str,
    executor: str,
    log_level: str,
    keep_deployments: bool,
    strict_images: bool | None,
) -> None:
    """Serve the Argo Workflows API (and /metrics) until interrupted.

    Unfinished workflows of the store are resumed at start. A non-loopback address needs --auth-mode client.
    Ctrl-C or SIGTERM stops the server and its deployments' replica processes (unless --keep-deployments);
    the deployments themselves are kept and start again with the next server.

    \b
    Example:
      argento server --port 2746
      argento auth token create --name ci && argento server --host 0.0.0.0 --auth-mode client
    """
    import logging

    import uvicorn

    from argento.server import create_app
    from argento.server.auth import check_bind

    check_bind(host, auth_mode)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import dataclasses

    settings = Settings.from_env()
    if strict_images:
        settings = dataclasses.replace(settings, strict_images=True)
    if executor == "local":
        from argento.executors.local import isolation_warning

        warning = isolation_warning(settings)
        if warning:
            logging.getLogger("argento.server").warning("%s", warning)
            click.echo(f"warning: {warning}", err=True)
    if settings.server == Settings.server:  # no ARGENTO_SERVER: steps (`argento deploy …`) reach this server
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        settings = dataclasses.replace(settings, server=f"http://{local}:{port}")
    from argento import logrepeat
    from argento.store.reserve import RESERVE_BYTES

    # The server holds a disk reserve to record end states on a full disk (SPEC §6 R5).
    app = create_app(
        settings,
        executor_name=executor,
        auth_mode=auth_mode,
        stop_replicas=not keep_deployments,
        disk_reserve=RESERVE_BYTES,
        host=host,
    )
    click.echo(f"argento server on http://{host}:{port} (auth mode: {auth_mode})", err=True)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on")
    logrepeat.install()  # after uvicorn configured its loggers: a failure repeated per request is logged once
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # as uvicorn.run: the port was taken, the app failed to start, …
        raise SystemExit(3)
    if keep_deployments:
        from argento.deployments.backends.local import running_replicas

        kept = len(running_replicas(settings))
        if kept:
            click.echo(f"{kept} replica(s) keep serving; `argento down` stops them", err=True)
