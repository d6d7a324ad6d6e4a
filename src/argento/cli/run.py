"""``argento run``: run an Argo Workflow on this machine, in the foreground, with a live tree."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from typing import Any

import click

from argento.cli.tree import render_summary, render_tree
from argento.config import Settings
from argento.errors import SpecError, SpecErrors


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    """``-p name=value`` pairs."""
    out: dict[str, str] = {}
    for item in values:
        if "=" not in item:
            raise SpecError(f"parameter {item!r} must be NAME=VALUE")
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out


class _LiveView:
    """Redraws the node tree in a terminal; prints one line per node transition otherwise."""

    def __init__(self, runner: Any, tty: bool) -> None:
        self.runner = runner
        self.tty = tty
        self.lines = 0
        self.last = 0.0
        self.printed: dict[str, str] = {}

    def on_change(self, state: Any, node: Any) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self.last > 0.1:
                self.last = now
                self.redraw()
        elif node.type.value in ("Pod", "Suspend", "HTTP", "Skipped") or node.id == state.workflow_name:
            phase = str(node.phase)
            if self.printed.get(node.id) != phase:
                self.printed[node.id] = phase
                msg = f"  {node.message}" if node.message else ""
                click.echo(f"{node.name}: {phase}{msg}", err=True)

    def redraw(self) -> None:
        lines = render_tree(self.runner.to_workflow())
        out = sys.stderr
        if self.lines:
            out.write(f"\x1b[{self.lines}F\x1b[J")
        out.write("\n".join(lines) + "\n")
        out.flush()
        self.lines = len(lines)


@click.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-p", "--parameter", "parameters", multiple=True, help="Workflow parameter NAME=VALUE (repeatable).")
@click.option("--entrypoint", default=None, help="Template to start from instead of spec.entrypoint.")
@click.option("--templates", "templates", multiple=True, type=click.Path(exists=True), help="File or folder of WorkflowTemplates / ConfigMaps.")
@click.option("--executor", default="local", type=click.Choice(["local", "fake", "ray"]), show_default=True,
              help="Where steps run: host processes, nothing (tests), or Ray tasks (ARGENTO_RAY_ADDRESS).")
@click.option("-o", "--output", type=click.Choice(["wide", "json", "yaml", "name"]), default=None, help="Print the final workflow.")
@click.option("--keep", is_flag=True, help="Print where the step logs of this run are kept.")
@click.option("--no-lint", is_flag=True, help="Run without linting first.")
def run(
    file: str,
    parameters: tuple[str, ...],
    entrypoint: str | None,
    templates: tuple[str, ...],
    executor: str,
    output: str | None,
    keep: bool,
    no_lint: bool,
) -> None:
    """Run an Argo Workflow locally and exit 0 iff it Succeeded.

    \b
    Example:
      argento run examples/hello-dag.yaml -p dataset=iris
    """
    from argento.engine import RunOptions
    from argento.engine.inputs import load_run_inputs

    settings = Settings.from_env()
    inputs = load_run_inputs(file, list(templates))
    if not no_lint:
        _lint(inputs)
    options = RunOptions(
        settings=settings,
        executor_name=executor,
        entrypoint=entrypoint,
        parameters=parse_params(parameters),
        registry=inputs.registry,
        configmaps=inputs.configmaps,
        time_scale=settings.sleep_scale,
    )
    # Artifacts (default repository, artifactRepositoryRef from the given ConfigMaps) and local secrets.
    from argento.artifacts import build_driver
    from argento.secrets import SecretResolver, SecretStore

    options.secrets = SecretResolver(SecretStore(settings.home))
    options.artifacts = build_driver(settings, configmaps=inputs.configmaps, secrets=options.secrets)
    # Steps get ARGENTO_HOME/ARGENTO_SERVER and, with a tracking server, MLFLOW_TRACKING_URI (argento.tracking).
    from argento.tracking import StepPlatform

    options.platform = StepPlatform.from_settings(settings)
    result = asyncio.run(_run(inputs.workflow, options, output is None))
    phase = (result.get("status") or {}).get("phase")
    run_dir = settings.runs_dir / result["metadata"]["name"]
    run_dir.mkdir(parents=True, exist_ok=True)
    # The final workflow is kept beside the step logs (`argento artifacts`, `argento get` of local runs read it).
    (run_dir / "workflow.json").write_text(json.dumps(result, indent=2))
    if output in ("json", "yaml"):
        _emit(result, output)
    elif output == "name":
        click.echo(result["metadata"]["name"])
    else:
        click.echo("\n".join(render_summary(result)))
        click.echo("")
        click.echo("\n".join(render_tree(result, wide=output == "wide")))
    if keep:
        click.echo(f"\nLogs: {settings.runs_dir / result['metadata']['name']}", err=True)
    sys.exit(0 if phase == "Succeeded" else 1)


def _emit(result: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump(result, sort_keys=False))


def _lint(inputs: Any) -> None:
    try:
        from argento.spec.lint import lint_documents
    except ImportError:  # pragma: no cover - lint ships with spec
        return
    report = lint_documents([inputs.document], templates=inputs.template_documents)
    if report.errors:
        raise SpecErrors([SpecError(p.message, path=p.path, location=p.location) for p in report.errors])


async def _run(workflow: dict[str, Any], options: Any, live: bool) -> dict[str, Any]:
    from argento.engine import WorkflowRunner

    runner = WorkflowRunner(workflow, options)
    if live:
        view = _LiveView(runner, sys.stderr.isatty())
        runner.state.subscribe(view.on_change)
    loop = asyncio.get_running_loop()
    interrupts = 0

    def on_sigint() -> None:
        nonlocal interrupts
        interrupts += 1
        strategy = "Stop" if interrupts == 1 else "Terminate"
        click.echo(f"\n{strategy}ping workflow (Ctrl-C again to terminate)" if interrupts == 1 else "\nTerminating", err=True)
        runner.stop(strategy)

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        result = await runner.run()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if runner._executor is not None:
            await runner._executor.close()
    if live and sys.stderr.isatty():
        click.echo("", err=True)
    return result
