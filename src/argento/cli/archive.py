"""``argento archive list|get|delete|retry|resubmit|list-label-keys|list-label-values``: completed workflows kept
by the server's archive, as ``argo archive`` (``cmd/argo/commands/archive``) handles them.

An archived workflow is named by its UID or by its name: an argument shaped like a UID is one, anything else
is a name, and the name must pick exactly one archived workflow of the namespace (``util.go:resolveUID``);
``--uid`` / ``--name`` force either reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from argento.cli.remote import (
    connection_options,
    echo_lines,
    emit,
    field_selector_option,
    name_of,
    output_option,
    parameters_option,
    selector_option,
    wait_option,
    watch_option,
)
from argento.cli.templates import each
from argento.cli.tree import duration_text, service_account
from argento.cli.workflows import workflow_rows
from argento.client import ArgoClient
from argento.errors import SpecError


@click.group("archive")
def archive() -> None:
    """Browse and manage archived (completed) workflows.

    \b
    Example:
      argento archive list -l app=train
    """


def _force_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--uid", "force_uid", is_flag=True, help="Read the argument as a UID.")(func)
    return click.option("--name", "force_name", is_flag=True, help="Read the argument as a name.")(func)


def _check_force(force_uid: bool, force_name: bool) -> None:
    """``--name`` and ``--uid`` exclude each other (cobra's ``MarkFlagsMutuallyExclusive``)."""
    if force_uid and force_name:
        raise click.UsageError("--name and --uid cannot be given together")


def sort_workflows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Argo's ``Workflows`` order: unfinished first (newest created first), then by finish time, latest
    first (``pkg/apis/workflow/v1alpha1/workflow_types.go:Workflows.Less``)."""

    def finished(w: dict[str, Any]) -> str:
        return str((w.get("status") or {}).get("finishedAt") or "")

    def created(w: dict[str, Any]) -> str:
        return str((w.get("metadata") or {}).get("creationTimestamp") or "")

    out = sorted(items, key=lambda w: finished(w) or created(w), reverse=True)
    return sorted(out, key=lambda w: bool(finished(w)))  # stable: the unfinished ones lead


def _field(label: str, value: Any) -> str:
    return f"{label:<20} {value}".rstrip()  # Go's "%-20s %v"


def archived_summary(wf: dict[str, Any]) -> list[str]:
    """``argo archive get``'s block (``get.go:printWorkflow``): name, namespace, service account, phase, the
    message if any, when it was created, and when it started and finished and how long it took, if it did."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    lines = [
        _field("Name:", meta.get("name", "")),
        _field("Namespace:", meta.get("namespace", "")),
        _field("ServiceAccount:", service_account(wf)),
        _field("Status:", status.get("phase", "")),
    ]
    if status.get("message"):
        lines.append(_field("Message:", status["message"]))
    lines.append(_field("Created:", meta.get("creationTimestamp", "")))
    if status.get("startedAt"):
        lines.append(_field("Started:", status["startedAt"]))
    if status.get("finishedAt"):
        lines.append(_field("Finished:", status["finishedAt"]))
    if status.get("startedAt"):
        lines.append(_field("Duration:", duration_text(status["startedAt"], status.get("finishedAt"))))
    return lines


def print_archived(wf: dict[str, Any], output: str | None) -> None:
    """One workflow as ``argo archive get|retry|resubmit`` print it: ``json``, ``yaml``, ``name`` or the
    summary block."""
    if output in ("json", "yaml"):
        emit(wf, output)
    elif output == "name":
        click.echo(name_of(wf))
    else:
        echo_lines(archived_summary(wf))


@archive.command("list")
@click.option("-l", "--selector", default="", help="Label selector (k=v,k2!=v2).")
@click.option("--prefix", default="", help="Only names starting with this prefix.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=0),
    default=500,
    show_default=True,
    help="Fetch in pages of this size, as kubectl does (0: one request).",
)
@output_option(default="wide")
@connection_options
def list_(client: ArgoClient, selector: str, prefix: str, chunk_size: int, output: str) -> None:
    """List archived workflows: the wide table with NAMESPACE and UID columns, latest finished first.

    \b
    Examples:
      argento archive list -l workflows.argoproj.io/test=true --chunk-size 100
      argento archive list --prefix train- -o name
    """
    items = sort_workflows(
        client.archive.list(label_selector=selector, name_prefix=prefix, chunk_size=chunk_size)
    )
    if not items:  # util/printer/workflow-printer.go:PrintWorkflows
        click.echo("[]" if output in ("json", "yaml") else "No workflows found")
    elif output in ("json", "yaml"):
        emit(items, output)
    elif output == "name":
        echo_lines(name_of(w) for w in items)
    else:
        echo_lines(workflow_rows(items, wide=True, namespace=True, uid=True))


@archive.command("get")
@click.argument("identifier")
@_force_options
@output_option(("wide", "json", "yaml"), default="wide")
@connection_options
def get(client: ArgoClient, identifier: str, force_uid: bool, force_name: bool, output: str) -> None:
    """Show an archived workflow, by UID or by name.

    \b
    Examples:
      argento archive get 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f
      argento archive get train-7xk2p -o yaml
    """
    _check_force(force_uid, force_name)
    print_archived(client.archive.find(identifier, force_uid=force_uid, force_name=force_name), output)


@archive.command("delete")
@click.argument("identifiers", nargs=-1, required=True)
@_force_options
@connection_options
def delete(client: ArgoClient, identifiers: tuple[str, ...], force_uid: bool, force_name: bool) -> None:
    """Delete archived workflows, by UID or by name.

    \b
    Example:
      argento archive delete 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f train-7xk2p
    """
    _check_force(force_uid, force_name)

    def run(identifier: str) -> None:
        client.archive.delete(
            client.archive.resolve_uid(identifier, force_uid=force_uid, force_name=force_name)
        )
        click.echo(f"Archived workflow '{identifier}' deleted")  # as given (delete.go)

    each(identifiers, run)


@archive.command("list-label-keys")
@connection_options
def list_label_keys(client: ArgoClient) -> None:
    """List the label keys of the archived workflows, one a line.

    \b
    Example:
      argento archive list-label-keys
    """
    echo_lines(client.archive.label_keys())


@archive.command("list-label-values")
@click.option("-l", "--selector", required=True, metavar="KEY", help="The label key (one, e.g. -l app).")
@connection_options
def list_label_values(client: ArgoClient, selector: str) -> None:
    """List the values the archived workflows give one label key, one a line.

    \b
    Example:
      argento archive list-label-values -l workflows.argoproj.io/test
    """
    echo_lines(client.archive.label_values(selector))


def _targets(
    client: ArgoClient,
    identifiers: tuple[str, ...],
    selector: str,
    field_selector: str,
    force_uid: bool,
    force_name: bool,
) -> list[str]:
    """The UIDs a ``retry``/``resubmit`` acts on: the archived workflows the selectors pick, then the ones
    named, each once (``retry.go:retryArchivedWorkflows``)."""
    if not identifiers and not (selector or field_selector):
        raise SpecError("requires either selector or workflow")
    uids: list[str] = []
    if selector or field_selector:
        picked = client.archive.list(label_selector=selector, field_selector=field_selector)
        uids = [str((w.get("metadata") or {}).get("uid", "")) for w in picked]
    for identifier in identifiers:
        uids.append(client.archive.resolve_uid(identifier, force_uid=force_uid, force_name=force_name))
    return list(dict.fromkeys(u for u in uids if u))


def _finish(
    client: ArgoClient,
    act: Callable[[str], dict[str, Any]],
    uids: list[str],
    output: str | None,
    wait: bool,
    watch: bool,
) -> None:
    """Act on each UID and print what came back; wait for or watch it when it is the only one."""
    from argento.cli.streams import follow

    last: dict[str, Any] | None = None
    for uid in uids:  # the first error ends the command, as Argo's loop returns it
        last = act(uid)
        print_archived(last, output)
    if last is not None and len(uids) == 1 and (wait or watch):
        final = follow(client, name_of(last), live=watch, output=output)
        if (final.get("status") or {}).get("phase") != "Succeeded":
            click.get_current_context().exit(1)


@archive.command("retry")
@click.argument("identifiers", nargs=-1)
@click.option(
    "--restart-successful", is_flag=True, help="Restart successful nodes matching the selector too."
)
@click.option("--node-field-selector", default="", help="Nodes to reset (e.g. templateName=train).")
@selector_option
@field_selector_option
@parameters_option
@wait_option
@watch_option
@_force_options
@output_option()
@connection_options
def retry(
    client: ArgoClient,
    identifiers: tuple[str, ...],
    restart_successful: bool,
    node_field_selector: str,
    selector: str,
    field_selector: str,
    parameters: tuple[str, ...],
    wait: bool,
    watch: bool,
    force_uid: bool,
    force_name: bool,
    output: str | None,
) -> None:
    """Retry archived workflows: each comes back live under its name, from its failed steps.

    \b
    Examples:
      argento archive retry 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f --wait
      argento archive retry -l workflows.argoproj.io/test=true
    """
    _check_force(force_uid, force_name)
    uids = _targets(client, identifiers, selector, field_selector, force_uid, force_name)

    def act(uid: str) -> dict[str, Any]:
        return client.archive.retry(
            uid,
            restart_successful=restart_successful,
            node_field_selector=node_field_selector,
            parameters=parameters,
        )

    _finish(client, act, uids, output, wait, watch)


@archive.command("resubmit")
@click.argument("identifiers", nargs=-1)
@click.option("--memoized", is_flag=True, help="Reuse the outputs of steps that succeeded.")
@selector_option
@field_selector_option
@parameters_option
@wait_option
@watch_option
@_force_options
@output_option()
@connection_options
def resubmit(
    client: ArgoClient,
    identifiers: tuple[str, ...],
    memoized: bool,
    selector: str,
    field_selector: str,
    parameters: tuple[str, ...],
    wait: bool,
    watch: bool,
    force_uid: bool,
    force_name: bool,
    output: str | None,
) -> None:
    """Resubmit archived workflows: each runs again as a new workflow.

    \b
    Examples:
      argento archive resubmit 3f1c2a9e-8a55-4d3e-9b0e-5a1f2c3d4e5f --memoized
      argento archive resubmit train-7xk2p -p lr=0.1 --wait
    """
    _check_force(force_uid, force_name)
    uids = _targets(client, identifiers, selector, field_selector, force_uid, force_name)

    def act(uid: str) -> dict[str, Any]:
        return client.archive.resubmit(uid, memoized=memoized, parameters=parameters)

    _finish(client, act, uids, output, wait, watch)
