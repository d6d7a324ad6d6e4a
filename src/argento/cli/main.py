"""Entry point of the ``argento`` command.

Every command raises :class:`~argento.errors.ArgentoError` on failure; this module turns it into a
one-line ``error: …`` on stderr and the error's exit code (a traceback only with ``--debug``).
"""

from __future__ import annotations

import gc
import importlib
import sys
import traceback
from typing import Any

import click

from argento.errors import ArgentoError
from argento.version import __version__

# command name -> "module:attribute"; imported lazily so `argento --help` stays fast.
COMMANDS: dict[str, str] = {
    "aliases": "argento.cli.environment:aliases",
    "artifacts": "argento.cli.artifacts:artifacts",
    "auth": "argento.cli.auth:auth",
    "server": "argento.cli.server:server",
    "up": "argento.cli.up:up",
    "down": "argento.cli.up:down",
    "describe": "argento.cli.describe:describe",
    "platform": "argento.cli.platform:platform",
    "quickstart": "argento.quickstart.cli:quickstart",
    "exec": "argento.cli.environment:exec_",
    "lint": "argento.cli.lint:lint",
    "models": "argento.cli.models:models",
    "monitoring": "argento.cli.monitoring:monitoring",
    "run": "argento.cli.run:run",
    "secret": "argento.cli.secret:secret",
    "serve": "argento.cli.serve:serve",
    # server clients (argento.client): workflows, templates, cron, archive
    "submit": "argento.cli.workflows:submit",
    "list": "argento.cli.workflows:list_",
    "get": "argento.cli.workflows:get",
    "delete": "argento.cli.workflows:delete",
    "logs": "argento.cli.streams:logs",
    "watch": "argento.cli.streams:watch",
    "wait": "argento.cli.streams:wait",
    "retry": "argento.cli.actions:retry",
    "resubmit": "argento.cli.actions:resubmit",
    "rerun": "argento.cli.rerun:rerun",
    "stop": "argento.cli.actions:stop",
    "terminate": "argento.cli.actions:terminate",
    "suspend": "argento.cli.actions:suspend",
    "resume": "argento.cli.actions:resume",
    "template": "argento.cli.templates:template",
    "cluster-template": "argento.cli.templates:cluster_template",
    "cron": "argento.cli.cron:cron",
    "archive": "argento.cli.archive:archive",
    # bentos and deployments (argento.deployments)
    "build": "argento.cli.build:build",
    "containerize": "argento.cli.build:containerize",
    "bentos": "argento.cli.build:bentos",
    "deploy": "argento.cli.deployments:deploy",
    "deployments": "argento.cli.deployments:deployments",
}


#: Commands that turn the garbage collector back on themselves (`collect_from_now`) once their start-up
#: imports are done: ``run`` imports the engine, executors and artifacts before it starts the workflow.
DEFERRED_GC = frozenset({"run"})
#: Commands that never resolve a model reference: they do not register MLflow's model source
#: (``argento.tracking.sources``, which every other command gets before it runs).
NO_MODEL_SOURCES = frozenset({"run"})


def collect_from_now() -> None:
    """End start-up: what exists now (modules, classes, the command's set-up) is frozen out of every later
    collection, and collection resumes. `main` disables the collector while the command's modules load: the
    objects they make live as long as the process, and collecting among them frees nothing (≈5 ms of an
    ``argento run``). Idempotent; a no-op outside `main` (the collector is on)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError:  # a command whose subsystem is not built yet
            return None
        if cmd_name not in NO_MODEL_SOURCES:
            from argento.tracking import sources  # noqa: F401  (registers MLflow's: `mlflow:models:/…`)
        if cmd_name not in DEFERRED_GC:
            collect_from_now()
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArgentoError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="argento")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Argento: run Argo workflows locally, serve and deploy models.

    \b
    Example:
      argento run examples/hello-dag.yaml
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point.

    The garbage collector is off while the command loads (`collect_from_now`), and everything left is frozen
    at the end: the interpreter's last collection then skips the objects of every module it is about to free
    anyway (≈13 ms of a short command). Atexit handlers, flushing and module teardown run as always."""
    gc.disable()
    try:
        cli.main(args=argv, prog_name="argento", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
