"""``argento retry|resubmit|stop|terminate|suspend|resume``: act on workflows, as the ``argo`` commands do.

``retry`` and ``resubmit`` print the workflow they leave running (and can ``--wait``/``--watch`` it, exiting
0 iff it Succeeded); the others print ``workflow NAME <verb>`` per workflow. Every command takes several
names; one that fails is reported and the command exits with that error's code after trying the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from argento.cli.remote import (
    connection_options,
    field_selector_option,
    name_of,
    output_option,
    parameters_option,
    selector_option,
    wait_option,
    watch_option,
)
from argento.client import ArgoClient
from argento.errors import ArgentoError, SpecError


def _each(names: Sequence[str], act: Callable[[str], Any]) -> list[Any]:
    """``act`` on every name; report failures on stderr and exit with the first one's code at the end."""
    results, failure = [], None
    for name in names:
        try:
            results.append(act(name))
        except ArgentoError as exc:
            if len(names) == 1:
                raise
            click.echo(f"error: {name}: {exc}", err=True)
            failure = failure or exc
    if failure is not None:
        click.get_current_context().exit(failure.exit_code)
    return results


def _targets(client: ArgoClient, names: Sequence[str], selector: str, field_selector: str) -> list[str]:
    """The workflows a command acts on, as ``argo stop|terminate|retry|resubmit`` pick them: those matching
    ``-l``/``--field-selector`` (listed first, as Argo does), then the names given; each once."""
    picked: list[str] = []
    if selector or field_selector:
        from argento.cli.workflows import select_workflows

        picked = [name_of(w) for w in select_workflows(client, selector=selector, field_selector=field_selector)]
    return list(dict.fromkeys([*picked, *names]))


def _need_target(names: Sequence[str], selector: str, field_selector: str, what: str) -> None:
    if not names and not (selector or field_selector):
        raise SpecError(f"requires either {what} or workflow")


def _finish(
    client: ArgoClient, workflows: list[dict[str, Any]], output: str | None, wait: bool, watch: bool
) -> None:
    from argento.cli.remote import print_workflow
    from argento.cli.streams import follow

    if not (wait or watch):
        for wf in workflows:
            print_workflow(wf, output, tree=False)
        return
    finals = [follow(client, name_of(wf), live=watch, output=output) for wf in workflows]
    if not all((f.get("status") or {}).get("phase") == "Succeeded" for f in finals):
        click.get_current_context().exit(1)


@click.command("retry")
@click.argument("names", nargs=-1)
@click.option(
    "--node-field-selector", default="", help="Also retry nodes matching (e.g. templateName=train)."
)
@click.option(
    "--restart-successful", is_flag=True, help="Restart successful nodes matching the selector too."
)
@selector_option
@field_selector_option
@parameters_option
@wait_option
@watch_option
@output_option()
@connection_options
def retry(
    client: ArgoClient,
    names: tuple[str, ...],
    node_field_selector: str,
    restart_successful: bool,
    selector: str,
    field_selector: str,
    parameters: tuple[str, ...],
    wait: bool,
    watch: bool,
    output: str | None,
) -> None:
    """Retry failed workflows from their failed steps.

    \b
    Examples:
      argento retry @latest --watch
      argento retry train-7xk2 --restart-successful --node-field-selector templateName=evaluate
    """
    _need_target(names, selector, field_selector, "node field selector")
    workflows = _each(
        _targets(client, names, selector, field_selector),
        lambda n: client.workflows.retry(
            n,
            restart_successful=restart_successful,
            node_field_selector=node_field_selector,
            parameters=parameters,
        ),
    )
    _finish(client, workflows, output, wait, watch)


@click.command("resubmit")
@click.argument("names", nargs=-1)
@click.option("--memoized", is_flag=True, help="Reuse the outputs of steps that succeeded.")
@selector_option
@field_selector_option
@parameters_option
@wait_option
@watch_option
@output_option()
@connection_options
def resubmit(
    client: ArgoClient,
    names: tuple[str, ...],
    memoized: bool,
    selector: str,
    field_selector: str,
    parameters: tuple[str, ...],
    wait: bool,
    watch: bool,
    output: str | None,
) -> None:
    """Submit a new workflow with the same spec as an existing one.

    \b
    Examples:
      argento resubmit @latest --memoized --wait
    """
    _need_target(names, selector, field_selector, "selector")
    workflows = _each(
        _targets(client, names, selector, field_selector),
        lambda n: client.workflows.resubmit(n, memoized=memoized, parameters=parameters),
    )
    _finish(client, workflows, output, wait, watch)


def _report(
    client: ArgoClient, names: Sequence[str], verb: str, act: Callable[[str], Any], *, as_given: bool = False
) -> None:
    """``act`` on each workflow and print ``workflow NAME <verb>``: the name the server answered with
    (``stop``, ``terminate``), or the name as given (``as_given``: ``suspend``, ``resume``), as Argo prints."""

    def run(name: str) -> None:
        resolved = client.workflows.resolve(name)
        done = act(resolved)
        shown = name if as_given else (name_of(done) if isinstance(done, dict) and name_of(done) else resolved)
        click.echo(f"workflow {shown} {verb}")

    _each(names, run)


def _dry_run(names: Sequence[str], verb: str) -> None:
    for name in names:
        click.echo(f"workflow {name} {verb} (dry-run)")


@click.command("stop")
@click.argument("names", nargs=-1)
@click.option("--message", default="", help="Message recorded on the workflow.")
@click.option("--node-field-selector", default="", help="Stop only nodes matching the selector.")
@selector_option
@field_selector_option
@click.option("--dry-run", is_flag=True, help="Only print the workflows that would be stopped.")
@connection_options
def stop(
    client: ArgoClient,
    names: tuple[str, ...],
    message: str,
    node_field_selector: str,
    selector: str,
    field_selector: str,
    dry_run: bool,
) -> None:
    """Stop workflows (by name, or all matching -l/--field-selector): no new steps start, exit handlers
    still run.

    \b
    Examples:
      argento stop train-7xk2 --message "bad data"
      argento stop -l app=train
    """
    _need_target(names, selector, field_selector, "selector")
    targets = _targets(client, names, selector, field_selector)
    if dry_run:
        _dry_run(targets, "stopped")
        return
    _report(
        client,
        targets,
        "stopped",
        lambda n: client.workflows.stop(n, message=message, node_field_selector=node_field_selector),
    )


@click.command("terminate")
@click.argument("names", nargs=-1)
@selector_option
@field_selector_option
@click.option("--dry-run", is_flag=True, help="Only print the workflows that would be terminated.")
@connection_options
def terminate(
    client: ArgoClient, names: tuple[str, ...], selector: str, field_selector: str, dry_run: bool
) -> None:
    """Terminate workflows (by name, or all matching -l/--field-selector): running steps are killed and
    exit handlers skipped.

    \b
    Examples:
      argento terminate @latest
      argento terminate --field-selector metadata.namespace=argo
    """
    _need_target(names, selector, field_selector, "selector")
    # argo terminate: the selector's workflows, or else the names
    targets = _targets(client, [], selector, field_selector) if selector or field_selector else list(names)
    if dry_run:
        _dry_run(targets, "terminated")
        return
    _report(client, targets, "terminated", client.workflows.terminate)


@click.command("suspend")
@click.argument("names", nargs=-1, required=True)
@connection_options
def suspend(client: ArgoClient, names: tuple[str, ...]) -> None:
    """Suspend workflows: no new steps start until they are resumed.

    \b
    Examples:
      argento suspend train-7xk2
    """
    _report(client, names, "suspended", client.workflows.suspend, as_given=True)


@click.command("resume")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--node-field-selector", default="", help="Resume only the suspend nodes matching the selector."
)
@connection_options
def resume(client: ArgoClient, names: tuple[str, ...], node_field_selector: str) -> None:
    """Resume suspended workflows (or some of their suspend nodes).

    \b
    Examples:
      argento resume train-7xk2
      argento resume train-7xk2 --node-field-selector displayName=approve
    """
    _report(
        client,
        names,
        "resumed",
        lambda n: client.workflows.resume(n, node_field_selector=node_field_selector),
        as_given=True,
    )
