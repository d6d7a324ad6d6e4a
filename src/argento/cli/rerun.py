"""``argento rerun WF --from STEP``: run a finished workflow again from some of its steps (Argento extension).

The new workflow (``<WF>-xxxxx``, Argo's resubmit label) reuses the recorded outputs of every step that does
not depend on the ``--from`` steps and whose inputs did not change (``-p`` changes parameters); the rest runs
(``argento.engine.rerun``). WF is a local run kept in ``<ARGENTO_HOME>/runs/WF/`` (``argento run`` keeps
every run there) or a workflow of the server: a local run of that name wins unless ``--server`` is given
(``--local`` insists on a local run); ``@latest`` is the newest local run when there is one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from argento.config import Settings
from argento.errors import ArgentoError, NotFound
from argento.paths import safe_join


@click.command("rerun")
@click.argument("name")
@click.option(
    "--from",
    "from_",
    multiple=True,
    required=True,
    metavar="STEP",
    help="Run this step (display name, node name or ID) and what depends on it again (repeatable).",
)
@click.option(
    "-p", "--parameter", "parameters", multiple=True, metavar="NAME=VALUE", help="Change a parameter."
)
@click.option("--wait", is_flag=True, help="Wait for the new workflow; exit 0 iff it Succeeded.")
@click.option("--watch", is_flag=True, help="Watch the new workflow until it completes.")
@click.option(
    "--local", "local", is_flag=True, help="WF is a local run (of `argento run`), not the server's."
)
@click.option(
    "-o", "--output", type=click.Choice(["wide", "json", "yaml", "name"]), default=None, help="Output format."
)
@click.option("--server", default=None, metavar="URL", help="Server URL  [env ARGENTO_SERVER]")
@click.option("--token", default=None, help="Bearer token  [env ARGENTO_TOKEN]")
@click.option("-n", "--namespace", default=None, help="Namespace  [env ARGENTO_NAMESPACE; default argo]")
@click.option(
    "-k", "--insecure-skip-tls-verify", "insecure", is_flag=True, help="Accept any TLS certificate."
)
def rerun(
    name: str,
    from_: tuple[str, ...],
    parameters: tuple[str, ...],
    wait: bool,
    watch: bool,
    local: bool,
    output: str | None,
    server: str | None,
    token: str | None,
    namespace: str | None,
    insecure: bool,
) -> None:
    """Run a finished workflow again from some steps, reusing the outputs of the others.

    \b
    Examples:
      argento run pipeline.yaml                  # a local run …
      argento rerun @latest --from train         # … again from `train`: the steps before it are reused
      argento rerun @latest --from evaluate -p threshold=0.9
      argento rerun pipeline-x7k2p --from train --from report --watch   # a workflow of the server
    """
    settings = Settings.from_env()
    run_dir = None if server else _local_run(settings, name, required=local)
    if run_dir is not None:
        sys.exit(_rerun_local(settings, run_dir, list(from_), list(parameters), output, quiet=wait))
    from argento.cli.actions import _finish
    from argento.cli.remote import make_client

    with make_client(server=server, token=token, namespace=namespace, insecure=insecure) as client:
        wf = client.workflows.rerun(name, from_=list(from_), parameters=list(parameters))
        _finish(client, [wf], output, wait, watch)


def _local_run(settings: Settings, name: str, *, required: bool) -> Path | None:
    """The run directory of local run ``name`` (``@latest``: the newest), or None when there is none."""
    runs = settings.runs_dir
    if name == "@latest":
        found = sorted(runs.glob("*/workflow.json"), key=lambda p: p.stat().st_mtime) if runs.is_dir() else []
        if found and (required or not os.environ.get("ARGENTO_SERVER")):
            return found[-1].parent
    elif (runs / name / "workflow.json").is_file() or _fetch_shared_run(settings, name):
        return runs / name
    if required:
        raise NotFound(f'no local run "{name}" in {runs} (run it with `argento run` first)')
    return None


def _fetch_shared_run(settings: Settings, name: str) -> bool:
    """Copy run ``name`` from the shared cache (``ARGENTO_CACHE`` a repository) into the local runs."""
    from argento.engine.shared_cache import cache_setting, memo_store

    if cache_setting(settings) == "local":
        return False
    from argento.secrets import SecretResolver, SecretStore

    store = memo_store(settings, secrets=SecretResolver(SecretStore(settings.home)))
    record = store.load_run(settings.namespace, name)
    if not record or not isinstance(record.get("workflow"), dict):
        return False
    run_dir = safe_join(settings.runs_dir, name, what="workflow name")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "workflow.json").write_text(json.dumps(record["workflow"], indent=2))
    (run_dir / "run.json").write_text(json.dumps(record.get("run") or {}, indent=2))
    return True


def _rerun_local(
    settings: Settings,
    run_dir: Path,
    from_: list[str],
    parameters: list[str],
    output: str | None,
    *,
    quiet: bool,
) -> int:
    from argento.cli.artifacts import load_workflow
    from argento.cli.run import RunInfo, build_options, run_locally
    from argento.engine.rerun import Reuse, rerun_workflow

    original = load_workflow(settings, run_dir.name)
    info = RunInfo.load(run_dir)
    new, plan = rerun_workflow(original, from_=from_, parameters=parameters)
    options = build_options(settings, _templates(info, original), info)
    options.reuse = reuse = Reuse(plan)
    code = run_locally(new, options, settings, info, output=output, live=not quiet and output is None)
    if output is None:
        click.echo(f"\nReused {len(reuse.reused_names)} step(s) of {original['metadata']['name']}.", err=True)
    return code


class _Templates:
    """The WorkflowTemplates and ConfigMaps a local run had (re-read from its files, when they still exist)."""

    def __init__(self, registry: Any, configmaps: dict[str, dict[str, str]]) -> None:
        self.registry = registry
        self.configmaps = configmaps


def _templates(info: Any, workflow: dict[str, Any] | None = None) -> _Templates:
    from argento.engine.resolve import TemplateRegistry

    # Reading the files means parsing them (the spec models): only when the workflow may use what they hold.
    text = json.dumps(workflow.get("spec")) if workflow is not None else "templateRef configMap"
    needed = any(
        word in text for word in ("templateRef", "TemplateRef", "configMap", "artifactRepositoryRef")
    )
    if needed and info.file and Path(info.file).is_file():
        from argento.engine.inputs import load_run_inputs

        try:
            inputs = load_run_inputs(info.file, info.templates, strict_templates=False)
            return _Templates(inputs.registry, inputs.configmaps)
        except ArgentoError:  # the file changed beyond reading: run without its templates
            pass
    return _Templates(TemplateRegistry(), {})
