"""``argento run``: run an Argo Workflow on this machine, in the foreground, with a live tree."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from argento.cli.tree import render_summary, render_tree
from argento.config import Settings
from argento.paths import safe_join


def parse_params(values: tuple[str, ...], parameter_file: str | None = None) -> dict[str, str]:
    """``-p name=value`` pairs, then those of ``--parameter-file`` (Argo's ``ReadParametersFile``)."""
    from argento.spec.submit import parameters_file_items, parse_parameter

    items = [*values, *(parameters_file_items(parameter_file) if parameter_file else [])]
    return dict(parse_parameter(item) for item in items)


class _LiveView:
    """Redraws the node tree in a terminal; prints one line per node transition otherwise."""

    def __init__(self, runner: Any, tty: bool) -> None:
        self.runner = runner
        self.tty = tty
        self.lines = 0
        self.last = 0.0
        self.printed: dict[str, str] = {}
        #: set while a break point's shell has the terminal (cli/breakpoints.py)
        self.paused = False

    def redraw_now(self) -> None:
        if self.tty:
            self.redraw()

    def on_change(self, state: Any, node: Any) -> None:
        if self.paused:
            return
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
@click.option(
    "-p", "--parameter", "parameters", multiple=True, help="Workflow parameter NAME=VALUE (repeatable)."
)
@click.option(
    "-f",
    "--parameter-file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML/JSON file of NAME: VALUE parameters (as argo submit's --parameter-file).",
)
@click.option("--entrypoint", default=None, help="Template to start from instead of spec.entrypoint.")
@click.option(
    "--templates",
    "templates",
    multiple=True,
    type=click.Path(exists=True),
    help="File or folder of WorkflowTemplates / ConfigMaps.",
)
@click.option(
    "--executor",
    default="local",
    type=click.Choice(["local", "fake", "ray"]),
    show_default=True,
    help="Where steps run: host processes, nothing (tests), or Ray tasks (ARGENTO_RAY_ADDRESS).",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["wide", "json", "yaml", "name"]),
    default=None,
    help="Print the final workflow.",
)
@click.option("--keep", is_flag=True, help="Print where the step logs of this run are kept.")
@click.option("--no-lint", is_flag=True, help="Run without linting first.")
@click.option(
    "--workdir",
    default=None,
    type=click.Path(exists=True, file_okay=False),
    help="Folder relative scripts (command: [python, train.py]) are found in  [default: FILE's folder]",
)
@click.option(
    "--break",
    "break_at",
    multiple=True,
    metavar="STEP",
    help="Pause before STEP (display or node name) and open a shell in its environment (repeatable).",
)
@click.option(
    "--break-on-failure",
    is_flag=True,
    help="Pause after a step's attempt fails and open a shell in its environment.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Run again whenever the workflow or a file its steps name changes (with --cache); Ctrl-C quits.",
)
@click.option(
    "--cache",
    is_flag=True,
    help="Skip steps whose template, inputs, input artifacts and named files are unchanged since a run "
    "that succeeded (a content-hash cache; ARGENTO_CACHE chooses where it lives).",
)
@click.option(
    "--strict-images",
    is_flag=True,
    default=None,
    help="Refuse images with no local runtime mapping instead of running them on the host  "
    "[env ARGENTO_STRICT_IMAGES].",
)
def run(
    file: str,
    parameters: tuple[str, ...],
    parameter_file: str | None,
    entrypoint: str | None,
    templates: tuple[str, ...],
    executor: str,
    output: str | None,
    keep: bool,
    no_lint: bool,
    workdir: str | None,
    break_at: tuple[str, ...],
    break_on_failure: bool,
    watch: bool,
    cache: bool,
    strict_images: bool | None,
) -> None:
    """Run an Argo Workflow locally and exit 0 iff it Succeeded.

    A step's relative script (`command: [python, train.py]`) is looked up in FILE's folder (or --workdir).

    \b
    Example:
      argento run examples/hello-dag.yaml -p dataset=iris
    """
    settings = Settings.from_env()
    if strict_images:
        settings = dataclasses.replace(settings, strict_images=True)
    if executor == "local":
        from argento.executors.local import isolation_warning

        warning = isolation_warning(settings)
        if warning:
            click.echo(f"warning: {warning}", err=True)
    warned: set[str] = set()
    info = RunInfo(
        file=str(Path(file).resolve()),
        templates=[str(Path(t).resolve()) for t in templates],
        entrypoint=entrypoint,
        executor=executor,
        workdir=os.path.abspath(workdir or os.path.dirname(os.path.abspath(file))),
    )

    def once() -> tuple[int, bool, Any]:
        inputs = _load_inputs(file, templates, no_lint, info.workdir, settings)
        _warn_images(inputs, settings, warned)
        options = build_options(settings, inputs, info, parameters=parse_params(parameters, parameter_file))
        if cache or watch:
            from argento.engine.cache import StepCache

            options.cache = StepCache(options.memo, source_dir=Path(info.workdir))
        options.debug = _breakpoints(break_at, break_on_failure, inputs.workflow)
        outcome: dict[str, bool] = {}
        code = run_locally(
            inputs.workflow, options, settings, info, output=output, keep=keep, outcome=outcome
        )
        return code, outcome.get("interrupted", False), inputs

    if watch:
        from argento.cli.watch import watch_loop

        sys.exit(watch_loop(file, list(templates), parameter_file, once))
    sys.exit(once()[0])


@dataclass
class RunInfo:
    """How a local run was started, kept as ``run.json`` beside its ``workflow.json`` (``argento rerun``)."""

    file: str = ""
    templates: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    executor: str = "local"
    #: the folder relative scripts are found in (the workflow's ``workflows.argento.io/workdir``)
    workdir: str = ""

    def save(self, run_dir: Path) -> None:
        (run_dir / RUN_INFO).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, run_dir: Path) -> RunInfo:
        """The run's ``run.json`` (an empty `RunInfo` for runs that have none)."""
        try:
            data = json.loads((run_dir / RUN_INFO).read_text())
        except (OSError, ValueError):
            return cls()
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


RUN_INFO = "run.json"


def _breakpoints(steps: Sequence[str], on_failure: bool, workflow: dict[str, Any]) -> Any:
    """``--break``/``--break-on-failure`` (they need a terminal); on a terminal, a template's
    ``ARGO_DEBUG_PAUSE_*`` opens the same shell; else None (Argo's marker files release a paused step)."""
    if steps or on_failure:
        from argento.cli.breakpoints import TerminalBreakpoints

        return TerminalBreakpoints(steps, on_failure)
    if "ARGO_DEBUG_PAUSE_" in json.dumps(workflow) and sys.stdin.isatty():
        from argento.cli.breakpoints import BreakError, TerminalBreakpoints

        try:
            return TerminalBreakpoints((), False)
        except BreakError:
            return None
    return None


def _load_inputs(file: str, templates: Sequence[str], no_lint: bool, workdir: str, settings: Settings) -> Any:
    """Parsed and linted (unless ``no_lint``), or as checked by an earlier run of the same files
    (:mod:`argento.cli.checked`)."""
    from argento.cli.checked import load_checked
    from argento.engine.workdir import ANNOTATION

    inputs = load_checked(file, list(templates), lint=not no_lint, home=settings.home)
    annotations = inputs.workflow.setdefault("metadata", {}).setdefault("annotations", {})
    annotations.setdefault(ANNOTATION, workdir)
    return inputs


def _warn_images(inputs: Any, settings: Settings, warned: set[str]) -> None:
    """One ``warning:`` line per image without a local mapping (its steps run on the host, or are refused):
    lint's image check (``argento.spec.lint.images``) of the images the manifests name."""
    if not inputs.images:
        return
    from argento.executors.images import image_check

    check = image_check(settings)
    for image, _path, location, filename in inputs.images:
        message = check(image)
        if message and message not in warned:  # --watch runs again: said once
            warned.add(message)
            click.echo(f"warning: {location or filename}: {message}", err=True)


def build_options(
    settings: Settings,
    inputs: Any,
    info: RunInfo,
    *,
    parameters: dict[str, str] | None = None,
    registry: Any = None,
    configmaps: dict[str, dict[str, str]] | None = None,
) -> Any:
    """The engine's `RunOptions` of a local run: executor, artifacts, secrets, platform hooks."""
    from argento.engine import RunOptions

    configmaps = inputs.configmaps if configmaps is None else configmaps
    options = RunOptions(
        settings=settings,
        executor_name=info.executor,
        entrypoint=info.entrypoint,
        parameters=parameters or {},
        registry=inputs.registry if registry is None else registry,
        configmaps=configmaps,
        time_scale=settings.sleep_scale,
    )
    # Artifacts (default repository, artifactRepositoryRef from the given ConfigMaps) and local secrets.
    from argento.artifacts import build_driver
    from argento.secrets import SecretResolver, SecretStore

    options.secrets = SecretResolver(SecretStore(settings.home))
    options.artifacts = build_driver(settings, configmaps=configmaps, secrets=options.secrets)
    # Steps get ARGENTO_HOME/ARGENTO_SERVER and, with a tracking server, MLFLOW_TRACKING_URI (argento.tracking).
    from argento.tracking import StepPlatform

    options.platform = StepPlatform.from_settings(settings)
    # memoize entries (and --cache's) in <home>/memo or, with ARGENTO_CACHE, in an artifact repository
    from argento.engine.shared_cache import memo_store

    options.memo = memo_store(settings, secrets=options.secrets)
    return options


def run_locally(
    workflow: dict[str, Any],
    options: Any,
    settings: Settings,
    info: RunInfo,
    *,
    output: str | None,
    keep: bool = False,
    live: bool | None = None,
    outcome: dict[str, bool] | None = None,
) -> int:
    """Run ``workflow`` in the foreground, keep it in ``<home>/runs/<name>/``, print it; the exit code.

    ``outcome["interrupted"]`` tells whether Ctrl-C stopped the run."""
    from argento.cli.main import collect_from_now

    collect_from_now()  # the engine's modules are loaded: a long run collects its garbage as usual
    result, interrupted = asyncio.run(_run(workflow, options, output is None if live is None else live))
    if outcome is not None:
        outcome["interrupted"] = interrupted
    phase = (result.get("status") or {}).get("phase")
    run_dir = safe_join(settings.runs_dir, result["metadata"]["name"], what="workflow name")
    run_dir.mkdir(parents=True, exist_ok=True)
    # The final workflow is kept beside the step logs (`argento artifacts`, `argento rerun` read it).
    (run_dir / "workflow.json").write_text(json.dumps(result, indent=2))
    info.save(run_dir)
    share = getattr(options.memo, "save_run", None)
    if share is not None:  # ARGENTO_CACHE is a repository: another machine can `argento rerun` this run
        share(
            result["metadata"].get("namespace", ""),
            result["metadata"]["name"],
            {"workflow": result, "run": asdict(info)},
        )
    if output in ("json", "yaml"):
        _emit(result, output)
    elif output == "name":
        click.echo(result["metadata"]["name"])
    else:
        click.echo("\n".join(render_summary(result)))
        click.echo("")
        click.echo("\n".join(render_tree(result, wide=output == "wide")))
    if keep:
        click.echo(f"\nLogs: {run_dir}", err=True)
    if options.cache is not None and output is None:
        ran, hits = len(options.cache.misses), len(options.cache.hits)
        where = getattr(options.memo, "url", "") or getattr(options.memo, "root", "")
        click.echo(f"Cache: {hits} step(s) reused, {ran} ran ({where})", err=True)
    return 0 if phase == "Succeeded" else 1


def _emit(result: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump(result, sort_keys=False))


async def _run(workflow: dict[str, Any], options: Any, live: bool) -> tuple[dict[str, Any], bool]:
    from argento.engine import WorkflowRunner

    runner = WorkflowRunner(workflow, options)
    if live:
        view = _LiveView(runner, sys.stderr.isatty())
        runner.state.subscribe(view.on_change)
        if options.debug is not None and hasattr(options.debug, "view"):
            options.debug.view = view
    loop = asyncio.get_running_loop()
    interrupts = 0

    def on_sigint() -> None:
        nonlocal interrupts
        interrupts += 1
        strategy = "Stop" if interrupts == 1 else "Terminate"
        click.echo(
            f"\n{strategy}ping workflow (Ctrl-C again to terminate)" if interrupts == 1 else "\nTerminating",
            err=True,
        )
        runner.stop(strategy)

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        result = await runner.run()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if runner._executor is not None:
            await runner._executor.close()
        close_breaks = getattr(options.debug, "close", None)
        if close_breaks is not None:
            close_breaks()
    if live and sys.stderr.isatty():
        click.echo("", err=True)
    return result, interrupts > 0
