"""``argento server``: serve Argo Server's REST API, run workflows, crons and events (SPEC §2.7)."""

from __future__ import annotations

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
def server(host: str, port: int, auth_mode: str, executor: str, log_level: str) -> None:
    """Serve the Argo Workflows API (and /metrics) until interrupted.

    Unfinished workflows of the store are resumed at start. A non-loopback address needs --auth-mode client.

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
    if settings.server == Settings.server:  # no ARGENTO_SERVER: steps (`argento deploy …`) reach this server
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        settings = dataclasses.replace(settings, server=f"http://{local}:{port}")
    app = create_app(settings, executor_name=executor, auth_mode=auth_mode)
    click.echo(f"argento server on http://{host}:{port} (auth mode: {auth_mode})", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on")
